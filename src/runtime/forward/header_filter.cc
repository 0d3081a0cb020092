#include "runtime/forward/header_filter.h"

#include <strings.h>

#include <string>
#include <string_view>
#include <vector>

namespace longhaul::runtime::forward {
namespace {

constexpr std::string_view kDropped[] = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

store::Headers ForwardableHeaders(const store::Headers& headers) {
  // Headers named by Connection are hop-by-hop too ("Connection: close, X-Private").
  std::vector<std::string_view> named;
  for (const auto& [name, value] : headers) {
    if (!EqualsIgnoreCase(name, "connection")) {
      continue;
    }
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view token = Trim(rest.substr(0, comma));
      if (!token.empty()) {
        named.push_back(token);
      }
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  store::Headers out;
  for (const auto& header : headers) {
    bool drop = false;
    for (std::string_view d : kDropped) {
      drop = drop || EqualsIgnoreCase(header.first, d);
    }
    for (std::string_view d : named) {
      drop = drop || EqualsIgnoreCase(header.first, d);
    }
    if (!drop) {
      out.push_back(header);
    }
  }
  return out;
}

}  // namespace longhaul::runtime::forward
