#include "ingest/prefer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "base/duration.h"

namespace longhaul::ingest {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Preferences ParsePrefer(std::string_view header) {
  Preferences p;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    item = Trim(item.substr(0, item.find(';')));  // parameters after ';' are not used
    size_t eq = item.find('=');
    std::string_view name = Trim(item.substr(0, eq));
    if (IEquals(name, "respond-async")) {
      p.respond_async = true;
    } else if (IEquals(name, "wait") && eq != std::string_view::npos) {
      std::string_view v = Trim(item.substr(eq + 1));
      if (!v.empty() && v.front() == '"' && v.back() == '"' && v.size() >= 2) {
        v = v.substr(1, v.size() - 2);
      }
      int64_t secs = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
      if (ec == std::errc() && ptr == v.data() + v.size() && secs >= 0) {
        // Clamped before the conversion to milliseconds, which would overflow int64.
        constexpr int64_t kMaxSeconds =
            std::chrono::duration_cast<std::chrono::seconds>(base::kMaxDuration).count();
        p.wait = std::chrono::seconds(std::min(secs, kMaxSeconds));
      }
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return p;
}

}  // namespace longhaul::ingest
