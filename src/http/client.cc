#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace longhaul::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return "";
}

base::Result<ClientResponse> Fetch(const ClientRequest& req) {
  auto url = boost::urls::parse_uri(req.url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return base::InvalidArgument("invalid URL '" + req.url + "': expected http://host:port/path");
  }
  std::string host = url->host();
  if (url->host_type() == boost::urls::host_type::ipv6) {
    host = host.substr(1, host.size() - 2);
  }
  std::string port = url->has_port() ? std::string(url->port()) : "80";
  std::string target = std::string(url->encoded_path());
  if (target.empty()) target = "/";
  if (url->has_query()) target += "?" + std::string(url->encoded_query());

  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  bh::request<bh::string_body> r{bh::string_to_verb(req.method), target, 11};
  r.set(bh::field::host, std::string(url->encoded_host_and_port()));
  for (const auto& [k, v] : req.headers) r.set(k, v);
  r.body() = req.body;
  r.prepare_payload();
  r.keep_alive(false);

  beast::error_code result_ec;
  ClientResponse out;
  bh::response_parser<bh::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  parser.skip(r.method() == bh::verb::head);  // the answer to a HEAD has fields only
  beast::flat_buffer buffer;
  asio::ip::tcp::resolver resolver(ioc);

  stream.expires_after(req.timeout);
  resolver.async_resolve(host, port, [&](beast::error_code ec, auto results) {
    if (ec) {
      result_ec = ec;
      return;
    }
    stream.async_connect(results, [&](beast::error_code ec, auto) {
      if (ec) {
        result_ec = ec;
        return;
      }
      bh::async_write(stream, r, [&](beast::error_code ec, size_t) {
        if (ec) {
          result_ec = ec;
          return;
        }
        bh::async_read(stream, buffer, parser,
                       [&](beast::error_code ec, size_t) { result_ec = ec; });
      });
    });
  });
  ioc.run();
  if (result_ec == beast::error::timeout) {
    return base::DeadlineExceeded("no answer from " + req.url + " in time");
  }
  if (result_ec) {
    return base::Unavailable("cannot reach " + req.url + ": " + result_ec.message());
  }
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) out.headers.emplace_back(f.name_string(), f.value());
  out.body = std::move(res.body());
  return out;
}

}  // namespace longhaul::http
