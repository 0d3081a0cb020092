#include "runtime/forward/exchange.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "http/error_mapping.h"
#include "runtime/forward/resolve.h"

namespace longhaul::runtime::forward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::chrono::milliseconds kTick(50);
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// Interim (1xx) responses skipped before giving up on a final one.
constexpr int kMaxInterim = 8;

base::Status TimedOut() { return base::DeadlineExceeded("timed out"); }

base::Status ConnectError(const beast::error_code& ec, const config::HttpUrl& url) {
  if (ec == beast::error::timeout) {
    return TimedOut();
  }
  // Out of descriptors or local ports: this server's shortage, and nothing was sent.
  return base::Status(longhaul::http::ShortageOr(ec, base::Code::kUnavailable),
                      "cannot connect to " + url.host_header + ": " + ec.message());
}

// The client side of every https exchange: peers are checked against the system's trusted
// certificates (Debian's ca-certificates; OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR point it
// elsewhere). Made once: loading the bundle takes milliseconds.
asio::ssl::context& TlsContext() {
  static asio::ssl::context* context = [] {
    auto* c = new asio::ssl::context(asio::ssl::context::tls_client);
    c->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ignored;  // no bundle: every handshake fails verification, clearly
    c->set_default_verify_paths(ignored);
    c->set_verify_mode(asio::ssl::verify_peer);
    return c;
  }();
  return *context;
}

base::Status HandshakeError(const beast::error_code& ec, const config::HttpUrl& url, SSL* ssl) {
  if (ec == beast::error::timeout) {
    return TimedOut();
  }
  std::string reason = ec.message();
  if (long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
    reason = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  return base::Unavailable("TLS handshake with " + url.host_header + " failed: " + reason);
}

base::Status WriteError(const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return TimedOut();
  }
  return base::Unavailable("sending to upstream failed: " + ec.message());
}

base::Status ReadError(const beast::error_code& ec, const ExchangeLimits& limits) {
  if (ec == beast::error::timeout) {
    return TimedOut();
  }
  if (ec == http::error::body_limit) {
    return base::FailedPrecondition("upstream response body is larger than " +
                                    std::to_string(limits.body_limit) + " bytes");
  }
  if (ec == http::error::header_limit) {
    return base::FailedPrecondition("upstream response headers are larger than " +
                                    std::to_string(limits.header_limit) + " bytes");
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset) {
    return base::Unavailable("upstream closed the connection before a whole response: " +
                             ec.message());
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return {base::Code::kUnknown, "bad response from upstream: " + ec.message()};
  }
  return base::Unavailable("reading from upstream failed: " + ec.message());
}

// One exchange's I/O objects, all on a private io_context run by the calling thread.
class Exchanger {
 public:
  Exchanger(const config::HttpUrl& url, const OutgoingRequest& request, SteadyTime deadline,
            const ExchangeLimits& limits)
      : url_(url), request_(request), deadline_(deadline), limits_(limits) {}

  base::Result<store::Response> Run(const CancelToken& cancel) {
    auto endpoints = Resolve(url_.host, url_.port, deadline_, cancel, kTick);
    if (!endpoints.ok()) return endpoints.status();
    asio::co_spawn(ioc_, Communicate(std::move(*endpoints)), [this](const std::exception_ptr& e) {
      if (e) {
        result_ = base::Internal("forwarding failed with an exception");
      }
    });
    bool cancelled = false;
    bool timed_out = false;
    while (!ioc_.stopped()) {
      ioc_.run_for(kTick);
      if (ioc_.stopped() || cancelled || timed_out) {
        continue;
      }
      // The stream's own timer ends connect, handshake, write and read at the deadline; this
      // also ends them at a cancel.
      if (cancel.cancelled()) {
        cancelled = true;
        Stop();
      } else if (std::chrono::steady_clock::now() >= deadline_) {
        timed_out = true;
        Stop();
      }
    }
    if (cancelled) {
      return base::Cancelled("cancelled");
    }
    if (timed_out) {
      return TimedOut();
    }
    if (!result_) {
      return base::Internal("forwarding ended without a result");
    }
    return std::move(*result_);
  }

 private:
  void Stop() {
    if (tls_) {
      beast::get_lowest_layer(*tls_).close();
    } else {
      stream_.close();
    }
  }

