-- wrk script: createUser with a unique email per request; with a password
-- when KEYWARD_WITH_PASSWORD=1 (argon2id hashing on the server).
local with_password = os.getenv("KEYWARD_WITH_PASSWORD") == "1"
local n, prefix = 0, tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))

request = function()
  n = n + 1
  local password = with_password and ', password: \\"bench-password-123\\"' or ""
  local body = '{"query":"mutation { createUser(input: {definition: {loginID: {key: \\"email\\", value: \\"w'
    .. prefix .. '-' .. n .. '@bench.example\\"}}' .. password .. '}) { user { id } } }"}'
  return wrk.format("POST", nil,
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("KEYWARD_TOKEN") }, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.0f %.0f %.1f\n", summary.requests, summary.errors.status,
    latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
