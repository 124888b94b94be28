#!/usr/bin/env bash
# The load benchmark in one command (see BENCHMARKS.md):
#   benches/run.sh                 # 1,000 users, 15 s per scenario, PostgreSQL at 127.0.0.1:5432
#   BENCH_USERS=200 BENCH_SECONDS=5 benches/run.sh
# Builds the release binary, loads the dataset into a fresh database, starts the server,
# runs every scenario, prints the table, and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${BENCH_USERS:-1000}
SECONDS_PER_SCENARIO=${BENCH_SECONDS:-15}
ADMIN_URL=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=${BENCH_DB:-smartsave_bench}
DB_URL=${ADMIN_URL%/*}/$DB_NAME
ADDR=127.0.0.1:18888

cargo build --release --quiet
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" -c "CREATE DATABASE \"$DB_NAME\"" 2>/dev/null
DATABASE_URL=$DB_URL ./target/release/smartsave seed-bench --users "$USERS"

# The benchmark measures the service, not its abuse limits: lift them for this run.
DATABASE_URL=$DB_URL BIND_ADDR=$ADDR RUST_LOG=warn DATABASE_MAX_CONNECTIONS=${BENCH_POOL:-16} \
  RATE_LIMIT_PER_USER=1000000 RATE_LIMIT_AUTH_PER_IP=100000 RATE_LIMIT_AUTH_PER_ACCOUNT=100000 \
  ./target/release/smartsave serve &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://$ADDR/health" >/dev/null && break; sleep 0.2; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD); $USERS users; ${SECONDS_PER_SCENARIO} s per scenario"
cargo bench --quiet --bench load -- --url "http://$ADDR" --server-pid "$SERVER" --duration "$SECONDS_PER_SCENARIO" --users "$USERS"
