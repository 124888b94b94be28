#!/usr/bin/env bash
# The benchmark in one command (see BENCHMARKS.md):
#   benches/run.sh                                   # everything, 15 s per measurement
#   BENCH_SECONDS=10 benches/run.sh
#   SKIP_ANCHOR=1 SKIP_SCENARIOS=1 benches/run.sh    # only our dashboard figures
#
# 1. The perf anchor (../shared/perf-anchor, or PERF_ANCHOR): PostGraphile on this PostgreSQL,
#    its nested dashboard query under wrk at 16 and 64 connections, with 1 and then 2 workers.
# 2. SmartSave on the same PostgreSQL (its own database, the same data shape): the same query in
#    our schema, for one user like the anchor's, under the same wrk at 16 and 64 connections,
#    with the read cache off (every request does the work) and then on.
# 3. The ratios of (2) to the anchor's best, from this one run.
# 4. Our other scenarios (cargo bench --bench load: transactions page, createTransaction,
#    dashboard under a login storm) with the cache off, for RSS, SQL/request and the storm.
set -euo pipefail
cd "$(dirname "$0")/.."

ANCHOR=${PERF_ANCHOR:-../shared/perf-anchor}
SECS=${BENCH_SECONDS:-15}
CONNS=${BENCH_CONNS:-"16 64"}
USERS=${BENCH_USERS:-1000}
ADMIN_URL=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
# Not the anchor's database (smartsave_bench), which its run recreates.
DB_NAME=${BENCH_DB:-smartsave_bench_rs}
DB_URL=${ADMIN_URL%/*}/$DB_NAME
ADDR=127.0.0.1:18888
WORK=$(mktemp -d /tmp/smartsave-bench.XXXXXX)
SERVER=""

cleanup() {
  [ -n "$SERVER" ] && { kill -TERM "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# Figures of a wrk run's FIGURES line: rps p50 p99.
figures() { sed -nE 's/^FIGURES rps=([0-9.]+) p50_ms=([0-9.]+) p90_ms=[0-9.]+ p99_ms=([0-9.]+).*/\1 \2 \3/p' "$1"; }

# ---------------------------------------------------------------- 1. the anchor
declare -A ANCHOR_FIG
if [ "${SKIP_ANCHOR:-0}" != 1 ] && [ -f "$ANCHOR/run.sh" ]; then
  for workers in 1 2; do
    echo "== PostGraphile, $workers worker(s)"
    extra=(); [ "$workers" = 2 ] && extra=(CLUSTER_WORKERS=2 SKIP_SEED=1)
    env "${extra[@]}" SKIP_PGBENCH=1 DURATION="${SECS}s" CONNS="$CONNS" bash "$ANCHOR/run.sh" >"$WORK/anchor-$workers.log" 2>&1 \
      || { tail -30 "$WORK/anchor-$workers.log"; echo "the anchor failed" >&2; exit 1; }
    # Its summary: "conns req/s p50 p99 ..." after the SUMMARY heading.
    while read -r c rps p50 p99; do ANCHOR_FIG[$workers,$c]="$rps $p50 $p99"; done < <(
      awk '/== SUMMARY/ {s=1} s && $1 ~ /^[0-9]+$/ {print $1, $2, $3, $4}' "$WORK/anchor-$workers.log")
    grep -A12 '== SUMMARY' "$WORK/anchor-$workers.log" | sed 's/^/  /'
  done
else
  echo "== PostGraphile: skipped (SKIP_ANCHOR=1 or no $ANCHOR/run.sh)"
fi

# ---------------------------------------------------------------- 2. SmartSave
cargo build --release --quiet
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" -c "CREATE DATABASE \"$DB_NAME\"" 2>/dev/null
DATABASE_URL=$DB_URL ./target/release/smartsave seed-bench --users "$USERS"

start_server() { # $1: CACHE_ENABLED
  # The benchmark measures the service, not its abuse limits: lift them for this run.
  DATABASE_URL=$DB_URL BIND_ADDR=$ADDR RUST_LOG=warn DATABASE_MAX_CONNECTIONS=${BENCH_POOL:-$((2 * $(nproc) + 1))} \
    RATE_LIMIT_PER_USER=1000000 RATE_LIMIT_AUTH_PER_IP=100000 RATE_LIMIT_AUTH_PER_ACCOUNT=100000 \
    ACCESS_TOKEN_TTL=2h CACHE_ENABLED="$1" JOBS_ENABLED=false \
    ./target/release/smartsave serve &
  SERVER=$!
  # A server left on the port would answer instead of this one: refuse to measure it.
  for _ in $(seq 1 100); do
    kill -0 "$SERVER" 2>/dev/null || { echo "the server exited at start (is $ADDR taken?)" >&2; exit 1; }
    curl -sf "http://$ADDR/health" >/dev/null && return
    sleep 0.2
  done
  echo "the server did not start" >&2; exit 1
}
stop_server() { kill -TERM "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; }
statements() { curl -s "http://$ADDR/metrics" | awk '/^db_statements_total/ {s+=$2} END {print s+0}'; }

QUERY='{ me { id email firstName lastName } budgets(first: 10) { nodes { id name amount period startDate endDate categories { id name amount color icon transactions(first: 20) { nodes { id amount description transactionDate type } } } } } savingsGoals(first: 10) { nodes { id name targetAmount currentAmount targetDate status } } }'
printf '%s' "$(jq -cn --arg q "$QUERY" '{query: $q}' 2>/dev/null || python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$QUERY")" >"$WORK/body.json"

declare -A OURS_FIG OURS_RSS OURS_SQL
for cache in false true; do
  start_server "$cache"
  TOKEN=$(curl -s "http://$ADDR/graphql" -H 'content-type: application/json' \
    -d '{"query":"mutation { login(input: { email: \"user1@example.com\", password: \"Bench1password\" }) { accessToken } }"}' \
    | sed -nE 's/.*"accessToken":"([^"]+)".*/\1/p')
  [ -n "$TOKEN" ] || { echo "login failed" >&2; exit 1; }
  export TOKEN BODY_JSON="$WORK/body.json"
  echo "== SmartSave, cache $([ "$cache" = true ] && echo on || echo off)"
  wrk -t2 -c16 -d5s -s benches/dashboard.lua "http://$ADDR/graphql" | grep CHECK | sed 's/^/  warm-up /'
  for c in $CONNS; do
    : >"$WORK/rss"
    ( while kill -0 "$SERVER" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$SERVER/status" >>"$WORK/rss"; sleep 0.5; done ) &
    sampler=$!
    s0=$(statements)
    wrk -t2 -c"$c" -d"${SECS}s" --latency -s benches/dashboard.lua "http://$ADDR/graphql" >"$WORK/wrk-$cache-$c.txt"
    s1=$(statements)
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
    requests=$(sed -nE 's/.*requests=([0-9]+).*/\1/p' "$WORK/wrk-$cache-$c.txt")
    OURS_FIG[$cache,$c]=$(figures "$WORK/wrk-$cache-$c.txt")
    OURS_RSS[$cache,$c]=$(( $(sort -n "$WORK/rss" | tail -1) / 1024 ))
    OURS_SQL[$cache,$c]=$(awk -v s="$((s1 - s0))" -v r="$requests" 'BEGIN {printf "%.2f", (r > 0 ? s / r : 0)}')
    grep -E 'CHECK|FIGURES' "$WORK/wrk-$cache-$c.txt" | sed "s/^/  $c conns: /"
  done
  stop_server
done

# ---------------------------------------------------------------- 3. side by side
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD); ${SECS} s per measurement; wrk -t2"
printf '%-28s %-6s %-10s %-8s %-8s %-9s %s\n' "dashboard query" conns "req/s" "p50 ms" "p99 ms" "RSS MB" "SQL/req"
for c in $CONNS; do
  for w in 1 2; do
    [ -n "${ANCHOR_FIG[$w,$c]:-}" ] || continue
    read -r rps p50 p99 <<<"${ANCHOR_FIG[$w,$c]}"
    printf '%-28s %-6s %-10s %-8s %-8s %-9s %s\n' "PostGraphile, $w worker(s)" "$c" "$rps" "$p50" "$p99" "-" "1"
  done
  for cache in false true; do
    read -r rps p50 p99 <<<"${OURS_FIG[$cache,$c]}"
    printf '%-28s %-6s %-10s %-8s %-8s %-9s %s\n' "SmartSave, cache $([ "$cache" = true ] && echo on || echo off)" "$c" "$rps" "$p50" "$p99" "${OURS_RSS[$cache,$c]}" "${OURS_SQL[$cache,$c]}"
  done
done
echo
for c in $CONNS; do
  best=""; best_p99=""; best_p50=""
  for w in 1 2; do
    [ -n "${ANCHOR_FIG[$w,$c]:-}" ] || continue
    read -r rps p50 p99 <<<"${ANCHOR_FIG[$w,$c]}"
    if [ -z "$best" ] || awk -v a="$rps" -v b="$best" 'BEGIN {exit !(a > b)}'; then best=$rps; best_p50=$p50; best_p99=$p99; fi
  done
  [ -n "$best" ] || continue
  for cache in false true; do
    read -r rps p50 p99 <<<"${OURS_FIG[$cache,$c]}"
    awk -v c="$c" -v cache="$cache" -v ours="$rps" -v theirs="$best" -v p99="$p99" -v tp99="$best_p99" -v p50="$p50" -v tp50="$best_p50" 'BEGIN {
      printf "ratio at %s connections, cache %s: req/s %.2fx PostGraphile'"'"'s best; p99 %.1f vs %.1f ms; p50 %.1f vs %.1f ms\n",
        c, (cache == "true" ? "on" : "off"), ours / theirs, p99, tp99, p50, tp50 }'
  done
done

# ---------------------------------------------------------------- 4. the other scenarios
if [ "${SKIP_SCENARIOS:-0}" != 1 ]; then
  echo
  echo "== other scenarios (cargo bench --bench load), cache off"
  start_server false
  cargo bench --quiet --bench load -- --url "http://$ADDR" --server-pid "$SERVER" --duration "$SECS" --users "$USERS"
  stop_server
fi
