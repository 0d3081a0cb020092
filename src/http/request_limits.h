// The limits a server puts on each request, and how they are applied to a request parser. One
// function configures every parser the server creates, so the fuzzer (fuzz/http_request_fuzz.cc)
// parses hostile bytes with exactly the configuration the listener uses.
// Thread-safety: plain values and pure functions (body_too_large must be one too: it is called
// from every connection's strand).
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <optional>

#include "base/clock.h"
#include "base/status.h"
#include "http/types.h"

namespace longhaul::http {

struct ServerLimits {
  uint64_t header_limit = 16 * 1024;       // bytes of request line + header fields; 431 above
  uint64_t body_limit = 10 * 1024 * 1024;  // bytes of body (after de-chunking); 413 above
  base::Duration header_timeout = std::chrono::seconds(10);  // whole header; 408 after
  base::Duration body_timeout = std::chrono::seconds(60);    // whole body; 408 after
  base::Duration idle_timeout = std::chrono::seconds(60);    // keep-alive idle; closed after
  int max_connections = 10000;  // further connections are answered 503 and closed
  // For a loopback listener only this process's children should reach (a Lambda Runtime API):
  // a connection from a socket another user owns is closed unanswered (http/peer_user.h).
  bool this_user_only = false;
  // The 413 for a request whose body is over body_limit (the second argument), built from its
  // header, for a listener whose clients expect their own error format (the admin listener's
  // Lambda Invoke API). nullopt, or unset: the generic JSON 413.
  std::function<std::optional<Response>(const RequestHeader&, uint64_t)> body_too_large;
  // For a request that waits for 100 Continue before it sends its body: an answer that does
  // not need the body (no route for its path), sent instead; the connection then closes, and
  // the body is never sent. nullopt, or unset: 100 Continue, and the request is read whole.
  std::function<std::optional<Response>(const RequestHeader&)> answer_before_body;
};

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Applies `limits` to a parser that has not read anything yet: header_limit (clamped to what
// Beast can express, 4 GiB - 1) and body_limit, which also bounds a chunked body as it arrives.
void ConfigureParser(RequestParser& parser, const ServerLimits& limits);

// Feeds `parser` what `buffer` holds and consumes what it used (need_more: it needs more bytes).
// Empty lines before the request line are skipped. A header over `header_limit` bytes is
// header_limit however its bytes were split: Beast checks its limit per call, against that
// call's bytes only. `header_bytes` carries the count of header bytes parsed from call to call;
// it starts at 0 for each request. So is a field over 64 KiB (more than Beast can keep), and, in
// a chunked body, a chunk size line or trailer section over `header_limit` (Beast buffers them
// whole, without a limit). For a parser that is not eager (the server's), which stops at the
// header's end.
boost::beast::error_code PutBuffered(RequestParser& parser, boost::beast::flat_buffer& buffer,
                                     uint64_t header_limit, uint64_t& header_bytes);

// Checks a complete request header for what the server refuses before the handler sees it:
// kUnimplemented (501) for a Transfer-Encoding with a coding other than chunked (RFC 9112 §6.1;
// the handler would get a still-encoded body), kInvalidArgument (400) for a Transfer-Encoding
// that does not end in one chunked (RFC 9112 §6.3) or comes in an HTTP/1.0 request (§6.1), an
// HTTP/1.1 request without Host, and any request with more than one Host or an invalid one
// (§3.2). OK otherwise.
base::Status CheckRequestHeader(const RequestParser& parser);

// Whether `host` is a valid Host value: uri-host [":" port] (RFC 3986 section 3.2.2), empty
// included.
bool IsValidHost(std::string_view host);

// Whether the path of `target` (before any '?') has a "." or ".." segment once percent-decoded
// ("/a/%2e%2e/b", "/a/..%2fb"), '\\' counting as a separator too.
bool HasDotSegment(std::string_view target);

// Brings the request target to origin form ("/path?query"), which handlers route on: an
// absolute-form target ("http://host:port/path?query", RFC 9112 §3.2.2: servers must accept it)
// loses its scheme and authority, which becomes the Host field (the one sent is ignored).
// kInvalidArgument (400) for a target that is neither (e.g. "hook", or authority form), for a
// path with dot segments (HasDotSegment: a forward appends the path to its upstream's, which
// they could climb out of) or with a '%' not followed by two hex digits, and for an authority
// with userinfo; "*" (OPTIONS) is left to the handler.
base::Status NormalizeRequestTarget(RequestHeader& head);

// True when the parser has read a header whose Content-Length is over the body limit (the
// server answers 413 before reading the body).
bool AnnouncesBodyOverLimit(const RequestParser& parser, const ServerLimits& limits);

}  // namespace longhaul::http
