#include "http/request_limits.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <limits>
#include <string_view>

namespace longhaul::http {

void ConfigureParser(RequestParser& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<uint32_t>(
      std::min<uint64_t>(limits.header_limit, std::numeric_limits<uint32_t>::max())));
  parser.body_limit(limits.body_limit);
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
  if (head.version() >= 11 && head.find(beast_http::field::host) == head.end()) {
    return base::InvalidArgument("missing Host header");
  }
  return base::Status::Ok();
}

base::Status NormalizeRequestTarget(RequestHeader& head) {
  std::string_view target = head.target();
  if (target.starts_with('/') || target == "*") return base::Status::Ok();
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        boost::beast::iequals(target.substr(0, scheme.size()), scheme)) {
      std::string_view rest = target.substr(scheme.size());
      size_t path = rest.find_first_of("/?");
      std::string origin = path == std::string_view::npos ? "/" : std::string(rest.substr(path));
      if (origin.front() == '?') origin.insert(0, "/");
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
