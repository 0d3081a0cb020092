#include "config/path_pattern.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cctype>
#include <string>

#include "base/percent_encoding.h"

namespace longhaul::config {
namespace {

bool IsValidName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

base::Result<std::vector<PathSegment>> ParsePathPattern(std::string_view pattern) {
  if (pattern.empty() || pattern[0] != '/') {
    return base::InvalidArgument("must start with '/'");
  }
  for (char c : pattern) {
    if (c == '?' || c == '#') {
      return base::InvalidArgument("must not contain '?' or '#' (match the path only)");
    }
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ') {
      return base::InvalidArgument("must not contain spaces or control characters");
    }
  }
  std::vector<PathSegment> segments;
  if (pattern == "/") {
    return segments;
  }
  std::string_view rest = pattern.substr(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view text = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (text.empty()) {
      return base::InvalidArgument("has an empty segment ('//' or a trailing '/')");
    }
    PathSegment segment;
    if (text.front() == '{' && text.back() == '}' && text.size() >= 2) {
      std::string_view name = text.substr(1, text.size() - 2);
      segment.kind = PathSegment::Kind::kParam;
      if (!name.empty() && name.back() == '+') {
        segment.kind = PathSegment::Kind::kGreedy;
        name.remove_suffix(1);
      }
      if (!IsValidName(name)) {
        return base::InvalidArgument("invalid parameter '" + std::string(text) +
                                     "': a name is letters, digits and '_', as in {id} or {rest+}");
      }
      if (segment.kind == PathSegment::Kind::kGreedy && !last) {
        return base::InvalidArgument("greedy parameter '" + std::string(text) +
                                     "' must be the last segment");
      }
      for (const PathSegment& s : segments) {
        // Told apart without case: both would be one LONGHAUL_PARAM_<NAME>.
        if (s.kind != PathSegment::Kind::kLiteral && boost::beast::iequals(s.text, name)) {
          return base::InvalidArgument("parameter '" + std::string(name) + "' appears twice" +
                                       (s.text == name ? "" : " (as '" + s.text + "')") +
                                       ": names are told apart without case");
        }
      }
      segment.text = std::string(name);
    } else if (text.find_first_of("{}") != std::string_view::npos) {
      return base::InvalidArgument("segment '" + std::string(text) +
                                   "' contains '{' or '}': a parameter must be a whole segment, "
                                   "as in /users/{id}");
    } else {
      // As requests are checked: a '%' without two hex digits after it is refused (400), and so
      // is a '.' or '..' between '/' and '\\' (decoded).
      for (size_t pct = text.find('%'); pct != std::string_view::npos;
           pct = text.find('%', pct + 1)) {
        if (pct + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[pct + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(text[pct + 2]))) {
          return base::InvalidArgument(
              "has a '%' not followed by two hex digits: requests with one are refused (400), so "
              "the route could never match (write %25 for a '%')");
        }
      }
      const std::string decoded = base::PercentDecode(text);
      for (size_t start = 0; start <= decoded.size();) {
        size_t end = decoded.find_first_of("/\\", start);
        if (end == std::string::npos) end = decoded.size();
        std::string_view piece = std::string_view(decoded).substr(start, end - start);
        if (piece == "." || piece == "..") {
          return base::InvalidArgument("has a '" + std::string(piece) +
                                       "' segment: requests with one are refused (400), so the "
                                       "route could never match");
        }
        start = end + 1;
      }
      segment.text = std::string(text);
    }
    segments.push_back(std::move(segment));
    if (last) {
      break;
    }
    rest = rest.substr(slash + 1);
  }
  return segments;
}

std::string PatternShape(const std::vector<PathSegment>& segments) {
  if (segments.empty()) {
    return "/";
  }
  std::string shape;
  for (const PathSegment& s : segments) {
    shape += '/';
    switch (s.kind) {
      case PathSegment::Kind::kLiteral:
        // A literal matches decoded too; an encoded '/' stays one segment's, and an encoded
        // brace is not a parameter's mark ("/x/%7B%7D" is not "/x/{b}").
        for (char c : base::PercentDecode(s.text)) {
          if (c == '/') {
            shape += "%2F";
          } else if (c == '{') {
            shape += "%7B";
          } else if (c == '}') {
            shape += "%7D";
          } else {
            shape += c;
          }
        }
        break;
      case PathSegment::Kind::kParam:
        shape += "{}";
        break;
      case PathSegment::Kind::kGreedy:
        shape += "{+}";
        break;
    }
  }
  return shape;
}

}  // namespace longhaul::config
