#!/usr/bin/env bash
# Where a request's CPU goes: our server's and PostgreSQL's CPU time per request (utime+stime
# from /proc over one wrk run), SQL statements per request, and optionally a perf profile.
#   benches/cpu_split.sh                      # the dashboard query, 64 connections, 15 s, cache off
#   SCENARIO=create benches/cpu_split.sh      # createTransaction as 100 users at random
#   C=16 SECS=10 benches/cpu_split.sh
#   QUERY="{ budgets { nodes { id } } }" benches/cpu_split.sh   # another document
#   PERF=1 benches/cpu_split.sh               # also perf record -g into $WORK/perf.data
#   PERF=1 PERF_CG="--call-graph dwarf,16384" FREQ=299 SECS=8 benches/cpu_split.sh
# Uses benches/run.sh's database (smartsave_bench_rs; seeded here when missing) and the
# release binary (cargo build --release first). Ratios between two binaries mean something
# only from back-to-back runs on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
C=${C:-64}; SECS=${SECS:-15}; BIN=${BIN:-./target/release/smartsave}
WORK=${WORK:-/tmp/smartsave-cpu-split}; mkdir -p "$WORK"
ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
DB_URL=${ADMIN_URL%/*}/smartsave_bench_rs
ADDR=127.0.0.1:18888
if ! psql "$ADMIN_URL" -Atc "SELECT 1 FROM pg_database WHERE datname = 'smartsave_bench_rs'" | grep -q 1; then
  psql "$ADMIN_URL" -qc 'CREATE DATABASE smartsave_bench_rs'
  DATABASE_URL=$DB_URL $BIN seed-bench --users 1000
fi
DATABASE_URL=$DB_URL BIND_ADDR=$ADDR RUST_LOG=warn DATABASE_MAX_CONNECTIONS=${BENCH_POOL:-$((2 * $(nproc) + 1))} \
  RATE_LIMIT_PER_USER=1000000 RATE_LIMIT_AUTH_PER_IP=100000 RATE_LIMIT_AUTH_PER_ACCOUNT=100000 \
  ACCESS_TOKEN_TTL=2h CACHE_ENABLED=false JOBS_ENABLED=false $BIN serve &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "http://$ADDR/health" >/dev/null && break; sleep 0.2; done
# Another server on the port would be measured instead of this one.
kill -0 $SERVER 2>/dev/null || { echo "the server did not start (is $ADDR taken?)" >&2; exit 1; }
login() { # user number -> access token
  printf '{"query":"mutation { login(input: { email: \\"user%s@example.com\\", password: \\"Bench1password\\" }) { accessToken } }"}' "$1" >"$WORK/login.json"
  { curl -s "http://$ADDR/graphql" -H 'content-type: application/json' --data-binary @"$WORK/login.json"; echo; } \
    | sed -nE 's/.*"accessToken":"([^"]+)".*/\1/p'
}
if [ "${SCENARIO:-dashboard}" = create ]; then
  : >"$WORK/tokens"
  for n in $(seq 1 100); do login $((n * 7 % 1000 + 1)) >>"$WORK/tokens"; done
  export TOKENS_FILE=$WORK/tokens
  SCRIPT=benches/create.lua
else
  TOKEN=$(login 1)
  QUERY=${QUERY:-'{ me { id email firstName lastName } budgets(first: 10) { nodes { id name amount period startDate endDate categories { id name amount color icon transactions(first: 20) { nodes { id amount description transactionDate type } } } } } savingsGoals(first: 10) { nodes { id name targetAmount currentAmount targetDate status } } }'}
  python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$QUERY" >"$WORK/body.json"
  export TOKEN BODY_JSON=$WORK/body.json
  SCRIPT=benches/dashboard.lua
fi
wrk -t2 -c16 -d3s -s "$SCRIPT" "http://$ADDR/graphql" | grep CHECK | sed 's/^/warm-up /'
statements() { curl -s "http://$ADDR/metrics" | awk '/^db_statements_total/ {s+=$2} END {print s+0}'; }
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
postgres_ticks() { local s=0; for p in $(pgrep -x postgres); do s=$((s + $(ticks_of "$p"))); done; echo $s; }
pg0=$(postgres_ticks); us0=$(ticks_of $SERVER); s0=$(statements)
if [ -n "${PERF:-}" ]; then
  # shellcheck disable=SC2086
  perf record -F "${FREQ:-999}" ${PERF_CG:--g} -p $SERVER -o "$WORK/perf.data" -- sleep "$SECS" >/dev/null 2>&1 &
  PERF_PID=$!
fi
wrk -t2 -c"$C" -d"${SECS}s" --latency -s "$SCRIPT" "http://$ADDR/graphql" >"$WORK/wrk.txt"
if [ -n "${PERF:-}" ]; then wait $PERF_PID || true; echo "perf data: $WORK/perf.data"; fi
pg1=$(postgres_ticks); us1=$(ticks_of $SERVER); s1=$(statements)
grep -E 'CHECK|FIGURES' "$WORK/wrk.txt"
requests=$(sed -nE 's/.*requests=([0-9]+).*/\1/p' "$WORK/wrk.txt")
hz=$(getconf CLK_TCK)
awk -v pg=$((pg1 - pg0)) -v us=$((us1 - us0)) -v r="$requests" -v hz="$hz" -v c="$C" -v s=$((s1 - s0)) 'BEGIN {
  printf "CPU ms per request at %s connections: ours %.3f, PostgreSQL %.3f; SQL/request %.2f (%d requests)\n", c, us * 1000 / hz / r, pg * 1000 / hz / r, s / r, r }'
