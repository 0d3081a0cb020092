// UpstreamUrl: the parts of a `runtime: http` url that forwarding needs, and the request target
// a forwarded request gets.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace longhaul::runtime::forward {

struct UpstreamUrl {
  std::string host;         // for the resolver: a name or an address (IPv6 without brackets)
  std::string port;         // "80" when the url has none
  std::string host_header;  // the Host header: host[:port] as written in the url
  std::string path;         // percent-encoded, "" or starting with '/'
  std::string query;        // percent-encoded, without '?'
};

// Parses an absolute http:// url ("http://10.0.0.5:8000/api?key=v").
// Errors: kInvalidArgument for anything else, naming the problem (not a url, another scheme
// such as https, no host, user:password in the url).
base::Result<UpstreamUrl> ParseUpstreamUrl(std::string_view url);

// The request target for a forwarded request. Unless `exact_path`, the request's `path` is
// appended to the url's path ("/api" + "/hooks/x" = "/api/hooks/x") and the queries are joined
// with '&' (url's first); with `exact_path` the url's own path and query are used as they are.
// Never empty: "/" at least.
std::string ForwardTarget(const UpstreamUrl& url, bool exact_path, std::string_view path,
                          std::string_view query);

}  // namespace longhaul::runtime::forward
