#include "runtime/forward/header_filter.h"

#include <strings.h>

#include <string>
#include <string_view>
#include <utility>
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

std::string UpstreamPreferences(std::string_view prefer) {
  std::string out;
  while (!prefer.empty()) {
    size_t comma = prefer.find(',');
    std::string_view item = Trim(prefer.substr(0, comma));
    std::string_view name = Trim(item.substr(0, item.find_first_of("=;")));
    if (!item.empty() && !EqualsIgnoreCase(name, "respond-async") &&
        !EqualsIgnoreCase(name, "wait")) {
      if (!out.empty()) out += ", ";
      out += item;
    }
    prefer = comma == std::string_view::npos ? std::string_view() : prefer.substr(comma + 1);
  }
  return out;
}

bool IsForwardedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "x-forwarded-for") || EqualsIgnoreCase(name, "x-forwarded-host") ||
         EqualsIgnoreCase(name, "x-forwarded-proto");
}

store::Headers ForwardedHeaders(const store::Request& request) {
  std::string chain;
  std::string host;
  std::string forwarded_host;
  std::string forwarded_proto;
  for (const auto& [name, value] : request.headers) {
    std::string_view v = Trim(value);
    if (EqualsIgnoreCase(name, "x-forwarded-for")) {
      if (v.empty()) continue;
      if (!chain.empty()) chain += ", ";
      chain += v;
    } else if (EqualsIgnoreCase(name, "host") && host.empty()) {
      host = v;
    } else if (EqualsIgnoreCase(name, "x-forwarded-host") && forwarded_host.empty()) {
      forwarded_host = v;
    } else if (EqualsIgnoreCase(name, "x-forwarded-proto") && forwarded_proto.empty()) {
      forwarded_proto = v;
    }
  }
  store::Headers out;
  if (!request.remote_addr.empty()) {
    if (!chain.empty()) chain += ", ";
    chain += request.remote_addr;
  }
  if (!chain.empty()) out.emplace_back("X-Forwarded-For", std::move(chain));
  if (forwarded_host.empty()) forwarded_host = std::move(host);
  if (!forwarded_host.empty()) out.emplace_back("X-Forwarded-Host", std::move(forwarded_host));
  out.emplace_back("X-Forwarded-Proto", forwarded_proto.empty() ? "http" : forwarded_proto);
  return out;
}

}  // namespace longhaul::runtime::forward
