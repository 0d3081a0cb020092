#include "http/browser_guard.h"

#include <arpa/inet.h>

#include <boost/beast/core/string.hpp>
#include <string>
#include <string_view>

namespace longhaul::http {
namespace {

// Whether a Host header names this machine without a DNS name a stranger controls: an IP
// address, localhost or a name under .localhost (RFC 6761: never sent to a DNS server).
bool IsAddressOrLocalhost(std::string_view host) {
  if (host.starts_with('[')) return host.find(']') != std::string_view::npos;  // IPv6 literal
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  while (host.ends_with('.')) host.remove_suffix(1);  // "localhost." is the same name
  in_addr v4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) return true;
  constexpr std::string_view kLocal = ".localhost";
  return boost::beast::iequals(host, kLocal.substr(1)) ||
         (host.size() > kLocal.size() &&
          boost::beast::iequals(host.substr(host.size() - kLocal.size()), kLocal));
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
  std::string_view name = host->value();
  return std::string(api) + " is called by its address or localhost, not by " +
         (name.empty() ? std::string("an empty Host")
                       : "the name " + std::string(name.substr(0, 200))) +
         " (a web page's name pointed at this machine could read it): " + std::string(remedy);
}

}  // namespace longhaul::http
