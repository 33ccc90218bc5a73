-- Shared by every bench wrk run: counts statuses per thread and prints one
-- machine-readable line from done():
--   BENCH_JSON {"requests":..,"duration_s":..,"p50_ms":..,"statuses":{"200":..},..}
-- A scenario script starts with
--   dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
-- then defines its own request() (and init(args) for lua_args). A script that
-- defines its own response() calls bench_count(status) in it to keep the counts.

-- Method and body for plain runs come from the harness through the environment.
wrk.method = os.getenv("BENCH_METHOD") or wrk.method
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

bench_threads = {}
statuses = {}

-- Each thread also gets `bench_thread_id` (1, 2, ...) so rotations can start apart.
function setup(thread)
  table.insert(bench_threads, thread)
  thread:set("bench_thread_id", #bench_threads)
end

function bench_count(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function response(status, headers, body)
  bench_count(status)
end

-- Minimal JSON: numbers, strings, booleans and nested tables with string keys.
function bench_json(value)
  local kind = type(value)
  if kind == "table" then
    local parts = {}
    if #value > 0 then
      for _, v in ipairs(value) do table.insert(parts, bench_json(v)) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for k, v in pairs(value) do
      table.insert(parts, bench_json(tostring(k)) .. ":" .. bench_json(v))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif kind == "boolean" then
    return tostring(value)
  end
  return "null"
end

-- Sum the per-thread status tables (each thread has its own Lua state).
function bench_statuses()
  local total = {}
  for _, thread in ipairs(bench_threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      total[tostring(status)] = (total[tostring(status)] or 0) + n
    end
  end
  return total
end

function bench_report(summary, latency, extra)
  local e = summary.errors
  local out = {
    requests = summary.requests,
    duration_s = summary.duration / 1e6,
    p50_ms = latency:percentile(50) / 1000,
    p90_ms = latency:percentile(90) / 1000,
    p95_ms = latency:percentile(95) / 1000,
    p99_ms = latency:percentile(99) / 1000,
    max_ms = latency.max / 1000,
    mean_ms = latency.mean / 1000,
    non_2xx_3xx = e.status,
    socket_errors = e.connect + e.read + e.write + e.timeout,
    socket_error_kinds = {connect = e.connect, read = e.read, write = e.write, timeout = e.timeout},
    statuses = bench_statuses(),
  }
  for k, v in pairs(extra or {}) do out[k] = v end
  io.write("BENCH_JSON " .. bench_json(out) .. "\n")
end

function done(summary, latency, requests)
  bench_report(summary, latency, nil)
end
