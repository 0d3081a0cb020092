#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>

#include "http/error_mapping.h"

namespace longhaul::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Maps a read error to the answer the client gets before we close, or nothing (just close).
std::optional<Response> AnswerForReadError(const beast::error_code& ec) {
  if (ec == beast::http::error::body_limit) {
    return ErrorResponse(413, base::Code::kPayloadTooLarge, "request body is over the limit");
  }
  if (ec == beast::http::error::header_limit) {
    return ErrorResponse(431, base::Code::kInvalidArgument, "request header is over the limit");
  }
  if (ec == beast::error::timeout) {
    return ErrorResponse(408, base::Code::kDeadlineExceeded, "request not received in time");
  }
  if (ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
    return std::nullopt;
  }
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_method).category()) {
    return ErrorResponse(400, base::Code::kInvalidArgument,
                         "malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

asio::awaitable<void> WriteAndClose(beast::tcp_stream& stream, Response res,
                                    base::Duration timeout) {
  res.keep_alive(false);
  res.prepare_payload();
  stream.expires_after(timeout);
  co_await beast::http::async_write(stream, res, kTuple);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> Session(beast::tcp_stream stream, ServerLimits limits, Handler handler,
                              std::shared_ptr<HttpServer::State> state, base::Logger& log) {
  ConnInfo info;
  {
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) info.remote_addr = ep.address().to_string();
    auto lp = stream.socket().local_endpoint(ec);
    if (!ec) info.local_port = lp.port();
  }
  beast::flat_buffer buffer;
  try {
    for (;;) {
      // Wait for the first byte of the next request under the idle timeout, then give the
      // whole header `header_timeout` (slowloris), then the body `body_timeout`.
      if (buffer.size() == 0) {
        stream.expires_after(limits.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), kTuple);
        if (ec) break;
        buffer.commit(n);
      }
      RequestParser parser;
      ConfigureParser(parser, limits);
      stream.expires_after(limits.header_timeout);
      auto [hec, hn] = co_await beast::http::async_read_header(stream, buffer, parser, kTuple);
      if (hec) {
        if (auto answer = AnswerForReadError(hec)) {
          co_await WriteAndClose(stream, std::move(*answer), limits.header_timeout);
        }
        break;
      }
      auto& header = parser.get();
      if (AnnouncesBodyOverLimit(parser, limits)) {
        co_await WriteAndClose(stream,
                               ErrorResponse(413, base::Code::kPayloadTooLarge,
                                             "request body is over the limit of " +
                                                 std::to_string(limits.body_limit) + " bytes"),
                               limits.header_timeout);
        break;
      }
      if (beast::iequals(header[beast::http::field::expect], "100-continue")) {
        beast::http::response<beast::http::empty_body> cont{beast::http::status::continue_, 11};
        stream.expires_after(limits.header_timeout);
        auto [cec, cn] = co_await beast::http::async_write(stream, cont, kTuple);
        if (cec) break;
      }
      if (!parser.is_done()) {
        stream.expires_after(limits.body_timeout);
        auto [bec, bn] = co_await beast::http::async_read(stream, buffer, parser, kTuple);
        if (bec) {
          if (auto answer = AnswerForReadError(bec)) {
            co_await WriteAndClose(stream, std::move(*answer), limits.header_timeout);
          }
          break;
        }
      }
      Request req = parser.release();
      bool keep_alive = req.keep_alive() && !state->stopping.load();
      stream.expires_never();
      Response res = co_await handler(req, info);
      res.version(req.version());
      res.keep_alive(keep_alive);
      if (!res.has_content_length() && !res.chunked()) res.prepare_payload();
      stream.expires_after(limits.body_timeout);
      auto [wec, wn] = co_await beast::http::async_write(stream, res, kTuple);
      if (wec || !keep_alive) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        break;
      }
    }
  } catch (const std::exception& e) {
    // Last resort: handlers return errors as values; anything thrown here is a bug.
    log.Error("http.connection_exception", {{"what", e.what()}});
  }
  state->connections.fetch_sub(1);
}

asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor, ServerLimits limits, Handler handler,
                                 std::shared_ptr<HttpServer::State> state, base::Logger& log) {
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ex), kTuple);
    if (state->stopping.load()) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      continue;  // e.g. EMFILE: keep serving what we have
    }
    if (state->connections.load() >= limits.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    state->connections.fetch_add(1);
    auto sex = socket.get_executor();
    asio::co_spawn(sex, Session(beast::tcp_stream(std::move(socket)), limits, handler, state, log),
                   asio::detached);
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, base::Logger& log, std::string name,
                       ServerLimits limits, Handler handler)
    : ioc_(ioc), log_(log), name_(std::move(name)), limits_(limits), handler_(std::move(handler)) {}

HttpServer::~HttpServer() = default;

base::Result<uint16_t> HttpServer::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return base::InvalidArgument("invalid listen address '" + host + "'");
  tcp::endpoint ep(addr, port);
  acceptor_ = std::make_unique<tcp::acceptor>(ioc_);
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return base::Unavailable(name_ + ": cannot listen on " + host + ":" + std::to_string(port) +
                             ": " + ec.message());
  }
  return acceptor_->local_endpoint().port();
}

void HttpServer::Start() {
  asio::co_spawn(ioc_, AcceptLoop(*acceptor_, limits_, handler_, state_, log_), asio::detached);
}

void HttpServer::StopAccepting() {
  state_->stopping.store(true);
  asio::post(ioc_, [this] {
    beast::error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
  });
}

}  // namespace longhaul::http
