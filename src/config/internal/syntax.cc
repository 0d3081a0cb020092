#include "config/internal/syntax.h"

#include <algorithm>
#include <cctype>

#include "config/http_url.h"

namespace longhaul::config::internal {
namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::string CheckName(std::string_view s) {
  bool ok = !s.empty() && s.size() <= 64 && IsAlnum(s[0]) &&
            std::all_of(s.begin(), s.end(),
                        [](char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; });
  return ok ? ""
            : "'" + std::string(s) +
                  "' is not a valid name: use letters, digits, '.', '-' and '_' (at most 64, "
                  "starting with a letter or digit)";
}

std::string CheckHeaderName(std::string_view s) {
  static constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsAlnum(c) || kTokenPunctuation.find(c) != std::string_view::npos;
  });
  return ok ? "" : "'" + std::string(s) + "' is not a valid HTTP header name";
}

std::string CheckForwardedHeaderName(std::string_view s) {
  if (std::string problem = CheckHeaderName(s); !problem.empty()) return problem;
  auto iequals = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  // The forwarder sets these itself (one of each may be sent), or they frame the message.
  static constexpr std::string_view kOwn[] = {
      "Host", "Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive",
      "TE",   "Trailer",    "Upgrade",        "Proxy-Connection"};
  bool ours = std::any_of(std::begin(kOwn), std::end(kOwn),
                          [&](std::string_view own) { return iequals(s, own); }) ||
              iequals(s.substr(0, 11), "X-Longhaul-");
  return ours ? "header " + std::string(s) + " is set by the forwarder itself" : "";
}

std::string CheckEnvName(std::string_view s) {
  bool ok = !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
            std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '_'; });
  return ok ? ""
            : "'" + std::string(s) +
                  "' is not a valid environment variable name: use letters, digits and '_'";
}

std::string CheckHttpUrl(std::string_view s) {
  const size_t scheme = s.substr(0, 7) == "http://" ? 7 : s.substr(0, 8) == "https://" ? 8 : 0;
  if (scheme == 0 || s.size() == scheme || s[scheme] == '/') {
    return "'" + std::string(s) + "' is not a URL of the form http[s]://host[:port][/path]";
  }
  for (char c : s) {
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ') {
      return "'" + std::string(s) + "' contains a space or control character";
    }
  }
  // As the forwarder will read it.
  if (base::Result<HttpUrl> url = ParseHttpUrl(s); !url.ok()) return url.status().message();
  return "";
}

std::string CheckBearerToken(std::string_view s) {
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f) {
      return "must be visible ASCII characters only (no spaces or control characters): a client "
             "sends it in an Authorization header";
    }
  }
  return "";
}

std::string CheckHeaderValueText(std::string_view s) {
  for (char c : s) {
    if ((c >= 0 && c < ' ' && c != '\t') || c == 0x7f) {
      return "must not contain control characters: a header value cannot hold them";
    }
  }
  if (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    return "must not start with whitespace: a header value is sent without it";
  }
  return "";
}

std::string CheckJsonPointer(std::string_view s) {
  if (s.empty() || s[0] != '/') {
    return "JSON pointer '" + std::string(s) + "' must start with '/', as in /update_id";
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && (i + 1 == s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) {
      return "JSON pointer '" + std::string(s) +
             "': '~' must be followed by 0 (for '~') or 1 (for '/')";
    }
  }
  return "";
}

}  // namespace longhaul::config::internal
