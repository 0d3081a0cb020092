// The one place where an attempt's Status becomes a job decision: succeed, retry later (with
// exponential backoff and jitter), fail without retry, or go dead.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "store/store.h"

namespace longhaul::sched {

struct Decision {
  store::Completion::Kind kind = store::Completion::Kind::kSucceeded;
  base::TimePoint next_run_at;  // kRetry only
};

// `attempt` is 1-based (the attempt that just ended); `jitter` is uniform in [0, 1).
// Retries: attempt 1 failing waits retry_base, attempt 2 waits 2*retry_base, ... capped at
// retry_max, each scaled by a factor in [0.5, 1) so that synchronized failures spread out.
// Not retried: kInvalidArgument, kFailedPrecondition, kPermissionDenied, kUnauthenticated,
// kNotFound, kPayloadTooLarge (the input or the setup is wrong; retrying changes nothing).
// `at_least`: an upstream's Retry-After; the retry waits that long when the backoff is shorter,
// up to retry_max. `max_attempts` is the job's own (its function's retries + 1 when it came, 1
// for a caller that waits for it), and never more than the function's retries + 1 now: a
// reload that lowers `retries` (to stop a retry storm) applies to the jobs already stored.
Decision Decide(const base::Status& status, int attempt, int max_attempts,
                const config::Function& fn, base::TimePoint now, double jitter,
                base::Duration at_least = base::Duration(0));

// For an attempt whose function never started (runtime::Outcome::not_started: the server was
// out of processes, descriptors, memory or disk space). It is not the function's failure and
// uses no retry: the job runs again after kNotStartedWait (scaled by [0.5, 1) with `jitter`),
// however many attempts it had, until the shortage ends or the job expires. With `caller_only`
// (a RequestResponse invoke: nobody would wait for a later run) it fails at once instead, and
// its caller is told to try again.
inline constexpr base::Duration kNotStartedWait = std::chrono::seconds(1);
Decision DecideNotStarted(bool caller_only, base::TimePoint now, double jitter);

// How long an answer asks to be left alone: the Retry-After of a 429 or 503 (delay-seconds,
// or an HTTP-date after `now`), when `response` is an upstream's answer; nullopt otherwise.
std::optional<base::Duration> RetryAfter(const store::Response& response, base::TimePoint now);

// The backoff delay before attempt `attempt + 1`.
base::Duration Backoff(int attempt, const config::Function& fn, double jitter);

}  // namespace longhaul::sched
