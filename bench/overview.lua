-- wrk script of bench/overview.py.
-- Arguments: a file of Cookie headers (one a line: a citizen's browser), a text every response
-- body must hold, and "once" or "random". With "random" each request carries a random line of the
-- file; with "once" the threads share the lines out and take each in turn, once: a line taken a
-- second time (the file ran out before the run did) counts as reused, and the run means nothing.
-- A response below 400 that is not a 200 holding the text counts as wrong (wrk itself counts those
-- from 400 up). With "" for the file and the text, requests and responses take wrk's fast path,
-- untouched by Lua. done() prints the figures as one JSON line, latencies in microseconds.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   marker = args[2]
   cookies = {}
   if args[1] ~= "" then
      for line in io.lines(args[1]) do
         cookies[#cookies + 1] = line
      end
   else
      request = nil
   end
   if marker == "" then
      response = nil
   end
   once, thread_count = args[3] == "once", tonumber(args[4])
   math.randomseed(os.time() * 1000 + id)
   wrong, last_status, reused, next_line = 0, 0, 0, id
end

function request()
   local line = math.random(#cookies)
   if once then
      if next_line > #cookies then
         reused, next_line = reused + 1, id
      end
      line, next_line = next_line, next_line + thread_count
   end
   return wrk.format(nil, nil, { Cookie = cookies[line] })
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
   local wrong_total, last, reused_total = 0, 0, 0
   for _, thread in ipairs(threads) do
      wrong_total = wrong_total + thread:get("wrong")
      reused_total = reused_total + thread:get("reused")
      last = math.max(last, thread:get("last_status"))
   end
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "wrong": %d, "reused": %d, "status_errors": %d, '
         .. '"last_status": %d, "socket_errors": %d, "timeouts": %d, '
         .. '"p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}\n',
      summary.requests, summary.duration, wrong_total, reused_total, e.status, last,
      e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(95), latency:percentile(99), latency.max
   ))
end
