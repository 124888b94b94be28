#!/usr/bin/env bash
# End-to-end client proofs against a real SmartSave server:
#   1. audit.mjs    - graphql-http's GraphQL-over-HTTP conformance audit (fails on any MUST)
#   2. graphiql.mjs - GraphiQL in headless Chromium: token in the Headers tab, query, result
#
# Usage (from anywhere): tests/e2e/run.sh [SERVER_BINARY]
#   SERVER_BINARY defaults to target/debug/smartsave (relative to the repo root); a relative
#   path is taken from the current directory first, then from the repo root.
# Env: CHROMIUM_PATH (default /usr/bin/chromium; installed with apt-get when missing and root).
# Artifacts: tests/e2e/artifacts/ (audit.json, graphiql.png, graphiql.json, server.log).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
ARTIFACTS="$E2E_DIR/artifacts"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '\n== %s\n' "$*"; }
die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

RUN_START=$(now)

# --- the server binary ---------------------------------------------------------------------
BIN="${1:-target/debug/smartsave}"
if [[ "$BIN" != /* ]]; then
  if [[ -e "$BIN" ]]; then
    BIN="$(pwd)/$BIN"
  else
    BIN="$REPO_ROOT/$BIN"
  fi
fi
[[ -x "$BIN" ]] || die "server binary $BIN does not exist or is not executable (build it with cargo build)"

# --- node packages -------------------------------------------------------------------------
command -v node >/dev/null || die "node is not installed (Node.js 20 or later is needed)"
command -v npm >/dev/null || die "npm is not installed"
say "npm ci in $E2E_DIR"
T=$(now)
(cd "$E2E_DIR" && npm ci --no-audit --no-fund)
NPM_SECONDS=$(elapsed "$T")

# --- chromium ------------------------------------------------------------------------------
CHROMIUM_SECONDS=0.0
if [[ ! -x "$CHROMIUM_PATH" ]]; then
  if [[ "$CHROMIUM_PATH" == /usr/bin/chromium && "$(id -u)" == 0 ]]; then
    say "installing Debian's chromium (apt-get)"
    T=$(now)
    apt-get -qq update
    DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends chromium >/dev/null
    CHROMIUM_SECONDS=$(elapsed "$T")
  else
    die "no Chromium at $CHROMIUM_PATH: install Debian's chromium (apt-get install chromium, as root) or set CHROMIUM_PATH"
  fi
fi
[[ -x "$CHROMIUM_PATH" ]] || die "no Chromium at $CHROMIUM_PATH after installing it"

# --- the server ----------------------------------------------------------------------------
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/smartsave-e2e.XXXXXX")"
SERVER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export SMARTSAVE_URL="http://127.0.0.1:$PORT"
say "starting $BIN on $SMARTSAVE_URL (log: $ARTIFACTS/server.log)"
# A fresh SQLite database and a random secret; development mode (GraphiQL and introspection
# on); rate limits lifted because the audit and the test sign in from one address in bursts.
env -u REDIS_URL -u CORS_ALLOWED_ORIGINS -u TRUST_PROXY_HEADERS \
  APP_ENV=development \
  DATABASE_URL="sqlite://$WORK/e2e.db?mode=rwc" \
  JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')" \
  BIND_ADDR="127.0.0.1:$PORT" \
  GRAPHIQL_ENABLED=true \
  GRAPHQL_INTROSPECTION=true \
  RATE_LIMIT_AUTH_PER_IP=100000 \
  RATE_LIMIT_AUTH_PER_ACCOUNT=100000 \
  RATE_LIMIT_PER_USER=100000 \
  NO_COLOR=1 \
  "$BIN" serve >"$ARTIFACTS/server.log" 2>&1 &
SERVER_PID=$!

T=$(now)
until node -e "fetch(process.argv[1]).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))" \
  "$SMARTSAVE_URL/health" 2>/dev/null; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -n 30 "$ARTIFACTS/server.log" >&2 || true
    die "the server exited before answering /health (log above, full log in $ARTIFACTS/server.log)"
  fi
  if awk -v a="$T" -v b="$(now)" 'BEGIN { exit !(b - a > 30) }'; then
    tail -n 30 "$ARTIFACTS/server.log" >&2 || true
    die "the server did not answer GET /health with 200 within 30 s"
  fi
  sleep 0.2
done
echo "server ready after $(elapsed "$T") s"

# --- the proofs ----------------------------------------------------------------------------
cd "$E2E_DIR"
say "audit: graphql-http serverAudits against $SMARTSAVE_URL/graphql"
T=$(now)
AUDIT_RC=0
node audit.mjs || AUDIT_RC=$?
AUDIT_SECONDS=$(elapsed "$T")

say "apollo: Apollo Client's persisted-query link against $SMARTSAVE_URL/graphql"
T=$(now)
APOLLO_RC=0
node apollo.mjs || APOLLO_RC=$?
APOLLO_SECONDS=$(elapsed "$T")

say "graphiql: GraphiQL in headless Chromium ($CHROMIUM_PATH)"
T=$(now)
GRAPHIQL_RC=0
node graphiql.mjs || GRAPHIQL_RC=$?
GRAPHIQL_SECONDS=$(elapsed "$T")

status() { if [[ "$1" == 0 ]]; then echo passed; else echo "FAILED (exit $1)"; fi; }
say "summary"
echo "audit:    $(status "$AUDIT_RC") in ${AUDIT_SECONDS} s"
echo "apollo:   $(status "$APOLLO_RC") in ${APOLLO_SECONDS} s"
echo "graphiql: $(status "$GRAPHIQL_RC") in ${GRAPHIQL_SECONDS} s"
echo "npm ci ${NPM_SECONDS} s, chromium install ${CHROMIUM_SECONDS} s, whole run $(elapsed "$RUN_START") s"
echo "artifacts in $ARTIFACTS:"
for f in "$ARTIFACTS"/*; do echo "  ${f##*/}"; done

if [[ "$AUDIT_RC" != 0 || "$APOLLO_RC" != 0 || "$GRAPHIQL_RC" != 0 ]]; then
  exit 1
fi
echo "e2e: 3 passed, 0 failed"
