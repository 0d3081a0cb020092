// Exchange(): one HTTP/1.1 request and its response on a new connection, bounded by a deadline,
// a cancel token and size limits. Runs a private io_context on the calling thread, so Beast and
// Asio stay inside exchange.cc.
// Thread-safety: any number of calls may run at once, each on its own thread; each blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "runtime/forward/upstream_url.h"
#include "runtime/runtime.h"
#include "store/job.h"

namespace longhaul::runtime::forward {

struct OutgoingRequest {
  std::string method;      // any token; "HEAD" expects no response body
  std::string target;      // origin-form: "/path?query"
  store::Headers headers;  // sent as they are, in order; the caller includes Host
  std::string body;        // sent with Content-Length (none for an empty GET/HEAD body)
};

struct ExchangeLimits {
  uint64_t body_limit = 64ull * 1024 * 1024;  // bytes of response body
  uint32_t header_limit = 64 * 1024;          // bytes of response status line and headers
};

// Connects to url.host:url.port (for https over TLS, the upstream's certificate verified
// against the system's trusted ones and the url's host), sends `request`, and returns the
// upstream's final response (interim 1xx responses are skipped) whatever its status, headers as
// received.
// `cancel` is checked every 50 ms.
// Errors: kUnavailable when the host cannot be resolved or reached, the TLS handshake fails
// (the reason: "certificate verify failed: hostname mismatch"), or the connection fails or
// closes before a whole response; kDeadlineExceeded ("timed out") at `deadline`; kCancelled;
// kFailedPrecondition when the response is over `limits`; kUnknown when the upstream does not
// speak HTTP. Name resolution runs getaddrinfo, which the deadline cannot interrupt: a hung DNS
// lookup delays the return until it ends.
base::Result<store::Response> Exchange(const config::HttpUrl& url, const OutgoingRequest& request,
                                       std::chrono::steady_clock::time_point deadline,
                                       const CancelToken& cancel, const ExchangeLimits& limits);

}  // namespace longhaul::runtime::forward
