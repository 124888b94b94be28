#!/usr/bin/env bash
# CSV import of 100,000 rows through the API against PostgreSQL's own \copy of the same rows
# (see BENCHMARKS.md):
#   benches/import.sh                   # 100,000 rows, 3 runs each, PostgreSQL at 127.0.0.1:5432
#   BENCH_ROWS=20000 BENCH_RUNS=1 benches/import.sh
# The import is timed end to end (HTTP request with the CSV, parsing, validation, category
# matching, de-duplication, the inserts in one transaction, the response). \copy loads the
# rows the import wrote (every column, fully formed) into a table with the same columns and
# indexes as `transactions` (CREATE TABLE ... (LIKE transactions INCLUDING ALL)): the floor
# for getting those rows into PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-100000}
RUNS=${BENCH_RUNS:-3}
ADMIN_URL=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=${BENCH_DB:-smartsave_import_bench}
DB_URL=${ADMIN_URL%/*}/$DB_NAME
ADDR=127.0.0.1:18889
WORK=$(mktemp -d)

cargo build --release --quiet
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" -c "CREATE DATABASE \"$DB_NAME\"" 2>/dev/null
DATABASE_URL=$DB_URL ./target/release/smartsave migrate >/dev/null

DATABASE_URL=$DB_URL BIND_ADDR=$ADDR RUST_LOG=warn \
  RATE_LIMIT_PER_USER=1000000 RATE_LIMIT_AUTH_PER_IP=100000 RATE_LIMIT_AUTH_PER_ACCOUNT=100000 \
  ./target/release/smartsave serve &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "http://$ADDR/health" >/dev/null && break; sleep 0.2; done
# A server left on the port would answer instead of this one: refuse to measure it.
kill -0 $SERVER 2>/dev/null || { echo "the server exited at start (is $ADDR taken?)" >&2; exit 1; }

# One CSV file, as a user would upload it: 12 months of dated rows, every 10th an income.
python3 - "$ROWS" "$WORK/import.json" <<'PY'
import datetime, json, random, sys
rows, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
start = datetime.date(2025, 11, 1)
lines = ["date,description,amount,type"]
for i in range(rows):
    day = start + datetime.timedelta(days=i % 365)
    kind = "income" if i % 10 == 0 else "expense"
    lines.append(f"{day},Row {i} at shop {random.randint(1, 500)},{random.randint(100, 99999) / 100:.2f},{kind}")
data = "\n".join(lines) + "\n"
query = "mutation($data: String!) { importTransactions(input: { data: $data, format: CSV }) { imported skippedDuplicates errors { line message } } }"
json.dump({"query": query, "variables": {"data": data}}, open(out, "w"))
print(f"CSV: {rows} rows, {len(data) / 1e6:.1f} MB")
PY

now_ms() { date +%s%3N; }
import_ms=()
copy_ms=()
for run in $(seq 1 "$RUNS"); do
  email="import-$run-$(date +%s%N)@example.com"
  token=$(curl -sf "http://$ADDR/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { register(input: { email: \\\"$email\\\", password: \\\"Bench1password\\\", firstName: \\\"B\\\", lastName: \\\"B\\\" }) { accessToken } }\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["register"]["accessToken"])')
  start=$(now_ms)
  result=$(curl -sf "http://$ADDR/graphql" -H 'content-type: application/json' -H "authorization: Bearer $token" \
    --data-binary @"$WORK/import.json")
  import_ms+=($(( $(now_ms) - start )))
  imported=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["data"]["importTransactions"]["imported"] if r.get("data") else r)' "$result")
  [ "$imported" = "$ROWS" ] || { echo "import $run failed: $result" >&2; exit 1; }

  # The same rows, as PostgreSQL holds them, into an empty twin of the table.
  user_id=$(psql "$DB_URL" -Atc "SELECT id FROM users WHERE email = '$email'")
  psql "$DB_URL" -qc "\\copy (SELECT * FROM transactions WHERE user_id = '$user_id') TO '$WORK/rows.csv' WITH (FORMAT csv)"
  psql "$DB_URL" -qc "DROP TABLE IF EXISTS copy_twin" -c "CREATE TABLE copy_twin (LIKE transactions INCLUDING ALL)"
  start=$(now_ms)
  psql "$DB_URL" -qc "\\copy copy_twin FROM '$WORK/rows.csv' WITH (FORMAT csv)"
  copy_ms+=($(( $(now_ms) - start )))
  echo "run $run: import ${import_ms[-1]} ms, \\copy ${copy_ms[-1]} ms"
done

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
mi=$(median "${import_ms[@]}")
mc=$(median "${copy_ms[@]}")
echo "machine: $(nproc) cores; commit $(git rev-parse --short HEAD); $ROWS rows; median of $RUNS"
echo "import via API: $mi ms; \\copy: $mc ms; ratio $(awk -v a="$mi" -v b="$mc" 'BEGIN { printf "%.2f", a / b }')x"
