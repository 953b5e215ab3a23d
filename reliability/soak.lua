-- wrk script for reliability/soak.sh: `{ project { id } }` with the token in
-- KEYWARD_TOKEN; reports every kind of error, not only non-2xx statuses.
wrk.method = "POST"
wrk.body = '{"query":"{ project { id } }"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEYWARD_TOKEN") or "")

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SOAK %d %d %d %d %d %d %.0f %.0f\n", summary.requests, e.status, e.connect,
    e.read, e.write, e.timeout, summary.requests / (summary.duration / 1e6), latency:percentile(99)))
end
