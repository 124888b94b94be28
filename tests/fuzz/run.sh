#!/usr/bin/env bash
# Fuzzes every GraphQL operation with schemathesis (pinned in requirements.txt, installed
# from PyPI into a venv this script creates) against a fresh server, signed in, with a fixed
# seed. Fails on any 5xx, any error without extensions.code or with INTERNAL_SERVER_ERROR
# (smartsave_hooks.py), and any response that contradicts the schema (schemathesis's
# response_schema_conformance).
#
#   tests/fuzz/run.sh [path/to/smartsave]     # default target/debug/smartsave
#
# Env: FUZZ_SEED (default 20261202), FUZZ_EXAMPLES per operation (default 30).
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$FUZZ_DIR/../.." && pwd)"
ARTIFACTS="$FUZZ_DIR/artifacts"
VENV="$REPO_ROOT/target/fuzz-venv"
SEED="${FUZZ_SEED:-20261202}"
EXAMPLES="${FUZZ_EXAMPLES:-30}"
die() { printf 'fuzz: %s\n' "$*" >&2; exit 1; }

BIN="${1:-target/debug/smartsave}"
[[ "$BIN" == /* ]] || BIN="$REPO_ROOT/$BIN"
[[ -x "$BIN" ]] || die "server binary $BIN does not exist (build it with cargo build)"
command -v python3 >/dev/null || die "python3 is not installed"

if [[ ! -x "$VENV/bin/schemathesis" ]] || ! cmp -s "$FUZZ_DIR/requirements.txt" "$VENV/requirements.txt"; then
  echo "== installing schemathesis into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$FUZZ_DIR/requirements.txt"
  cp "$FUZZ_DIR/requirements.txt" "$VENV/requirements.txt"
fi
"$VENV/bin/schemathesis" --version

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/smartsave-fuzz.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT/graphql"
echo "== starting $BIN on $URL (log: $ARTIFACTS/server.log)"
env -u REDIS_URL -u CORS_ALLOWED_ORIGINS -u GRAPHQL_TRUSTED_DOCUMENTS \
  APP_ENV=development \
  DATABASE_URL="sqlite://$WORK/fuzz.db?mode=rwc" \
  JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')" \
  BIND_ADDR="127.0.0.1:$PORT" \
  ACCESS_TOKEN_TTL=1h \
  RATE_LIMIT_AUTH_PER_IP=100000 \
  RATE_LIMIT_AUTH_PER_ACCOUNT=100000 \
  RATE_LIMIT_PER_USER=1000000 \
  "$BIN" serve >"$ARTIFACTS/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$ARTIFACTS/server.log" >&2; die "the server exited"; }
  sleep 0.2
done

# Signed in, with some data to reach past NOT_FOUND: a budget with a category, a transaction
# and a goal.
gql() {
  curl -sf "$URL" -H 'content-type: application/json' ${TOKEN:+-H "authorization: Bearer $TOKEN"} -d "$1"
}
TOKEN=""
TOKEN="$(gql '{"query":"mutation { register(input: { email: \"fuzz@example.com\", password: \"Fuzz1password\", firstName: \"Fuzz\", lastName: \"Er\" }) { accessToken } }"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["register"]["accessToken"])')"
gql '{"query":"mutation { createBudget(input: { name: \"Fuzz\", amount: \"500.00\", period: MONTHLY, startDate: \"2026-12-01\", endDate: \"2026-12-31\", categories: [{ name: \"Food\", amount: \"200.00\" }] }) { id } }"}' >/dev/null
gql '{"query":"mutation { createTransaction(input: { amount: \"12.50\", description: \"Coffee\", transactionDate: \"2026-12-02\", type: EXPENSE }) { id } }"}' >/dev/null
gql '{"query":"mutation { createSavingsGoal(input: { name: \"Bike\", targetAmount: \"800.00\", initialAmount: \"100.00\" }) { id } }"}' >/dev/null

echo "== schemathesis: seed $SEED, $EXAMPLES examples per operation"
cd "$FUZZ_DIR"
# not_a_server_error reads any GraphQL error as a server failure and positive_data_acceptance
# any refused input as one; SmartSave answers bad input with coded client errors, which
# coded_errors checks instead.
SCHEMATHESIS_HOOKS=smartsave_hooks PYTHONPATH="$FUZZ_DIR" "$VENV/bin/schemathesis" run "$URL" \
  --header "Authorization: Bearer $TOKEN" \
  --seed "$SEED" \
  --max-examples "$EXAMPLES" \
  --generation-database none \
  --workers 1 \
  --exclude-checks not_a_server_error,positive_data_acceptance \
  --report junit --report-dir "$ARTIFACTS" \
  --no-color
echo "fuzz: passed"
