#include "ingest/route_table.h"

namespace longhaul::ingest {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path == "/") return out;  // the root: no segments, as the pattern "/" has none
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

// A literal segment matches as written or percent-decoded, whichever way the config wrote it
// ("/caf%C3%A9" is "/café", "%7Euser" is "~user": what a client sends for the path it names).
bool LiteralMatches(std::string_view part, const std::string& literal) {
  if (part == literal) return true;
  if (part.find('%') == std::string_view::npos && literal.find('%') == std::string::npos) {
    return false;
  }
  return PercentDecode(part) == PercentDecode(literal);
}

// How specific a segment is: literal, then {param}, then {rest+}.
enum Rank : int8_t { kGreedyRank = 1, kParamRank = 2, kLiteralRank = 3 };

}  // namespace

RouteTable::RouteTable(const std::vector<config::Route>& routes) : routes_(routes) {}

RouteMatch RouteTable::Match(std::string_view method, std::string_view path) const {
  if (!path.starts_with('/')) return {};  // OPTIONS *: the server, not one of its routes
  auto parts = SplitPath(path);
  RouteMatch best;
  // Segment by segment from the left, then the method: a route is more specific than another
  // at the first segment where it ranks higher (lexicographic order of the ranks).
  std::vector<int8_t> best_rank;
  std::vector<int8_t> rank;
  std::string allowed;
  for (const auto& route : routes_) {
    const auto& segs = route.segments;
    std::vector<std::pair<std::string, std::string>> params;
    rank.clear();
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
        rank.push_back(kGreedyRank);
        i = parts.size();
        break;
      }
      if (i >= parts.size()) {
        ok = false;
        break;
      }
      if (seg.kind == config::PathSegment::Kind::kLiteral) {
        if (!LiteralMatches(parts[i], seg.text)) {
          ok = false;
          break;
        }
        rank.push_back(kLiteralRank);
      } else {
        std::string value = PercentDecode(parts[i]);
        // One segment: a value that decodes to more ("..%2F..%2Fetc") or holds a NUL is none.
        if (value.empty() || value.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
          ok = false;
          break;
        }
        params.emplace_back(seg.text, std::move(value));
        rank.push_back(kParamRank);
      }
    }
    if (!ok || (i != parts.size() &&
                (segs.empty() || segs.back().kind != config::PathSegment::Kind::kGreedy))) {
      continue;
    }
    // HEAD is GET without the body (RFC 9110 section 9.3.2): a GET route takes it too, after
    // a HEAD route of its own.
    const bool head_of_get = method == "HEAD" && route.method == "GET";
    if (route.method != "ANY" && route.method != method && !head_of_get) {
      for (std::string_view m : {std::string_view(route.method),
                                 std::string_view(route.method == "GET" ? "HEAD" : "")}) {
        if (m.empty() || allowed.find(m) != std::string::npos) continue;
        if (!allowed.empty()) allowed += ", ";
        allowed += m;
      }
      continue;
    }
    // The path first, then the method: its own, GET's for HEAD, ANY.
    rank.push_back(route.method == method ? 2 : head_of_get ? 1 : 0);
    if (best.route == nullptr || rank > best_rank) {
      best_rank.swap(rank);
      best.route = &route;
      best.params = std::move(params);
    }
  }
  if (best.route == nullptr) best.allowed = std::move(allowed);
  return best;
}

}  // namespace longhaul::ingest
