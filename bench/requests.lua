-- requests.lua - wrk script for bench/run: sends requests read from a file, counts
-- every answer outside 2xx, optionally stops after a number of answers.
--
-- BENCH_REQS   file, one request a line: METHOD<TAB>PATH<TAB>BODY or -<TAB>Header: v<TAB>...
-- BENCH_ORDER  random (default): a random line each time; seq: each thread walks its
--              own share of the lines in order, round and round
-- BENCH_LIMIT  a thread stops after this many answers (0 or unset: run for -d); when
--              every thread has stopped, the last one ends wrk (SIGINT: wrk otherwise
--              sleeps out -d). BENCH_DONE names a fresh file the threads count in.
--
-- done() prints one line: BENCH requests=N seconds=S rps=R p50_us=.. p99_us=.. non2xx=N errors=N

local threads = {}
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

local reqs, nreq, pos = {}, 0, 0
local limit, answers = 0, 0
non2xx = 0 -- a global: done() reads it from each thread with thread:get
local random_order = true
local nthreads = 1

local function split(line)
   local f = {}
   for s in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(f, s) end
   return f
end

function init(args)
   local file = assert(os.getenv("BENCH_REQS"), "BENCH_REQS is not set")
   nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
   random_order = (os.getenv("BENCH_ORDER") or "random") ~= "seq"
   limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
   local i = 0
   for line in io.lines(file) do
      if random_order or i % nthreads == tid then
         local f = split(line)
         local headers = {}
         for k = 4, #f do
            local name, value = f[k]:match("^([^:]+):%s*(.*)$")
            if name then headers[name] = value end
         end
         local body = nil
         if f[3] ~= "-" then
            body = f[3]
         elseif f[1] == "POST" or f[1] == "PUT" then
            body = "" -- a Content-Length, which lighttpd wants on a POST
         end
         nreq = nreq + 1
         reqs[nreq] = wrk.format(f[1], f[2], headers, body)
      end
      i = i + 1
   end
   assert(nreq > 0, "no requests in " .. file)
   math.randomseed(os.time() * 1000 + tid)
end

function request()
   if random_order then
      return reqs[math.random(nreq)]
   end
   pos = pos % nreq + 1
   return reqs[pos]
end

function response(status, headers, body)
   answers = answers + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if non2xx <= 3 then io.stderr:write("wrk: HTTP ", status, " ", body, "\n") end
   end
   if limit > 0 and answers == limit then finish() end
end

-- This thread is done: stop it, and end wrk when it is the last one.
function finish()
   wrk.thread:stop()
   local done_file = assert(os.getenv("BENCH_DONE"), "BENCH_DONE is not set")
   local f = assert(io.open(done_file, "a"))
   f:write(tid, "\n")
   f:close()
   local n = 0
   for _ in io.lines(done_file) do n = n + 1 end
   if n >= nthreads then
      local stat = assert(io.open("/proc/self/stat"))
      local pid = stat:read("*n")
      stat:close()
      -- later, from outside: by then the threads have returned, and the signal
      -- reaches the main thread, which sleeps out -d otherwise
      os.execute("(sleep 0.3; kill -INT " .. pid .. ") &")
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format("BENCH requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d non2xx=%d errors=%d\n",
                          summary.requests, secs, summary.requests / secs,
                          latency:percentile(50), latency:percentile(99), bad,
                          e.connect + e.read + e.write + e.timeout))
end
