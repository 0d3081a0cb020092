// RouteRejections: the last request each route refused before storing it (a signature that does
// not match, a stale timestamp), for GET /routes: as Telegram's getWebhookInfo shows a
// delivery's last error, a sender set up with the wrong secret shows there, not only in the log.
// Kept in memory: a restart forgets them (the log keeps them).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/mutex.h"

namespace longhaul::ingest {

struct Rejection {
  base::TimePoint at;
  std::string reason;
};

class RouteRejections {
 public:
  // For the route of key `route_key` (ingest::RouteKey).
  void Record(const std::string& route_key, base::TimePoint at, std::string reason);
  std::optional<Rejection> Last(const std::string& route_key) const;

 private:
  // One per route ever configured: a reload that renames routes leaves a few behind.
  static constexpr size_t kMaxRoutes = 10'000;
  mutable base::Mutex mu_;
  std::unordered_map<std::string, Rejection> last_ LH_GUARDED_BY(mu_);
};

}  // namespace longhaul::ingest
