-- wrk script: a mix of list, detail, search and API requests as one signed-in user.
-- args: session cookie, comma-separated program ids.
local cookie, ids
local paths = {}
local counter = 0
local errors = 0

function init(args)
  cookie = args[1]
  ids = {}
  for id in string.gmatch(args[2], "([^,]+)") do table.insert(ids, id) end
end

function request()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  local choice = counter % 5
  local path
  if choice == 0 then path = "/programs/"
  elseif choice == 1 then path = "/programs/" .. id .. "/"
  elseif choice == 2 then path = "/search/?q=radar"
  elseif choice == 3 then path = "/api/v1/programs/"
  else path = "/programs/?health=red" end
  return wrk.format("GET", path, {["Cookie"] = cookie})
end

function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.1f, "requests_per_second": %.1f, ' ..
    '"p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "errors": %d, "concurrency": 20, "workers": 4}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errs))
end
