// Parses the RFC 7240 Prefer header: "respond-async" and "wait=N" (seconds).
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"

namespace longhaul::ingest {

struct Preferences {
  bool respond_async = false;
  std::optional<base::Duration> wait;  // wait=N, in seconds; at most base::kMaxDuration
};

// Unknown preferences are ignored, as RFC 7240 asks. Several Prefer headers may be joined
// with commas by the caller.
Preferences ParsePrefer(std::string_view header);

}  // namespace longhaul::ingest
