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
  // A reload that lowered the function's retries applies to a job stored before it.
  config::Function fewer = Fn();
  fewer.retries = 0;
  EXPECT_EQ(Decide(base::DeadlineExceeded("t"), 1, 3, fewer, now, 0).kind, Kind::kDead);
}

TEST(RetryPolicy, WorkTheServerCouldNotStartWaitsAboutASecondWhateverItsAttempts) {
  auto now = base::FromUnixMs(1000);
  Decision soon = DecideNotStarted(false, now, 0.0);
  EXPECT_EQ(soon.kind, Kind::kRetry);
  EXPECT_EQ(soon.next_run_at, now + kNotStartedWait / 2);
  Decision later = DecideNotStarted(false, now, 0.999);
  EXPECT_GT(later.next_run_at, now + kNotStartedWait * 0.99);
  EXPECT_LE(later.next_run_at, now + kNotStartedWait);
  // A caller that waits (a RequestResponse invoke) hears of it at once instead.
  EXPECT_EQ(DecideNotStarted(true, now, 0.5).kind, Kind::kFailed);
}

TEST(RetryPolicy, BackoffDoublesWithJitterAndCap) {
  auto f = Fn();
  EXPECT_EQ(Backoff(1, f, 0.999999).count(), 999);  // ~1 s
  EXPECT_EQ(Backoff(1, f, 0).count(), 500);         // half of it at the lowest jitter
  EXPECT_EQ(Backoff(3, f, 0).count(), 2000);        // 4 s * 0.5
  EXPECT_EQ(Backoff(20, f, 0).count(), 5000);       // capped at 10 s, * 0.5
}

// A throttled upstream's Retry-After is waited out (up to retry_max) instead of spending the
// retries inside its window.
TEST(RetryPolicy, RetryAfterIsWaitedOutUpToRetryMax) {
  auto now = base::FromUnixMs(1000);
  const base::Status throttled(base::Code::kResourceExhausted, "upstream answered 429");
  auto d = Decide(throttled, 1, 3, Fn(), now, 0, std::chrono::seconds(7));
  EXPECT_EQ(d.next_run_at - now, std::chrono::seconds(7));
  d = Decide(throttled, 1, 3, Fn(), now, 0, std::chrono::hours(1));
  EXPECT_EQ(d.next_run_at - now, std::chrono::seconds(10)) << "capped at retry_max";
  d = Decide(throttled, 1, 3, Fn(), now, 0, std::chrono::milliseconds(1));
  EXPECT_EQ(d.next_run_at - now, std::chrono::milliseconds(500)) << "the backoff when longer";
}

TEST(RetryPolicy, RetryAfterOfA429Or503) {
  auto now = base::FromUnixMs(784111777000);  // Sun, 06 Nov 1994 08:49:37 GMT
  store::Response r{429, {{"retry-after", "7"}}, ""};
  EXPECT_EQ(RetryAfter(r, now), std::chrono::seconds(7));
  r.headers = {{"Retry-After", "Sun, 06 Nov 1994 08:50:37 GMT"}};
  r.status = 503;
  EXPECT_EQ(RetryAfter(r, now), std::chrono::seconds(60));
  r.headers = {{"Retry-After", "soon"}};
  EXPECT_EQ(RetryAfter(r, now), std::nullopt);
  r = store::Response{500, {{"Retry-After", "7"}}, ""};
  EXPECT_EQ(RetryAfter(r, now), std::nullopt) << "only a 429 or a 503 asks for it";
}

}  // namespace
}  // namespace longhaul::sched
