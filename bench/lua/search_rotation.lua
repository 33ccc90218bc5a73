-- Scenario 5: rotate over a list of search paths (one per line in the file
-- given as the first Lua argument), each thread starting at its own offset.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local paths = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  assert(#paths > 0, "no search paths in " .. tostring(args[1]))
  -- Threads start apart so they do not send the same query at the same moment.
  local id = bench_thread_id or 1
  next_index = ((id - 1) * 7) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format(nil, path)
end
