#include "http/browser_guard.h"

#include <arpa/inet.h>
#include <strings.h>

#include <string_view>

namespace longhaul::http {
namespace {

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         strncasecmp(s.data() + s.size() - suffix.size(), suffix.data(), suffix.size()) == 0;
}

// Whether a Host header names this machine without a DNS name a stranger controls: an IP
// address, localhost or a name under .localhost (RFC 6761: never sent to a DNS server).
bool IsAddressOrLocalhost(std::string_view host) {
  if (host.starts_with('[')) return host.find(']') != std::string_view::npos;  // IPv6 literal
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  while (host.ends_with('.')) host.remove_suffix(1);  // "localhost." is the same name
  in_addr v4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) return true;
  return (host.size() == 9 && strncasecmp(host.data(), "localhost", 9) == 0) ||
         EndsWithIgnoreCase(host, ".localhost");
}

}  // namespace

std::optional<std::string> BrowserRequestProblem(const RequestHeader& head, bool any_name,
                                                 std::string_view api, std::string_view remedy) {
  if (auto origin = head.find(boost::beast::http::field::origin); origin != head.end()) {
    return std::string(api) + " does not take requests from web pages (this one came from " +
           "Origin " + std::string(origin->value().substr(0, 200)) +
           "): a page open in a browser must not drive it";
  }
  if (any_name) return std::nullopt;
  auto host = head.find(boost::beast::http::field::host);
  if (host == head.end() || IsAddressOrLocalhost(host->value())) return std::nullopt;
  return std::string(api) + " is called by its address or localhost, not by the name " +
         std::string(host->value().substr(0, 200)) +
         " (a web page's name pointed at this machine could read it): " + std::string(remedy);
}

}  // namespace longhaul::http
