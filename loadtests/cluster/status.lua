-- Counts answers by status (wrk's own summary only counts non-2xx/3xx as errors) and prints them at the end.
local counts = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  pace = tonumber(os.getenv("PACE_MS") or "") or 0
  local key = os.getenv("API_KEY")
  if key ~= nil and key ~= "" then
    wrk.headers["x-api-key"] = key
  end
end

-- PACE_MS > 0: each connection waits that long between its requests (wrk leaves the wait out of its latencies),
-- so the offered rate is about connections / (latency + pace) per instance and the CPUs are not saturated.
function delay()
  return pace
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for status, n in pairs(s) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
  io.write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50), latency:percentile(99)))
end
