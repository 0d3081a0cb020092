// Timestamps as text: ISO 8601 / RFC 3339 in UTC with milliseconds, "2026-11-23T16:17:31.822Z";
// and HTTP's Date, "Mon, 23 Nov 2026 16:17:31 GMT" (RFC 9110 section 5.6.7, IMF-fixdate).
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "base/clock.h"

namespace longhaul::base {

std::string FormatIsoMillis(TimePoint t);
std::string FormatHttpDate(TimePoint t);

}  // namespace longhaul::base
