#include "http/request_limits.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cctype>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "base/percent_encoding.h"

namespace longhaul::http {

void ConfigureParser(RequestParser& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<uint32_t>(
      std::min<uint64_t>(limits.header_limit, std::numeric_limits<uint32_t>::max())));
  parser.body_limit(limits.body_limit);
}

boost::beast::error_code PutBuffered(RequestParser& parser, boost::beast::flat_buffer& buffer,
                                     uint64_t header_limit, uint64_t& header_bytes) {
  boost::beast::error_code ec;
  const bool in_header = !parser.is_header_done();
  if (in_header && !parser.got_some()) {
    // Empty lines before a request line are skipped (RFC 9112 section 2.2): a client may end
    // the previous request's body with an extra CRLF.
    std::string_view bytes(static_cast<const char*>(buffer.data().data()), buffer.size());
    size_t skip = 0;
    while (skip < bytes.size() &&
           (bytes[skip] == '\n' ||
            (bytes[skip] == '\r' && skip + 1 < bytes.size() && bytes[skip + 1] == '\n'))) {
      skip += bytes[skip] == '\r' ? 2 : 1;
    }
    buffer.consume(skip);
    header_bytes += skip;
    if (header_bytes > header_limit) return beast_http::error::header_limit;
    if (buffer.size() == 0 || (buffer.size() == 1 && bytes[skip] == '\r')) {
      return beast_http::error::need_more;
    }
  }
  size_t used = 0;
  try {
    used = parser.put(buffer.data(), ec);
  } catch (const std::length_error&) {
    // Beast keeps a field's name and its value in 16 bits: one over 64 KiB cannot be kept.
    return beast_http::error::header_limit;
  }
  buffer.consume(used);
  if (in_header && (!ec || ec == beast_http::error::need_more)) {
    header_bytes += used;  // a parser that is not eager stops at the header's end
    const uint64_t pending = parser.is_header_done() ? 0 : buffer.size();
    if (header_bytes + pending > header_limit) return beast_http::error::header_limit;
  } else if (ec == beast_http::error::need_more && buffer.size() > header_limit) {
    // In a body the parser takes what it can; what it leaves waits for the end of a chunk's
    // size line or of the trailer section, which are bounded as header fields are.
    return beast_http::error::header_limit;
  }
  return ec;
}

base::Status CheckRequestHeader(const RequestParser& parser) {
  const RequestHeader& head = parser.get();
  bool has_transfer_encoding = false;
  for (auto [it, end] = head.equal_range(beast_http::field::transfer_encoding); it != end; ++it) {
    has_transfer_encoding = true;
    std::string_view list = it->value();
    while (!list.empty()) {  // a comma-separated list; empty elements are allowed and skipped
      size_t comma = list.find(',');
      std::string_view coding = list.substr(0, comma);
      list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) {
        coding.remove_prefix(1);
      }
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) {
        coding.remove_suffix(1);
      }
      if (!coding.empty() && !boost::beast::iequals(coding, "chunked")) {
        std::string name(coding);
        return {base::Code::kUnimplemented,
                "Transfer-Encoding " + name + " is not supported; only chunked"};
      }
    }
  }
  // Only chunked codings, but the parser did not take the body as chunked ("chunked, chunked",
  // an empty list): it would read no body, and the next request from the body's bytes.
  if (has_transfer_encoding && !parser.chunked()) {
    return base::InvalidArgument("Transfer-Encoding must be chunked, once");
  }
  // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
  if (has_transfer_encoding && head.version() < 11) {
    return base::InvalidArgument("Transfer-Encoding is not allowed in an HTTP/1.0 request");
  }
  // RFC 9112 section 3.2: 400 for an HTTP/1.1 request without Host, and for any with more than
  // one Host line or an invalid one.
  auto [host, hosts_end] = head.equal_range(beast_http::field::host);
  if (host == hosts_end) {
    if (head.version() >= 11) return base::InvalidArgument("missing Host header");
  } else if (std::next(host) != hosts_end) {
    return base::InvalidArgument("more than one Host header");
  } else if (!IsValidHost(host->value())) {
    return base::InvalidArgument("invalid Host header (host[:port] expected)");
  }
  return base::Status::Ok();
}