  asio::awaitable<void> Communicate(tcp::resolver::results_type endpoints) {
    stream_.expires_at(deadline_);
    auto [connect_ec, endpoint] = co_await stream_.async_connect(endpoints, kNoThrow);
    if (connect_ec) {
      result_ = ConnectError(connect_ec, url_);
      co_return;
    }
    if (!url_.tls) {
      co_await Talk(stream_);
      stream_.close();
      co_return;
    }
    tls_.emplace(std::move(stream_), TlsContext());
    SSL* ssl = tls_->native_handle();
    boost::system::error_code parse_ec;
    asio::ip::make_address(url_.host, parse_ec);
    // SNI names a host, never an address (RFC 6066 section 3).
    if (parse_ec && SSL_set_tlsext_host_name(ssl, url_.host.c_str()) != 1) {
      result_ = base::Internal("cannot set the TLS server name " + url_.host);
      co_return;
    }
    tls_->set_verify_callback([check = asio::ssl::host_name_verification(url_.host)](
                                  bool preverified, asio::ssl::verify_context& ctx) mutable {
      if (!check(preverified, ctx)) {
        // A trusted chain for another name: say so ("hostname mismatch"), not "unspecified".
        X509_STORE_CTX* store = ctx.native_handle();
        if (preverified && X509_STORE_CTX_get_error(store) == X509_V_OK) {
          X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
        }
        return false;
      }
      return true;
    });
    beast::get_lowest_layer(*tls_).expires_at(deadline_);
    auto [handshake_ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kNoThrow);
    if (handshake_ec) {
      result_ = HandshakeError(handshake_ec, url_, ssl);
      co_return;
    }
    co_await Talk(*tls_);
    // The whole answer is read: no close_notify is waited for.
    beast::get_lowest_layer(*tls_).close();
  }

  // Sends the request on `stream` (connected) and reads the final response into result_.
  template <typename Stream>
  asio::awaitable<void> Talk(Stream& stream) {
    http::request<http::string_body> req;
    req.version(11);
    req.method_string(request_.method);
    req.target(request_.target);
    for (const auto& [name, value] : request_.headers) {
      req.insert(name, value);
    }
    req.body() = request_.body;
    req.prepare_payload();
    beast::get_lowest_layer(stream).expires_at(deadline_);
    auto [write_ec, written] = co_await http::async_write(stream, req, kNoThrow);
    // An upstream may answer before it has read the whole body (a 413, a 401) and close: its
    // answer is read as any other; only without one is the failed write the error.

    beast::flat_buffer buffer;
    for (int interim = 0;; ++interim) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(limits_.body_limit);
      parser.header_limit(limits_.header_limit);
      if (request_.method == "HEAD") {
        parser.skip(true);
      }
      beast::get_lowest_layer(stream).expires_at(deadline_);
      auto [header_ec, header_read] =
          co_await http::async_read_header(stream, buffer, parser, kNoThrow);
      // Fields that come after the body (a chunked body's trailers) are not the answer's
      // headers (RFC 9110 6.5.1): only the header section's are kept.
      const auto header_fields =
          header_ec ? 0 : std::distance(parser.get().begin(), parser.get().end());
      auto [read_ec, read] = header_ec
                                 ? std::tuple(header_ec, size_t{0})
                                 : co_await http::async_read(stream, buffer, parser, kNoThrow);
      if (read_ec) {
        result_ = write_ec ? WriteError(write_ec) : ReadError(read_ec, limits_);
        co_return;
      }
      http::response<http::string_body>& res = parser.get();
      unsigned status = res.result_int();
      if (status >= 100 && status < 200 && status != 101 && interim < kMaxInterim) {
        continue;
      }
      // A protocol switch (101) or interim answers without end is no answer to a request that
      // wants one: the job's response must be a final status (200..599).
      if (status < 200 || status > 599) {
        result_ = base::Status(
            base::Code::kUnknown,
            "bad response from upstream: " +
                (status == 101 ? std::string("101 Switching Protocols (it must not upgrade)")
                 : status >= 100 && status < 200
                     ? "more than " + std::to_string(kMaxInterim) + " interim (1xx) responses"
                     : "status " + std::to_string(status) + " is not 200..599"));
        co_return;
      }
      store::Response response;
      response.status = static_cast<int>(status);
      auto field = res.begin();
      for (auto i = decltype(header_fields){0}; i < header_fields && field != res.end();
           ++i, ++field) {
        response.headers.emplace_back(std::string(field->name_string()),
                                      std::string(field->value()));
      }
      response.body = std::move(res.body());
      result_ = std::move(response);
      break;
    }
  }

  const config::HttpUrl& url_;
  const OutgoingRequest& request_;
  const SteadyTime deadline_;
  const ExchangeLimits limits_;
  asio::io_context ioc_{1};
  beast::tcp_stream stream_{ioc_};  // moved into tls_ for https
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  std::optional<base::Result<store::Response>> result_;
};

}  // namespace

base::Result<store::Response> Exchange(const config::HttpUrl& url, const OutgoingRequest& request,
                                       std::chrono::steady_clock::time_point deadline,
                                       const CancelToken& cancel, const ExchangeLimits& limits) {
  Exchanger exchanger(url, request, deadline, limits);
  return exchanger.Run(cancel);
}

}  // namespace longhaul::runtime::forward
