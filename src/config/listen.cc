#include "config/listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <cstdint>
#include <string>

namespace longhaul::config {
namespace {

bool IsIpv4(const std::string& host) {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

base::Result<uint16_t> ParsePort(std::string_view text) {
  uint32_t port = 0;
  bool digits = !text.empty() && text.size() <= 5;
  for (char c : text) {
    digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) {
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
  }
  if (!digits || port > 65535) {
    return base::InvalidArgument("port '" + std::string(text) +
                                 "' is not a number from 0 to 65535");
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

base::Result<Listen> ParseListen(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  if (text.find("://") != std::string_view::npos) {
    return base::InvalidArgument("invalid address " + quoted +
                                 ": expected host:port, not a URL, as in 0.0.0.0:8080");
  }
  Listen listen;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return base::InvalidArgument("invalid address " + quoted + ": missing ']'");
    }
    listen.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return base::InvalidArgument("invalid address " + quoted +
                                   ": expected ':port' after ']', as in [::1]:8080");
    }
    port = text.substr(close + 2);
    if (!IsIpv6(listen.host)) {
      return base::InvalidArgument("invalid address " + quoted + ": '" + listen.host +
                                   "' is not an IPv6 address");
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return base::InvalidArgument("invalid address " + quoted +
                                   ": expected host:port, as in 0.0.0.0:8080");
    }
    listen.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (listen.host.empty()) {
      return base::InvalidArgument("invalid address " + quoted +
                                   ": missing host (0.0.0.0 listens on all interfaces)");
    }
    if (listen.host.find(':') != std::string::npos) {
      return base::InvalidArgument("invalid address " + quoted +
                                   ": put an IPv6 address in brackets, as in [::1]:8080");
    }
    if (listen.host == "localhost") {
      listen.host = "127.0.0.1";
    } else if (!IsIpv4(listen.host)) {
      return base::InvalidArgument("invalid address " + quoted + ": '" + listen.host +
                                   "' is not an IP address (host names are not resolved)");
    }
  }
  base::Result<uint16_t> parsed_port = ParsePort(port);
  if (!parsed_port.ok()) {
    return base::InvalidArgument("invalid address " + quoted + ": " +
                                 parsed_port.status().message());
  }
  listen.port = *parsed_port;
  return listen;
}

std::string FormatListen(const Listen& listen) {
  std::string host =
      listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  return host + ":" + std::to_string(listen.port);
}

}  // namespace longhaul::config
