// The limits a server puts on each request, and how they are applied to a request parser. One
// function configures every parser the server creates, so the fuzzer (fuzz/http_request_fuzz.cc)
// parses hostile bytes with exactly the configuration the listener uses.
// Thread-safety: plain values and pure functions.
#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>

#include "base/clock.h"

namespace longhaul::http {

struct ServerLimits {
  uint64_t header_limit = 16 * 1024;       // bytes of request line + header fields; 431 above
  uint64_t body_limit = 10 * 1024 * 1024;  // bytes of body (after de-chunking); 413 above
  base::Duration header_timeout = std::chrono::seconds(10);  // whole header; 408 after
  base::Duration body_timeout = std::chrono::seconds(60);    // whole body; 408 after
  base::Duration idle_timeout = std::chrono::seconds(60);    // keep-alive idle; closed after
  int max_connections = 10000;  // further connections are accepted and closed at once
};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Applies `limits` to a parser that has not read anything yet: header_limit (clamped to what
// Beast can express, 4 GiB - 1) and body_limit, which also bounds a chunked body as it arrives.
void ConfigureParser(RequestParser& parser, const ServerLimits& limits);

// True when the parser has read a header whose Content-Length is over the body limit (the
// server answers 413 before reading the body).
bool AnnouncesBodyOverLimit(const RequestParser& parser, const ServerLimits& limits);

}  // namespace longhaul::http
