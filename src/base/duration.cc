#include "base/duration.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>

namespace longhaul::base {
namespace {

bool ParseNumber(std::string_view& s, uint64_t& out) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 15) return false;
  std::from_chars(s.data(), s.data() + i, out);
  s.remove_prefix(i);
  return true;
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text, Duration bare_unit) {
  std::string_view s = text;
  if (s.empty()) return InvalidArgument("empty duration");
  int64_t total = 0;
  int64_t last_unit_ms = 0;  // the previous part's: each unit once, the largest first
  while (!s.empty()) {
    auto invalid = [&](std::string_view why) {
      return InvalidArgument("invalid duration '" + std::string(text) + "': " + std::string(why));
    };
    uint64_t n = 0;
    std::string_view digits = s;
    if (!ParseNumber(s, n)) {
      bool minus_number = digits.size() > 1 && digits[0] == '-' &&
                          std::isdigit(static_cast<unsigned char>(digits[1]));
      return minus_number ? invalid("it is negative")
             : !digits.empty() && std::isdigit(static_cast<unsigned char>(digits[0]))
                 ? invalid("longer than the maximum of " + FormatDuration(kMaxDuration))
                 : invalid("expected a number followed by ms, s, m, h or d");
    }
    int64_t unit_ms = 0;
    if (s.substr(0, 2) == "ms") {
      unit_ms = 1;
      s.remove_prefix(2);
    } else if (!s.empty() && (s[0] == 's' || s[0] == 'm' || s[0] == 'h' || s[0] == 'd')) {
      unit_ms = s[0] == 's' ? 1000 : s[0] == 'm' ? 60'000 : s[0] == 'h' ? 3'600'000 : 86'400'000;
      s.remove_prefix(1);
    } else if (s.empty() && total == 0 && bare_unit.count() > 0) {
      unit_ms = bare_unit.count();
    } else if (s.empty()) {
      return invalid("a unit (ms, s, m, h, d) is required");
    } else if (s[0] == '.' || s[0] == ',') {
      return invalid("whole numbers only (write 1h30m, or 1500ms)");
    } else if (std::isupper(static_cast<unsigned char>(s[0]))) {
      return invalid("units are lower case: ms, s, m, h or d");
    } else {
      return invalid("unknown unit '" + std::string(s.substr(0, 1)) +
                     "' (expected ms, s, m, h or d)");
    }
    // A typo such as 1h1h (for 1h1m) would otherwise pass as 2h (QA).
    if (last_unit_ms != 0 && unit_ms >= last_unit_ms) {
      return invalid("each unit at most once, the largest first (as in 1h30m)");
    }
    last_unit_ms = unit_ms;
    // n < 10^15 and unit_ms <= 86'400'000: the product can overflow int64, so bound it first.
    if (static_cast<int64_t>(n) > (kMaxDuration.count() - total) / unit_ms) {
      return invalid("longer than the maximum of " + FormatDuration(kMaxDuration));
    }
    total += static_cast<int64_t>(n) * unit_ms;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<uint64_t> ParseSize(std::string_view text) {
  std::string_view s = text;
  uint64_t n = 0;
  if (!ParseNumber(s, n)) {
    const bool digits = !s.empty() && std::isdigit(static_cast<unsigned char>(s[0]));
    return InvalidArgument(
        "invalid size '" + std::string(text) +
        "': " + (digits ? "too large" : "expected a number, then B, KiB, MiB, GiB, KB, MB or GB"));
  }
  uint64_t mult = 1;
  if (s.empty() || s == "B") {
    mult = 1;
  } else if (s == "KiB" || s == "K" || s == "k") {
    mult = 1024;
  } else if (s == "MiB" || s == "M") {
    mult = 1024 * 1024;
  } else if (s == "GiB" || s == "G") {
    mult = 1024ULL * 1024 * 1024;
  } else if (s == "KB" || s == "kB") {
    mult = 1000;
  } else if (s == "MB") {
    mult = 1000 * 1000;
  } else if (s == "GB") {
    mult = 1000ULL * 1000 * 1000;
  } else {
    return InvalidArgument("invalid size '" + std::string(text) +
                           "': expected a number with B, KiB, MiB, GiB, KB, MB or GB");
  }
  if (n > UINT64_MAX / mult) {
    return InvalidArgument("invalid size '" + std::string(text) + "': too large");
  }
  return n * mult;
}

}  // namespace longhaul::base
