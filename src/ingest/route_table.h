// RouteTable: matches a request's method and path against the configured routes.
// Segment by segment from the left, a literal beats a parameter, which beats a greedy
// {proxy+} (the first segment where two routes differ decides); for the same path a route's own
// method beats ANY. A literal matches as written or percent-decoded.
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/percent_encoding.h"
#include "config/config.h"

namespace longhaul::ingest {

struct RouteMatch {
  const config::Route* route = nullptr;  // null: no route for this method (see allowed)
  std::vector<std::pair<std::string, std::string>> params;  // percent-decoded
  std::string allowed;  // when the path matched but not the method: "GET, POST" (405)
};

class RouteTable {
 public:
  explicit RouteTable(const std::vector<config::Route>& routes);

  // `path` is the raw request path without the query.
  RouteMatch Match(std::string_view method, std::string_view path) const;

 private:
  const std::vector<config::Route>& routes_;
};

using base::PercentDecode;  // a path segment or query component ('+' kept as is)

}  // namespace longhaul::ingest
