// A small blocking HTTP/1.1 client (plain http://), for the CLI, destinations and tests.
// Thread-safety: each call is independent; blocks the calling thread (never an I/O thread).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace longhaul::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host:port/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  base::Duration timeout = std::chrono::seconds(30);  // whole exchange
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header with this name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// Sends one request on a new connection. kInvalidArgument for a bad URL, kUnavailable when
// the server cannot be reached, kDeadlineExceeded on timeout.
base::Result<ClientResponse> Fetch(const ClientRequest& req);

}  // namespace longhaul::http
