-- wrk script: POST `{ project { id } }` to the Admin API with the token in KEYWARD_TOKEN.
wrk.method = "POST"
wrk.body = '{"query":"{ project { id } }"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYWARD_TOKEN")

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("requests: %d, non-2xx/3xx: %d, p50: %.0f us, p99: %.0f us\n",
    summary.requests, summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
