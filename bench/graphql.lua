-- wrk script: POST `{ project { id } }` to the Admin API with the token in
-- KEYWARD_TOKEN (none when it is empty: the --insecure-no-auth comparison).
wrk.method = "POST"
wrk.body = '{"query":"{ project { id } }"}'
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("KEYWARD_TOKEN") or ""
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.0f %.0f %.1f\n", summary.requests, summary.errors.status,
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
