#include "sched/retry_policy.h"

#include <algorithm>

namespace longhaul::sched {

using Kind = store::Completion::Kind;

base::Duration Backoff(int attempt, const config::Function& fn, double jitter) {
  int64_t base_ms = std::max<int64_t>(fn.retry_base.count(), 1);
  int64_t cap = std::max<int64_t>(fn.retry_max.count(), base_ms);
  int shift = std::clamp(attempt - 1, 0, 40);
  int64_t d = base_ms;
  for (int i = 0; i < shift && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  double factor = 0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0);
  return base::Duration(static_cast<int64_t>(static_cast<double>(d) * factor));
}

Decision Decide(const base::Status& status, int attempt, int max_attempts,
                const config::Function& fn, base::TimePoint now, double jitter) {
  using base::Code;
  switch (status.code()) {
    case Code::kOk:
      return {Kind::kSucceeded, now};
    case Code::kInvalidArgument:
    case Code::kFailedPrecondition:
    case Code::kPermissionDenied:
    case Code::kUnauthenticated:
    case Code::kNotFound:
    case Code::kPayloadTooLarge:
      return {Kind::kFailed, now};
    default:
      break;
  }
  if (attempt >= max_attempts) return {Kind::kDead, now};
  return {Kind::kRetry, now + Backoff(attempt, fn, jitter)};
}

}  // namespace longhaul::sched
