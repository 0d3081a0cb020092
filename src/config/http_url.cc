#include "config/http_url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

namespace longhaul::config {

base::Result<HttpUrl> ParseHttpUrl(std::string_view text) {
  if (text.find('#') != std::string_view::npos) {
    return base::InvalidArgument("url '" + std::string(text) +
                                 "' has a fragment ('#…'), which is never sent");
  }
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return base::InvalidArgument(
        "invalid url '" + std::string(text) +
        "': write it as http[s]://host[:port][/path][?query], other characters %-escaped (" +
        parsed.error().message() + ")");
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http && u.scheme_id() != boost::urls::scheme::https) {
    return base::InvalidArgument("url '" + std::string(text) +
                                 "': only http:// and https:// are supported");
  }
  if (u.has_userinfo()) {
    return base::InvalidArgument("url '" + std::string(text) +
                                 "': credentials in the url are not supported; use headers");
  }
  HttpUrl url;
  url.host = u.host_address();
  if (url.host.empty()) {
    return base::InvalidArgument("url '" + std::string(text) + "' has no host");
  }
  url.tls = u.scheme_id() == boost::urls::scheme::https;
  url.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : url.tls ? "443" : "80";
  unsigned port = 0;
  auto [end, ec] = std::from_chars(url.port.data(), url.port.data() + url.port.size(), port);
  if (ec != std::errc() || end != url.port.data() + url.port.size() || port == 0 || port > 65535) {
    return base::InvalidArgument("url '" + std::string(text) + "': port '" + url.port +
                                 "' is not a number from 1 to 65535");
  }
  url.host_header = u.encoded_host_and_port();
  url.path = u.encoded_path();
  // Boost.URL 1.81 reads "host:80x/" as port 80 and path "x/".
  if (!url.path.empty() && url.path.front() != '/') {
    return base::InvalidArgument("url '" + std::string(text) +
                                 "': the port is not a number, or the path does not start with /");
  }
  url.query = u.encoded_query();
  return url;
}

}  // namespace longhaul::config