bool IsValidHost(std::string_view host) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_alnum = [&](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  std::string_view name = host;
  std::string_view port;
  if (host.starts_with('[')) {  // IP-literal: [IPv6] or [v<hex>.<...>]
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(1, close - 1);
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return false;
    if (!rest.empty()) port = rest.substr(1);
    if (name.empty()) return false;
    for (char c : name) {
      if (!is_alnum(c) && c != ':' && c != '.' && c != '%' && c != '-' && c != '_' && c != '~') {
        return false;
      }
    }
  } else {  // reg-name or IPv4 address (RFC 3986 section 3.2.2), possibly empty
    if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
    }
    static constexpr std::string_view kOther = "-._~%!$&'()*+,;=";
    for (char c : name) {
      if (!is_alnum(c) && kOther.find(c) == std::string_view::npos) return false;
    }
  }
  return std::all_of(port.begin(), port.end(), is_digit);
}

bool HasDotSegment(std::string_view path) {
  // Decoded first: "%2e%2e" and "..%2f" are dot segments to whoever decodes the path later.
  std::string decoded = base::PercentDecode(path.substr(0, path.find('?')));
  std::string_view rest = decoded;
  while (!rest.empty()) {
    size_t end = rest.find_first_of("/\\");
    std::string_view segment = rest.substr(0, end);
    if (segment == "." || segment == "..") return true;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

namespace {

// 400 for a path with a "." or ".." segment: routes match the path as sent, and a forward
// appends it to its upstream's path, where such a segment could climb out of it.
base::Status CheckPathSegments(const RequestHeader& head) {
  if (!HasDotSegment(head.target())) return base::Status::Ok();
  return base::InvalidArgument("the request path must not have '.' or '..' segments, got '" +
                               std::string(head.target().substr(0, 64)) + "'");
}

// 400 for a '%' in the path that is not followed by two hex digits (RFC 3986 pct-encoded):
// the path's parameters could not be decoded. The query is left as sent.
base::Status CheckPercentEncoding(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  for (size_t i = path.find('%'); i != std::string_view::npos; i = path.find('%', i + 1)) {
    if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      return base::InvalidArgument(
          "the request path has a '%' that is not followed by two hex digits, got '" +
          std::string(path.substr(0, 64)) + "'");
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Status NormalizeRequestTarget(RequestHeader& head) {
  // An absolute-form target's scheme and authority hold no such segment of their own.
  base::Status checked = CheckPathSegments(head);
  if (!checked.ok()) return checked;
  std::string_view target = head.target();
  // A fragment is the client's own (RFC 9112 section 3.2): a target that carries one is
  // malformed, and an upstream it was forwarded to might read it otherwise.
  if (target.find('#') != std::string_view::npos) {
    return base::InvalidArgument("the request target must not have a #fragment, got '" +
                                 std::string(target.substr(0, 64)) + "'");
  }
  // The asterisk form names the server, not a resource: for OPTIONS only (RFC 9112 section
  // 3.2.4), and no route takes it (QA: a /{token} route took POST * with token "*").
  if (target == "*") {
    if (head.method() == boost::beast::http::verb::options) return base::Status::Ok();
    return base::InvalidArgument("the request target '*' is for OPTIONS only");
  }
  if (target.starts_with('/')) return CheckPercentEncoding(target);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        boost::beast::iequals(target.substr(0, scheme.size()), scheme)) {
      std::string_view rest = target.substr(scheme.size());
      size_t path = rest.find_first_of("/?");
      const std::string_view authority = rest.substr(0, path);
      if (authority.empty() || authority.find('@') != std::string_view::npos) {
        return base::InvalidArgument("the request target's authority must be a host[:port], got '" +
                                     std::string(authority.substr(0, 64)) + "'");
      }
      std::string origin = path == std::string_view::npos ? "/" : std::string(rest.substr(path));
      if (origin.front() == '?') origin.insert(0, "/");
      if (base::Status encoded = CheckPercentEncoding(origin); !encoded.ok()) return encoded;
      // The target's authority is the request's host; a Host field sent with it is ignored
      // (RFC 9112 section 3.2.2).
      head.set(boost::beast::http::field::host, authority);
      head.target(origin);
      return base::Status::Ok();
    }
  }
  return base::InvalidArgument(
      "the request target must be a path starting with '/' (or an "
      "absolute http:// URL), got '" +
      std::string(target.substr(0, 64)) + "'");
}

bool AnnouncesBodyOverLimit(const RequestParser& parser, const ServerLimits& limits) {
  auto cl = parser.content_length();
  return cl && *cl > limits.body_limit;
}

}  // namespace longhaul::http
