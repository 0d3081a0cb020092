#include "sched/retry_policy.h"

#include <strings.h>

#include <algorithm>
#include <ctime>

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
                const config::Function& fn, base::TimePoint now, double jitter,
                base::Duration at_least) {
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
  if (attempt >= std::min(max_attempts, fn.retries + 1)) return {Kind::kDead, now};
  base::Duration wait = Backoff(attempt, fn, jitter);
  wait = std::max(wait, std::min(at_least, std::max(fn.retry_max, wait)));
  return {Kind::kRetry, now + wait};
}

Decision DecideNotStarted(bool caller_only, base::TimePoint now, double jitter) {
  if (caller_only) return {Kind::kFailed, now};
  const double factor = 0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0);
  return {Kind::kRetry, now + std::chrono::duration_cast<base::Duration>(kNotStartedWait * factor)};
}

std::optional<base::Duration> RetryAfter(const store::Response& response, base::TimePoint now) {
  if (response.status != 429 && response.status != 503) return std::nullopt;
  for (const auto& [name, value] : response.headers) {
    if (strcasecmp(name.c_str(), "Retry-After") != 0) continue;
    // delay-seconds
    if (!value.empty() && std::all_of(value.begin(), value.end(),
                                      [](unsigned char c) { return c >= '0' && c <= '9'; })) {
      if (value.size() > 9) return std::chrono::hours(24 * 365);  // far off: the cap decides
      return std::chrono::seconds(std::stoll(value));
    }
    // An HTTP-date (IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
    std::tm tm{};
    const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    base::TimePoint at = base::FromUnixMs(static_cast<int64_t>(timegm(&tm)) * 1000);
    if (at <= now) return base::Duration(0);
    return std::chrono::duration_cast<base::Duration>(at - now);
  }
  return std::nullopt;
}

}  // namespace longhaul::sched
