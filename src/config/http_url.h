// HttpUrl: an `http://` or `https://` url of the config (a `runtime: http` function's `url`, a
// destination's `url`) in the parts forwarding needs. Config validation and the forwarder parse it
// alike, so a url that loads is one the forwarder can send to. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace longhaul::config {

struct HttpUrl {
  std::string host;         // for the resolver: a name or an address (IPv6 without brackets)
  bool tls = false;         // https: TLS, the server's certificate checked against the host
  std::string port;         // "80" (https: "443") when the url has none
  std::string host_header;  // the Host header: host[:port] as written in the url
  std::string path;         // percent-encoded, "" or starting with '/'
  std::string query;        // percent-encoded, without '?'
};

// Parses an absolute http:// or https:// url ("http://10.0.0.5:8000/api?key=v").
// Errors: kInvalidArgument for anything else, naming the problem (not a url, another scheme,
// no host, a port that is not a number from 1 to 65535, user:password in the
// url).
base::Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace longhaul::config
