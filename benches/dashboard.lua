-- wrk script: POST SmartSave's dashboard query (the perf anchor's nested query, in our schema)
-- with a bearer token. BODY_JSON names the file holding the JSON body; TOKEN is the token.
-- Prints the same CHECK and FIGURES lines as ../shared/perf-anchor/nested.lua.
local f = assert(io.open(os.getenv("BODY_JSON"), "rb"), "BODY_JSON must name the request body")
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("TOKEN"), "TOKEN must be set")

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

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local b, g, o = 0, 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad_status") or 0)
    g = g + (t:get("gql_errors") or 0)
    o = o + (t:get("ok") or 0)
  end
  io.write(string.format("CHECK ok=%d non200=%d graphql_errors=%d socket_errors=%d\n",
    o, b, g, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("FIGURES rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests))
end
