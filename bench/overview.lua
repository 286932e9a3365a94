-- wrk script of bench/overview.py.
-- Arguments: session cookie name, a file of session keys (one a line) and a text every response
-- body must hold. Each request carries a random key of the file; a response below 400 that is
-- not a 200 holding the text counts as wrong (wrk itself counts those from 400 up). With "" for
-- the file and the text, requests and responses take wrk's fast path, untouched by Lua. done()
-- prints the figures as one JSON line, latencies in microseconds.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   cookie_name, marker = args[1], args[3]
   keys = {}
   if args[2] ~= "" then
      for key in io.lines(args[2]) do
         keys[#keys + 1] = key
      end
   else
      request = nil
   end
   if marker == "" then
      response = nil
   end
   math.randomseed(os.time() * 1000 + id)
   wrong, last_status = 0, 0
end

function request()
   return wrk.format(nil, nil, { Cookie = cookie_name .. "=" .. keys[math.random(#keys)] })
end

function response(status, headers, body)
   if status ~= 200 then
      last_status = status
   end
   if status < 400 and (status ~= 200 or not string.find(body, marker, 1, true)) then
      wrong = wrong + 1
   end
end

function done(summary, latency, requests)
   local wrong_total, last = 0, 0
   for _, thread in ipairs(threads) do
      wrong_total = wrong_total + thread:get("wrong")
      last = math.max(last, thread:get("last_status"))
   end
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "wrong": %d, "status_errors": %d, "last_status": %d, '
         .. '"socket_errors": %d, "timeouts": %d, '
         .. '"p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}\n',
      summary.requests, summary.duration, wrong_total, e.status, last,
      e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency.max
   ))
end
