-- wrk script for bench/run.sh: POSTs the body in $BENCH_BODY (a ~1 KiB Telegram update) and,
-- when done, prints one machine-readable line (latencies in microseconds):
--   BENCH requests=N duration_us=N non2xx=N errors=N p50_us=N p75_us=N p90_us=N p99_us=N
--   p999_us=N max_us=N
-- `non2xx` is wrk's status error count (answers >= 400); `errors` connect+read+write+timeout.
local path = os.getenv("BENCH_BODY")
local f = assert(io.open(path, "rb"), "BENCH_BODY must name the request body file")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d non2xx=%d errors=%d p50_us=%d p75_us=%d p90_us=%d " ..
    "p99_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
