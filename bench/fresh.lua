-- wrk script: `{ project { id } }` with a different token on every request,
-- read from the file in KEYWARD_TOKENS (one per line). bench/run.sh makes
-- more tokens than the run can use, and reports it if requests outran them.
local tokens = {}
for line in io.lines(os.getenv("KEYWARD_TOKENS")) do tokens[#tokens + 1] = line end
local i = 0

request = function()
  i = i % #tokens + 1
  return wrk.format("POST", nil,
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[i] },
    '{"query":"{ project { id } }"}')
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.0f %.0f %.1f\n", summary.requests, summary.errors.status,
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
