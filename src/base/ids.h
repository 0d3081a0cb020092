// Job ids: 26 characters, time-ordered (48-bit Unix ms + 80 random bits, Crockford base32,
// the ULID layout), unique across nodes sharing one database.
// Thread-safety: NewJobId() may be called from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"

namespace longhaul::base {

std::string NewJobId(TimePoint now);

// True when `id` has the shape NewJobId() produces (used to reject garbage in URLs early).
bool LooksLikeJobId(std::string_view id);

}  // namespace longhaul::base
