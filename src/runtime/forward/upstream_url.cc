#include "runtime/forward/upstream_url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace longhaul::runtime::forward {

base::Result<UpstreamUrl> ParseUpstreamUrl(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return base::InvalidArgument("invalid upstream url '" + std::string(text) +
                                 "': " + parsed.error().message());
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http) {
    return base::InvalidArgument("upstream url '" + std::string(text) +
                                 "': only http:// is supported");
  }
  if (u.has_userinfo()) {
    return base::InvalidArgument("upstream url '" + std::string(text) +
                                 "': credentials in the url are not supported; use headers");
  }
  UpstreamUrl url;
  url.host = u.host_address();
  if (url.host.empty()) {
    return base::InvalidArgument("upstream url '" + std::string(text) + "' has no host");
  }
  url.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : "80";
  url.host_header = u.encoded_host_and_port();
  url.path = u.encoded_path();
  url.query = u.encoded_query();
  return url;
}

std::string ForwardTarget(const UpstreamUrl& url, bool exact_path, std::string_view path,
                          std::string_view query) {
  std::string target;
  std::string joined_query = url.query;
  if (exact_path) {
    target = url.path;
  } else {
    target = url.path;
    while (!target.empty() && target.back() == '/') {
      target.pop_back();
    }
    if (path.empty() || path.front() != '/') {
      target += '/';
    }
    target.append(path);
    if (!query.empty()) {
      if (!joined_query.empty()) {
        joined_query += '&';
      }
      joined_query.append(query);
    }
  }
  if (target.empty()) {
    target = "/";
  }
  if (!joined_query.empty()) {
    target += '?';
    target += joined_query;
  }
  return target;
}

}  // namespace longhaul::runtime::forward
