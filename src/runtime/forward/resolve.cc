#include "runtime/forward/resolve.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "base/mutex.h"

namespace longhaul::runtime::forward {
namespace {

using tcp = boost::asio::ip::tcp;
Addresses ResolveHere(const std::string& host, const std::string& port,
                      boost::system::error_code& ec) {
  boost::asio::io_context ioc(1);
  tcp::resolver resolver(ioc);
  return resolver.resolve(host, port, ec);
}

base::Status LookupFailed(const std::string& host, const boost::system::error_code& ec) {
  return base::Unavailable("cannot resolve " + host + ": " + ec.message());
}

// What the lookup thread hands over; shared with it, since it may outlive the caller.
struct Lookup {
  base::Mutex mu;
  base::CondVar done_cv;
  bool done LH_GUARDED_BY(mu) = false;
  boost::system::error_code ec LH_GUARDED_BY(mu);
  Addresses results LH_GUARDED_BY(mu);
};

}  // namespace

base::Result<Addresses> Resolve(const std::string& host, const std::string& port,
                                std::chrono::steady_clock::time_point deadline,
                                const CancelToken& cancel, std::chrono::milliseconds tick,
                                LookupFn lookup_fn) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) {  // an address: no lookup, nothing that could hang
    Addresses results = ResolveHere(host, port, ec);
    if (ec) return LookupFailed(host, ec);
    return results;
  }
  if (!lookup_fn) lookup_fn = &ResolveHere;
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, host, port, lookup_fn = std::move(lookup_fn)] {
      boost::system::error_code thread_ec;
      Addresses results = lookup_fn(host, port, thread_ec);
      base::MutexLock lock(lookup->mu);
      lookup->ec = thread_ec;
      lookup->results = std::move(results);
      lookup->done = true;
      lookup->done_cv.SignalAll();
    }).detach();
  } catch (const std::system_error& e) {
    return base::ResourceExhausted("cannot start a thread to resolve " + host + ": " + e.what());
  }
  base::MutexLock lock(lookup->mu);
  while (!lookup->done) {
    if (cancel.cancelled()) return base::Cancelled("cancelled");
    if (std::chrono::steady_clock::now() >= deadline) return base::DeadlineExceeded("timed out");
    lookup->done_cv.WaitFor(lookup->mu, tick);
  }
  if (lookup->ec) return LookupFailed(host, lookup->ec);
  return lookup->results;
}

}  // namespace longhaul::runtime::forward
