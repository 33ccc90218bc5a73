-- Scenario 7: "completed" progress writes, each request a (student, lesson) pair
-- never written before in this run.
--
-- Pair k maps to student k % S and lesson k // S. Thread t of T takes
-- k = start + t, start + t + T, ... so threads never share a pair; a thread
-- whose pairs are used up stops. Every 2xx answer appends
-- "<enrollment id> <lesson id>" to the thread's file in the ack folder, so the
-- scenario can look each acknowledged write up in the database afterwards.
--
-- Arguments (after --): tokens file (one bearer token per line, student order),
-- lessons file (one lesson id per line), ack folder, first k, number of threads.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local base_setup = setup

function setup(thread)
  base_setup(thread)
  -- report.lua keeps the thread list; our index is its position there.
  thread:set("thread_index", #bench_threads - 1)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(lines, line) end
  end
  return lines
end

local tokens, lessons, ack_file
local step, total_pairs
next_k = 0
acked = 0
exhausted = 0

function init(args)
  tokens = read_lines(args[1])
  lessons = read_lines(args[2])
  local start = tonumber(args[4]) or 0
  step = tonumber(args[5]) or 1
  next_k = start + thread_index
  total_pairs = #tokens * #lessons
  ack_file = assert(io.open(string.format("%s/acked-%d-%d.txt", args[3], start, thread_index), "a"))
  ack_file:setvbuf("line")
end

function request()
  local k = next_k
  if k >= total_pairs then
    -- Every pair of this thread is written: stop rather than repeat one.
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  next_k = k + step
  local student = k % #tokens
  local lesson = math.floor(k / #tokens)
  return wrk.format(
    "PUT",
    "/api/v1/lessons/" .. lessons[lesson + 1] .. "/progress",
    { ["Authorization"] = "Bearer " .. tokens[student + 1], ["Content-Type"] = "application/json" },
    '{"completed":true}'
  )
end

function response(status, headers, body)
  bench_count(status)
  if status >= 200 and status < 300 and body then
    local enrollment = string.match(body, '"enrollment_id"%s*:%s*"([^"]+)"')
    local lesson = string.match(body, '"lesson_id"%s*:%s*"([^"]+)"')
    if enrollment and lesson then
      acked = acked + 1
      ack_file:write(enrollment, " ", lesson, "\n")
    end
  end
end

function done(summary, latency, requests)
  local furthest, total_acked, stopped = 0, 0, 0
  for _, thread in ipairs(bench_threads) do
    furthest = math.max(furthest, thread:get("next_k") or 0)
    total_acked = total_acked + (thread:get("acked") or 0)
    stopped = stopped + (thread:get("exhausted") or 0)
  end
  bench_report(summary, latency, { next_k = furthest, acked = total_acked, exhausted_threads = stopped })
end
