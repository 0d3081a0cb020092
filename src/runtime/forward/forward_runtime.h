// ForwardRuntime: runs `runtime: http` functions by forwarding the stored request to an
// upstream over HTTP/1.1 (http:// only), one new connection per attempt.
//
// The forwarded request: the stored method; target = function.http.url's path + the request
// path, queries joined (or the url's own path and query with `exact_path`); the request headers
// without hop-by-hop ones, Host, Content-Length and Expect (forward/header_filter.h); then
// function.http.headers (replacing request headers of the same name); then X-Longhaul-Job-Id,
// X-Longhaul-Attempt, Host (from the url) and Connection: close; the stored body. A job of the
// Invoke API or a destination (runtime::IsInvokeJob) is its payload alone: POST to the url as
// written, Content-Type: application/json, the function's headers, the payload.
//
// Thread-safety: Run() may be called concurrently from any number of threads; it blocks the
// calling thread (a scheduler worker, never an I/O thread) on a private io_context.
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "runtime/runtime.h"

namespace longhaul::runtime::forward {

struct ForwardOptions {
  uint64_t body_limit = 64ull * 1024 * 1024;  // bytes of upstream response body; default 64 MiB
  uint32_t header_limit = 64 * 1024;          // bytes of upstream response headers; default 64 KiB
};

class ForwardRuntime final : public Runtime {
 public:
  // `clock` (not owned) must outlive the runtime; deadlines are read on it.
  explicit ForwardRuntime(const base::Clock& clock, ForwardOptions options = {});

  // Forwards one attempt. Outcome.response is the upstream's response (status, headers without
  // hop-by-hop ones and Content-Length, body) whenever one arrived. Outcome.status:
  //   OK                  the upstream answered 2xx.
  //   kInvalidArgument    it answered 1xx (other than interim), 3xx (redirects are not followed)
  //                       or 4xx: "upstream answered 404"; not retried. Also a bad url.
  //   kResourceExhausted  it answered 429: retried later.
  //   kUnavailable        it answered 408, or could not be resolved or reached ("cannot connect
  //                       to host:port: Connection refused"), or the connection broke.
  //   kUnknown            it answered 5xx ("upstream answered 502"), or not in HTTP.
  //   kDeadlineExceeded   "timed out after <function.timeout>": inv.deadline passed.
  //   kCancelled          `cancel` fired (checked every 50 ms); the connection was closed.
  //   kFailedPrecondition the response was larger than the limits in ForwardOptions.
  Outcome Run(const Invocation& inv, const CancelToken& cancel) override;

 private:
  const base::Clock& clock_;
  const ForwardOptions options_;
};

}  // namespace longhaul::runtime::forward
