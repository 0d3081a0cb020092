#include "base/percent_encoding.h"

#include <strings.h>

#include <algorithm>

namespace longhaul::base {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (plus_is_space && s[i] == '+') {
      out += ' ';
      continue;
    }
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexDigit(s[i + 1]);
      int lo = HexDigit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::optional<std::string> FormPayload(std::string_view body,
                                       std::optional<std::string_view> content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (!content_type || content_type->size() < kForm.size() ||
      strncasecmp(content_type->data(), kForm.data(), kForm.size()) != 0) {
    return std::nullopt;
  }
  for (std::string_view rest = body; !rest.empty();) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
    if (pair.starts_with("payload=")) return PercentDecode(pair.substr(8), /*plus_is_space=*/true);
  }
  return std::nullopt;
}

}  // namespace longhaul::base
