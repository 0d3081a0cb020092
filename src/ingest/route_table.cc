#include "ingest/route_table.h"

namespace longhaul::ingest {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  if (!path.empty() && path[0] == '/') i = 1;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  // "/a/" -> ["a", ""]: keep the trailing empty segment so "/a/" differs from "/a".
  return out;
}

}  // namespace

RouteTable::RouteTable(const std::vector<config::Route>& routes) : routes_(routes) {}

RouteMatch RouteTable::Match(std::string_view method, std::string_view path) const {
  auto parts = SplitPath(path);
  RouteMatch best;
  int best_score = -1;
  std::string allowed;
  for (const auto& route : routes_) {
    const auto& segs = route.segments;
    std::vector<std::pair<std::string, std::string>> params;
    int score = 0;
    bool ok = true;
    size_t i = 0;
    for (; i < segs.size(); ++i) {
      const auto& seg = segs[i];
      if (seg.kind == config::PathSegment::Kind::kGreedy) {
        if (i >= parts.size()) {
          ok = false;
          break;
        }
        // The rest of the path, from this segment on.
        size_t offset = 1;
        for (size_t k = 0; k < i; ++k) offset += parts[k].size() + 1;
        std::string_view rest = offset <= path.size() ? path.substr(offset) : std::string_view();
        if (rest.empty()) {
          ok = false;
          break;
        }
        std::string value = PercentDecode(rest);
        // A NUL would cut the value where a command gets it (its environment).
        if (value.find('\0') != std::string::npos) {
          ok = false;
          break;
        }
        params.emplace_back(seg.text, std::move(value));
        i = parts.size();
        break;
      }
      if (i >= parts.size()) {
        ok = false;
        break;
      }
      if (seg.kind == config::PathSegment::Kind::kLiteral) {
        if (parts[i] != seg.text) {
          ok = false;
          break;
        }
        score += 3;
      } else {
        std::string value = PercentDecode(parts[i]);
        // One segment: a value that decodes to more ("..%2F..%2Fetc") or holds a NUL is none.
        if (value.empty() || value.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
          ok = false;
          break;
        }
        params.emplace_back(seg.text, std::move(value));
        score += 2;
      }
    }
    if (!ok || (i != parts.size() &&
                (segs.empty() || segs.back().kind != config::PathSegment::Kind::kGreedy))) {
      continue;
    }
    if (!segs.empty() && segs.back().kind == config::PathSegment::Kind::kGreedy) score += 1;
    if (route.method != "ANY" && route.method != method) {
      if (allowed.find(route.method) == std::string::npos) {
        if (!allowed.empty()) allowed += ", ";
        allowed += route.method;
      }
      continue;
    }
    score = score * 2 + (route.method != "ANY" ? 1 : 0);  // the path first, then the method
    if (score > best_score) {
      best_score = score;
      best.route = &route;
      best.params = std::move(params);
    }
  }
  if (best.route == nullptr) best.allowed = std::move(allowed);
  return best;
}

}  // namespace longhaul::ingest
