#!/usr/bin/env bash
# End-to-end client proofs against a real SmartSave server:
#   1. audit.mjs    - graphql-http's GraphQL-over-HTTP conformance audit (fails on any MUST)
#   2. apollo.mjs   - Apollo Client's persisted-query link (hash over GET, then the document)
#   3. graphiql.mjs - GraphiQL in headless Chromium: token in the Headers tab, query, result
#   4. spa.mjs      - the example SPA (examples/web), built and served by `vite preview` on
#                     http://localhost:4173 (proxying /graphql and /graphql/ws to the server),
#                     in headless Chromium: sign-up, budget, transactions, live updates, import,
#                     reload, two tabs, sign-out (cookie sessions)
#
# Usage (from anywhere): tests/e2e/run.sh [SERVER_BINARY]
#   SERVER_BINARY defaults to target/debug/smartsave (relative to the repo root); a relative
#   path is taken from the current directory first, then from the repo root.
# Env: CHROMIUM_PATH (default /usr/bin/chromium; installed with apt-get when missing and root).
# Artifacts: tests/e2e/artifacts/ (audit.json, graphiql.png, graphiql.json, server.log,
#   spa-*.png, spa.json, spa-preview.log).
# Needs port 4173 free on localhost (the SPA's origin, listed in the server's
# CORS_ALLOWED_ORIGINS).
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
PREVIEW_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$PREVIEW_PID" ]] && kill -0 "$PREVIEW_PID" 2>/dev/null; then
    kill -TERM "$PREVIEW_PID" 2>/dev/null || true
    wait "$PREVIEW_PID" 2>/dev/null || true
  fi
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
# The example SPA's origin under `vite preview` (spa.mjs). localhost, not 127.0.0.1: Chromium
# keeps the Secure refresh cookie on plain http only for localhost.
SPA_PORT=4173
SPA_URL="http://localhost:$SPA_PORT"
say "starting $BIN on $SMARTSAVE_URL (log: $ARTIFACTS/server.log)"
# A fresh SQLite database and a random secret; development mode (GraphiQL and introspection
# on); rate limits lifted because the audit and the tests sign in from one address in bursts;
# the SPA's origin allowed (the server reads the refresh cookie only for allowed origins).
env -u REDIS_URL -u TRUST_PROXY_HEADERS \
  APP_ENV=development \
  CORS_ALLOWED_ORIGINS="$SPA_URL" \
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

say "spa: build examples/web (npm ci, npm run build: codegen, tsc, vite build)"
SPA_DIR="$REPO_ROOT/examples/web"
T=$(now)
SPA_RC=0
SPA_BUILD_RC=0
(cd "$SPA_DIR" && npm ci --no-audit --no-fund && npm run build) || SPA_BUILD_RC=$?
SPA_BUILD_SECONDS=$(elapsed "$T")
SPA_SECONDS=0.0
if [[ "$SPA_BUILD_RC" != 0 ]]; then
  echo "spa: the build failed (exit $SPA_BUILD_RC); not running spa.mjs" >&2
  SPA_RC=$SPA_BUILD_RC
elif node -e "
  const s = require('net').connect(Number(process.argv[1]), 'localhost');
  s.on('connect', () => process.exit(0));
  s.on('error', () => process.exit(1));
" "$SPA_PORT"; then
  # Something else answers there: the test would run against it, not against this server.
  echo "spa: port $SPA_PORT on localhost is already in use (another vite preview?); stop it and run again" >&2
  SPA_RC=1
else
  say "spa: vite preview on $SPA_URL (proxy to $SMARTSAVE_URL; log: $ARTIFACTS/spa-preview.log)"
  # What `npx vite preview --port 4173 --strictPort` runs, started directly so that
  # PREVIEW_PID is vite itself and the cleanup stops it.
  (cd "$SPA_DIR" && SMARTSAVE_API="$SMARTSAVE_URL" exec ./node_modules/.bin/vite preview \
    --port "$SPA_PORT" --strictPort) >"$ARTIFACTS/spa-preview.log" 2>&1 &
  PREVIEW_PID=$!
  T=$(now)
  # Ready when the page loads and a query goes through the proxy to the server (and the
  # answer comes from this preview: it is still running).
  until kill -0 "$PREVIEW_PID" 2>/dev/null && node -e "
    const base = process.argv[1];
    Promise.all([
      fetch(base + '/').then((r) => r.status === 200),
      fetch(base + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }) }).then((r) => r.status === 200),
    ]).then((ok) => process.exit(ok.every(Boolean) ? 0 : 1), () => process.exit(1));
  " "$SPA_URL" 2>/dev/null && kill -0 "$PREVIEW_PID" 2>/dev/null; do
    if ! kill -0 "$PREVIEW_PID" 2>/dev/null; then
      tail -n 20 "$ARTIFACTS/spa-preview.log" >&2 || true
      echo "spa: vite preview exited before serving $SPA_URL (is port $SPA_PORT taken?)" >&2
      SPA_RC=1
      break
    fi
    if awk -v a="$T" -v b="$(now)" 'BEGIN { exit !(b - a > 60) }'; then
      tail -n 20 "$ARTIFACTS/spa-preview.log" >&2 || true
      echo "spa: vite preview did not serve $SPA_URL and proxy /graphql within 60 s" >&2
      SPA_RC=1
      break
    fi
    sleep 0.2
  done
  if [[ "$SPA_RC" == 0 ]]; then
    echo "vite preview ready after $(elapsed "$T") s"
    say "spa: the example SPA in headless Chromium ($CHROMIUM_PATH) at $SPA_URL"
    T=$(now)
    SPA_URL="$SPA_URL" node spa.mjs || SPA_RC=$?
    SPA_SECONDS=$(elapsed "$T")
  fi
  kill -TERM "$PREVIEW_PID" 2>/dev/null || true
  wait "$PREVIEW_PID" 2>/dev/null || true
  PREVIEW_PID=""
fi

status() { if [[ "$1" == 0 ]]; then echo passed; else echo "FAILED (exit $1)"; fi; }
say "summary"
echo "audit:    $(status "$AUDIT_RC") in ${AUDIT_SECONDS} s"
echo "apollo:   $(status "$APOLLO_RC") in ${APOLLO_SECONDS} s"
echo "graphiql: $(status "$GRAPHIQL_RC") in ${GRAPHIQL_SECONDS} s"
echo "spa:      $(status "$SPA_RC") in ${SPA_SECONDS} s (build ${SPA_BUILD_SECONDS} s)"
echo "npm ci ${NPM_SECONDS} s, chromium install ${CHROMIUM_SECONDS} s, whole run $(elapsed "$RUN_START") s"
echo "artifacts in $ARTIFACTS:"
for f in "$ARTIFACTS"/*; do echo "  ${f##*/}"; done

FAILED=0
for rc in "$AUDIT_RC" "$APOLLO_RC" "$GRAPHIQL_RC" "$SPA_RC"; do
  [[ "$rc" == 0 ]] || FAILED=$((FAILED + 1))
done
echo "e2e: $((4 - FAILED)) passed, $FAILED failed"
[[ "$FAILED" == 0 ]] || exit 1
