// The HTTP message types handlers see. Handlers get a parsed request and return a response;
// they never see a socket (see server.h).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace longhaul::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
// A request's start line and header fields (a Request is one, with a body).
using RequestHeader = beast_http::request_header<>;

class PeerWatch;

// Header-like fields in order, as (name, value).
using Fields = std::vector<std::pair<std::string, std::string>>;

struct ConnInfo {
  std::string remote_addr;  // "127.0.0.1"
  uint16_t local_port = 0;
  // This request's client watch (peer_watch.h); valid while the handler runs.
  PeerWatch* peer = nullptr;
  // A chunked request's trailer fields, which are not in its header (RFC 9110 section 6.5.1);
  // only a handler that knows what a trailer may say reads them (a Lambda runtime's error).
  Fields trailers;
};

// Called once per request on the connection's strand. Must not block: offload disk and
// process work (see blocking.h) and co_await it.
using Handler = std::function<boost::asio::awaitable<Response>(Request&, const ConnInfo&)>;

// A response with a JSON (or text) body and Content-Type set; keep-alive is set by the server.
// For a 1xx, 204 or 304 the body is dropped (see PreparePayload in response_bytes.h).
Response MakeResponse(unsigned status, std::string body,
                      std::string_view content_type = "application/json");

}  // namespace longhaul::http
