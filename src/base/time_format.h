// Timestamps as text: ISO 8601 / RFC 3339 in UTC with milliseconds, "2026-11-23T16:17:31.822Z".
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "base/clock.h"

namespace longhaul::base {

std::string FormatIsoMillis(TimePoint t);

}  // namespace longhaul::base
