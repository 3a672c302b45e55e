-- wrk load script for bench/bench_server.py: every connection POSTs pre-signed letter packages
-- (one per line of the bodies file: "<idempotency key>\t<package JSON on one line>").
-- Thread i of n takes lines i, i+n, i+2n, ...; a thread that runs out of letters stops
-- (the bench sizes the file so that this does not happen inside the timed window).
-- wrk -s wrk_letters.lua URL -- BODIES NTHREADS TOKEN PATH

local threads_made = 0

function setup(thread)
  thread:set("id", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  local path, n = args[1], tonumber(args[2])
  token, target = args[3], args[4]
  keys, bodies = {}, {}
  local i = 0
  for line in io.lines(path) do
    if i % n == id then
      local tab = line:find("\t", 1, true)
      keys[#keys + 1] = line:sub(1, tab - 1)
      bodies[#bodies + 1] = line:sub(tab + 1)
    end
    i = i + 1
  end
  next_index, answered, refused = 0, 0, 0
end

function request()
  next_index = next_index + 1
  if next_index > #bodies then
    wrk.thread:stop()
    next_index = #bodies
  end
  return wrk.format("POST", target, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = keys[next_index],
  }, bodies[next_index])
end

function response(status, headers, body)
  answered = answered + 1
  if status >= 300 then
    refused = refused + 1
    if refused <= 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
