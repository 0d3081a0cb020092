#include "sched/retry_policy.h"

#include <gtest/gtest.h>

namespace longhaul::sched {
namespace {

using Kind = store::Completion::Kind;

config::Function Fn() {
  config::Function f;
  f.retry_base = std::chrono::seconds(1);
  f.retry_max = std::chrono::seconds(10);
  return f;
}

TEST(RetryPolicy, SuccessAndNonRetryable) {
  auto now = base::FromUnixMs(1000);
  EXPECT_EQ(Decide(base::Status::Ok(), 1, 3, Fn(), now, 0).kind, Kind::kSucceeded);
  EXPECT_EQ(Decide(base::InvalidArgument("x"), 1, 3, Fn(), now, 0).kind, Kind::kFailed);
}

TEST(RetryPolicy, RetriesThenDead) {
  auto now = base::FromUnixMs(1000);
  auto d1 = Decide(base::Status(base::Code::kUnknown, "exit 1"), 1, 3, Fn(), now, 0.999);
  EXPECT_EQ(d1.kind, Kind::kRetry);
  EXPECT_GT(d1.next_run_at, now);
  EXPECT_EQ(Decide(base::DeadlineExceeded("t"), 2, 3, Fn(), now, 0).kind, Kind::kRetry);
  EXPECT_EQ(Decide(base::DeadlineExceeded("t"), 3, 3, Fn(), now, 0).kind, Kind::kDead);
}

TEST(RetryPolicy, BackoffDoublesWithJitterAndCap) {
  auto f = Fn();
  EXPECT_EQ(Backoff(1, f, 0.999999).count(), 999);  // ~1 s
  EXPECT_EQ(Backoff(1, f, 0).count(), 500);         // half of it at the lowest jitter
  EXPECT_EQ(Backoff(3, f, 0).count(), 2000);        // 4 s * 0.5
  EXPECT_EQ(Backoff(20, f, 0).count(), 5000);       // capped at 10 s, * 0.5
}

}  // namespace
}  // namespace longhaul::sched
