#include "runtime/forward/upstream_url.h"

namespace longhaul::runtime::forward {

std::string ForwardTarget(const config::HttpUrl& url, bool exact_path, std::string_view path,
                          std::string_view query) {
  std::string target;
  std::string joined_query = url.query;
  if (exact_path) {
    target = url.path;
  } else {
    target = url.path;
    while (!target.empty() && target.back() == '/') {
      target.pop_back();
    }
    if (path.empty() || path.front() != '/') {
      target += '/';
    }
    target.append(path);
    if (!query.empty()) {
      if (!joined_query.empty()) {
        joined_query += '&';
      }
      joined_query.append(query);
    }
  }
  if (target.empty()) {
    target = "/";
  }
  if (!joined_query.empty()) {
    target += '?';
    target += joined_query;
  }
  return target;
}

}  // namespace longhaul::runtime::forward
