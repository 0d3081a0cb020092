// Human durations in config and query strings: "500ms", "30s", "15m", "6h", "1d", "1h30m".
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace longhaul::base {

// The longest duration ParseDuration accepts: 100 years, far below where adding it to a
// TimePoint (int64 milliseconds) or doubling a backoff could overflow.
inline constexpr Duration kMaxDuration = std::chrono::hours(24 * 365 * 100);

// Parses a non-negative duration of at most kMaxDuration. A bare number is rejected (units are
// required) unless `bare_unit` is given, in which case it is read in that unit (e.g. Prefer:
// wait=5 is seconds). Returns kInvalidArgument naming what is wrong.
Result<Duration> ParseDuration(std::string_view text, Duration bare_unit = Duration::zero());

// The shortest exact form: 1500 -> "1500ms", 90000 -> "90s", 3600000 -> "1h".
std::string FormatDuration(Duration d);

// Parses a size such as "10MiB", "512KiB", "1024", "1MB". Returns kInvalidArgument on error,
// including a size that does not fit in 64 bits.
Result<uint64_t> ParseSize(std::string_view text);

}  // namespace longhaul::base
