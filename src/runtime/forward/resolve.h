// Resolve: a host name's addresses for an upstream, within the attempt's deadline and cancel.
// getaddrinfo cannot be interrupted, and a DNS server that does not answer holds it for its own
// timeouts (5 s a try, per server, per retry): it runs on a thread of its own, which an attempt
// past its deadline or cancelled leaves behind to end alone. An IP address needs no lookup.
// Thread-safety: may be called from any thread; blocks the caller.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "base/status.h"
#include "runtime/runtime.h"

namespace longhaul::runtime::forward {

using Addresses = boost::asio::ip::tcp::resolver::results_type;
// The lookup itself (getaddrinfo through Asio's resolver by default; tests give a slow one).
using LookupFn = std::function<Addresses(const std::string& host, const std::string& port,
                                         boost::system::error_code& ec)>;

// kDeadlineExceeded ("timed out") at `deadline`, kCancelled once `cancel` fires (both looked at
// every `tick`), kUnavailable when the name does not resolve.
base::Result<Addresses> Resolve(const std::string& host, const std::string& port,
                                std::chrono::steady_clock::time_point deadline,
                                const CancelToken& cancel,
                                std::chrono::milliseconds tick = std::chrono::milliseconds(50),
                                LookupFn lookup = nullptr);

}  // namespace longhaul::runtime::forward
