-- wrk script: POSTs one GraphQL request and checks every response before it counts.
--   BENCH_BODY_FILE     request body (JSON)
--   BENCH_AUTH          optional Authorization header value
--   BENCH_EXPECT_FILE   the exact expected response body (with BENCH_EXPECT_PREFIX=1: its exact start), or
--   BENCH_CONTAINS_FILE lines that must all occur in the body (responses that vary: new slugs, tokens)
-- Prints one line "BENCHJSON {...}" with the counts and latency percentiles (microseconds).

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

wrk.method = "POST"
wrk.body = slurp(os.getenv("BENCH_BODY_FILE"))
wrk.headers["content-type"] = "application/json"
-- A body holding @@N@@ gets a fresh value there on every request (W5: a new title each time, as real
-- articles have, so that no request collides with an earlier one's slug).
local template = wrk.body
if template:find("@@N@@", 1, true) then
  local counter = 0
  local salt = tostring(math.random(1, 1000000000))
  request = function()
    counter = counter + 1
    return wrk.format(nil, nil, nil, (template:gsub("@@N@@", salt .. "-" .. counter)))
  end
end
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then wrk.headers["authorization"] = auth end

local expected = nil
local prefixOnly = os.getenv("BENCH_EXPECT_PREFIX") == "1"
local contains = {}
if os.getenv("BENCH_EXPECT_FILE") then expected = slurp(os.getenv("BENCH_EXPECT_FILE")) end
if os.getenv("BENCH_CONTAINS_FILE") then
  for line in slurp(os.getenv("BENCH_CONTAINS_FILE")):gmatch("[^\n]+") do contains[#contains + 1] = line end
end

local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function init(args)
  good = 0
  bad = 0
  firstBad = ""
end

function response(status, headers, body)
  local ok = status == 200
  if ok and expected then
    if prefixOnly then ok = body:sub(1, #expected) == expected else ok = body == expected end
  end
  if ok then
    for i = 1, #contains do
      if not body:find(contains[i], 1, true) then ok = false break end
    end
  end
  if ok then
    good = good + 1
  else
    bad = bad + 1
    if firstBad == "" then firstBad = tostring(status) .. " " .. string.sub(body or "", 1, 300) end
  end
end

local function quote(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ') .. '"'
end

function done(summary, latency, requests)
  local g, b, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    b = b + t:get("bad")
    local fb = t:get("firstBad")
    if sample == "" and fb and fb ~= "" then sample = fb end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"durationUs":%d,"good":%d,"bad":%d,"socketErrors":%d,"timeouts":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"sample":%s}\n',
    summary.requests, summary.duration, g, b, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, quote(sample)))
end
