#include "runtime/forward/resolve.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>

namespace longhaul::runtime::forward {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A DNS server that does not answer: the lookup returns only once the test lets it.
class HangingLookup {
 public:
  LookupFn fn() {
    return [gate = gate_](const std::string&, const std::string&, boost::system::error_code& ec) {
      gate.wait();
      ec = boost::asio::error::host_not_found;
      return Addresses();
    };
  }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> release_;
  std::shared_future<void> gate_ = release_.get_future().share();
};

TEST(Resolve, AnAddressNeedsNoLookup) {
  CancelToken cancel;
  auto r = Resolve(
      "127.0.0.1", "8080", steady_clock::now() + milliseconds(500), cancel, milliseconds(10),
      [](const std::string&, const std::string&, boost::system::error_code&) -> Addresses {
        ADD_FAILURE() << "looked up an address";
        return {};
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->begin()->endpoint().port(), 8080);
}

TEST(Resolve, ALookupPastTheDeadlineIsLeftBehind) {
  HangingLookup dns;
  CancelToken cancel;
  auto r = Resolve("slow.example", "80", steady_clock::now() + milliseconds(50), cancel,
                   milliseconds(10), dns.fn());
  EXPECT_EQ(r.status().code(), base::Code::kDeadlineExceeded) << r.status().ToString();
  dns.Release();
}

TEST(Resolve, ACancelEndsAHangingLookup) {
  HangingLookup dns;
  CancelToken cancel;
  cancel.Cancel();
  auto r = Resolve("slow.example", "80", steady_clock::now() + std::chrono::hours(1), cancel,
                   milliseconds(10), dns.fn());
  EXPECT_EQ(r.status().code(), base::Code::kCancelled) << r.status().ToString();
  dns.Release();
}

TEST(Resolve, ANameThatDoesNotResolveIsUnavailable) {
  CancelToken cancel;
  auto r = Resolve("nowhere.invalid", "80", steady_clock::now() + std::chrono::seconds(30), cancel,
                   milliseconds(10),
                   [](const std::string&, const std::string&, boost::system::error_code& ec) {
                     ec = boost::asio::error::host_not_found;
                     return Addresses();
                   });
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot resolve nowhere.invalid"), std::string::npos);
}

}  // namespace
}  // namespace longhaul::runtime::forward
