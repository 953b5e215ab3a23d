-- wrk script: POST the GraphQL document in KEYWARD_QUERY to the Admin API
-- with the token in KEYWARD_TOKEN; prints p50/p99 and non-2xx counts.
wrk.method = "POST"
wrk.body = '{"query":' .. os.getenv("KEYWARD_QUERY") .. '}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEYWARD_TOKEN")

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.0f %.0f %.1f\n",
    summary.requests, summary.errors.status, latency:percentile(50), latency:percentile(99),
    summary.requests / (summary.duration / 1e6)))
end
