#include "ingest/rejections.h"

#include <utility>

namespace longhaul::ingest {

void RouteRejections::Record(const std::string& route_key, base::TimePoint at, std::string reason) {
  base::MutexLock lock(mu_);
  if (last_.size() >= kMaxRoutes && last_.count(route_key) == 0) last_.clear();
  last_[route_key] = Rejection{at, std::move(reason)};
}

std::optional<Rejection> RouteRejections::Last(const std::string& route_key) const {
  base::MutexLock lock(mu_);
  auto it = last_.find(route_key);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

}  // namespace longhaul::ingest
