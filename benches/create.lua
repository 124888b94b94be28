-- wrk script: createTransaction (an expense in the default account) as a random one of the
-- signed-in users whose access tokens are the lines of TOKENS_FILE (benches/cpu_split.sh).
local tokens = {}
local tokens_file = assert(os.getenv("TOKENS_FILE"), "TOKENS_FILE must name the tokens")
for line in io.lines(tokens_file) do
  if #line > 0 then table.insert(tokens, line) end
end
assert(#tokens > 0, "no tokens in TOKENS_FILE")
local body = '{"query":"mutation($i: CreateTransactionInput!) { createTransaction(input: $i) { id } }",'
  .. '"variables":{"i":{"amount":"12.34","description":"Bench coffee","transactionDate":"'
  .. os.date("!%Y-%m-01") .. '","type":"EXPENSE"}}}'

local threads = {}
function setup(thread)
  thread:set("seed", math.random(1, 1e9))
  table.insert(threads, thread)
end
function init() math.randomseed(seed) end

request = function()
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }, body)
end

bad_status, gql_errors, ok = 0, 0, 0
function response(status, headers, resp_body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif resp_body:find('"errors"', 1, true) then
    gql_errors = gql_errors + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local b, g, o = 0, 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad_status") or 0)
    g = g + (t:get("gql_errors") or 0)
    o = o + (t:get("ok") or 0)
  end
  io.write(string.format("CHECK ok=%d non200=%d graphql_errors=%d\n", o, b, g))
  io.write(string.format("FIGURES rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests))
end
