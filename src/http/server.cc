#include "http/server.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cerrno>
#include <exception>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/time_format.h"
#include "http/error_mapping.h"
#include "http/peer_user.h"
#include "http/peer_watch.h"
#include "http/response_bytes.h"

namespace longhaul::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string BodyOverLimit(const ServerLimits& limits) {
  return "request body is over the limit of " + std::to_string(limits.body_limit) + " bytes";
}

// The 413 for a request (whose header is `head`) with a body over the limit: the listener's own
// answer when it has one for this request, else the generic JSON error.
Response BodyTooLarge(const RequestHeader& head, const ServerLimits& limits) {
  if (limits.body_too_large) {
    if (std::optional<Response> own = limits.body_too_large(head, limits.body_limit)) {
      return std::move(*own);
    }
  }
  return ErrorResponse(413, base::Code::kPayloadTooLarge, BodyOverLimit(limits));
}

// Maps a read error to the answer the client gets before we close, or nothing (just close).
// `head` is what the parser has read of the request: all of its header for body_limit, which
// Beast reports for a Content-Length over the limit once the header ends, or for a chunked body
// that grows over it.
std::optional<Response> AnswerForReadError(const beast::error_code& ec, const RequestHeader& head,
                                           const ServerLimits& limits) {
  if (ec == beast::http::error::body_limit) return BodyTooLarge(head, limits);
  if (ec == beast::http::error::header_limit) {
    return ErrorResponse(431, base::Code::kInvalidArgument,
                         "request header is over the limit of " +
                             std::to_string(limits.header_limit) +
                             " bytes (so is a field over 65535 bytes, and a chunked body's size "
                             "line or trailers over the limit)");
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

// The answer for a request whose header (all read, the body not yet) the server refuses, or
// nullopt to go on.
std::optional<Response> RefusalBeforeBody(RequestParser& parser, const ServerLimits& limits) {
  if (base::Status refused = CheckRequestHeader(parser); !refused.ok()) {
    return ErrorResponse(refused);
  }
  if (base::Status bad = NormalizeRequestTarget(parser.get()); !bad.ok()) {
    return ErrorResponse(bad);
  }
  if (AnnouncesBodyOverLimit(parser, limits)) return BodyTooLarge(parser.get(), limits);
  return std::nullopt;
}

// Makes a handler's answer ready to send: the request's version, keep-alive, and framing.
// Sets Date (RFC 9110 section 6.6.1: an origin server with a clock sends it) unless the answer
// has one (an upstream's, passed on). Formatted once a second per thread.
void SetDate(Response& res) {
  if (res.find(beast::http::field::date) != res.end()) return;
  thread_local int64_t formatted_second = -1;
  thread_local std::string date;
  const base::TimePoint now = base::SystemClock().Now();
  const int64_t second = base::ToUnixMs(now) / 1000;
  if (second != formatted_second) {
    date = base::FormatHttpDate(now);
    formatted_second = second;
  }
  res.set(beast::http::field::date, date);
}

void FinishResponse(Response& res, unsigned version, bool keep_alive) {
  if (res.result_int() < 200) {
    // An interim status as the final answer would leave the client waiting for the real one.
    res = ErrorResponse(
        500, base::Code::kInternal,
        "the handler answered with interim status " + std::to_string(res.result_int()));
  }
  res.version(version);
  res.keep_alive(keep_alive);
  SetDate(res);
  // Framing the handler set (Content-Length or chunked) is kept, except on a 204 or 304, which
  // can have neither.
  if (IsBodylessStatus(res.result_int()) || (!res.has_content_length() && !res.chunked())) {
    PreparePayload(res);
  }
}

using SteadyTime = std::chrono::steady_clock::time_point;

// One connection: its socket, and a deadline that a watchdog coroutine enforces by cancelling
// the socket's pending operation. Moving the deadline later is a plain store (the watchdog finds
// the new one when its timer fires), so a keep-alive request that arrives whole and is answered
// with one send touches no timer at all; only an earlier deadline (a slow client) re-arms it.
struct Connection {
  explicit Connection(tcp::socket s)
      : socket(std::move(s)), timer(socket.get_executor(), SteadyTime::max()) {}

  void SetDeadline(SteadyTime at) {
    deadline = at;
    timed_out = false;  // a cut-off operation is classified before the next deadline is set
    if (at < timer.expiry()) timer.expires_at(at);  // wakes the watchdog to wait for `at`
  }
  void SetTimeout(base::Duration d) { SetDeadline(std::chrono::steady_clock::now() + d); }
  void NoDeadline() { deadline = SteadyTime::max(); }

  tcp::socket socket;
  asio::steady_timer timer;
  SteadyTime deadline = SteadyTime::max();
  bool timed_out = false;  // the watchdog cancelled an operation
  bool closed = false;
};

// A request's PeerWatch: once started, a wait for the socket to turn readable while the answer
// is made. End of stream or an error there means the client closed the connection; data is its
// next (pipelined) request, read after this answer. Finish() ends the wait.
class RequestPeer : public PeerWatch, public std::enable_shared_from_this<RequestPeer> {
 public:
  RequestPeer(std::shared_ptr<Connection> conn, bool has_next) : conn_(std::move(conn)) {
    started_ = has_next;  // the next request is read already: nothing to learn from the socket
  }
  void Start() override {
    if (started_) return;
    started_ = true;
    asio::co_spawn(conn_->socket.get_executor(), Watch(shared_from_this()), asio::detached);
  }
  // On the connection's strand, once the answer is made.
  void Finish() {
    finished_ = true;
    if (!started_) return;
    beast::error_code ignored;
    conn_->socket.cancel(ignored);  // only the watch's wait is pending now
  }

 private:
  static asio::awaitable<void> Watch(std::shared_ptr<RequestPeer> self) {
    auto [ec] = co_await self->conn_->socket.async_wait(tcp::socket::wait_read, kTuple);
    if (self->finished_ || ec == asio::error::operation_aborted) co_return;
    char byte = 0;
    const ssize_t n =
        ::recv(self->conn_->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) self->MarkGone();
  }

  std::shared_ptr<Connection> conn_;
  bool started_ = false;
  bool finished_ = false;
};

asio::awaitable<void> Watchdog(std::shared_ptr<Connection> c) {
  while (!c->closed) {
    auto [ec] = co_await c->timer.async_wait(kTuple);
    if (c->closed) break;
    if (ec) continue;  // SetDeadline moved the expiry earlier: wait for that
    if (std::chrono::steady_clock::now() >= c->deadline) {
      c->timed_out = true;
      c->deadline = SteadyTime::max();
      beast::error_code ignored;
      c->socket.cancel(ignored);
    }
    c->timer.expires_at(c->deadline);
  }
}

// An error from an operation the watchdog cut short is a timeout.
beast::error_code Classify(Connection& c, beast::error_code ec) {
  if (ec == asio::error::operation_aborted && c.timed_out) return beast::error::timeout;
  return ec;
}

// Writes all of `bytes`: first straight from this thread (the socket is non-blocking), then,
// for what the kernel would not take at once, asynchronously within `timeout`.
asio::awaitable<beast::error_code> WriteAll(Connection& c, std::string_view bytes,
                                            base::Duration timeout) {
  beast::error_code ec;
  size_t sent = c.socket.write_some(asio::buffer(bytes), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    ec = {};
    sent = 0;
  }
  if (ec || sent == bytes.size()) co_return ec;
  c.SetTimeout(timeout);
  auto [wec, wn] = co_await asio::async_write(c.socket, asio::buffer(bytes.substr(sent)), kTuple);
  co_return Classify(c, wec);
}

// Feeds the parser from `buffer`, reading more from the socket when it needs it, until the
// header is complete (`header_only`) or the whole message is. The first wait for more bytes
// starts `timeout`. A header over `header_limit` bytes is header_limit (PutBuffered).
asio::awaitable<beast::error_code> ReadInto(Connection& c, beast::flat_buffer& buffer,
                                            RequestParser& parser, bool header_only,
                                            base::Duration timeout, uint64_t header_limit) {
  bool waited = false;
  uint64_t header_bytes = 0;
  for (;;) {
    if (buffer.size() > 0) {
      const size_t before = buffer.size();
      beast::error_code ec = PutBuffered(parser, buffer, header_limit, header_bytes);
      if (ec && ec != beast::http::error::need_more) co_return ec;
      if (header_only ? parser.is_header_done() : parser.is_done()) co_return beast::error_code{};
      if (!ec && buffer.size() < before) continue;  // more may parse from what is buffered
    }
    if (!waited) {
      waited = true;
      c.SetTimeout(timeout);
    }
    auto [ec, n] = co_await c.socket.async_read_some(buffer.prepare(16 * 1024), kTuple);
    if (ec == asio::error::eof) {
      if (!parser.got_some()) co_return beast::http::error::end_of_stream;
      beast::error_code eof_ec;
      parser.put_eof(eof_ec);
      if (!eof_ec && parser.is_done()) co_return beast::error_code{};
      co_return eof_ec ? eof_ec : beast::http::error::partial_message;
    }
    if (ec) co_return Classify(c, ec);
    buffer.commit(n);
  }
}

// How long a connection closed with an answer the client may not have waited for (a refusal
// sent before its body was read, a 503 over max_connections) still takes what the client sends:
// closing it with unread bytes would reset it, and a client still sending its body would get
// "connection reset" or "broken pipe" instead of the answer (nginx's lingering close).
constexpr base::Duration kLinger = std::chrono::seconds(2);

// `head_request`: the answer is to a HEAD request (fields only, see AppendResponseBytes).
// Writes the answer, closes the sending side, then reads and discards until the client closes
// or kLinger passes.
asio::awaitable<void> WriteAndClose(Connection& c, Response res, base::Duration timeout,
                                    bool head_request = false) {
  res.keep_alive(false);
  SetDate(res);
  PreparePayload(res);
  std::string bytes;
  AppendResponseBytes(res, bytes, /*with_body=*/!head_request);
  if (co_await WriteAll(c, bytes, timeout)) co_return;
  beast::error_code ignored;
  c.socket.shutdown(tcp::socket::shutdown_send, ignored);
  c.SetTimeout(kLinger);
  std::array<char, 16 * 1024> sink;
  for (;;) {
    auto [ec, n] = co_await c.socket.async_read_some(asio::buffer(sink), kTuple);
    if (ec) break;
  }
}

// g++ 12 warns -Wmismatched-new-delete at the end of this coroutine once it is inlined into
// AcceptLoop: a false positive. Asio's awaitable frames come from its own operator new and go
// back through its matching operator delete(void*, size_t) (see admin/admin_handler.cc).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> Session(std::shared_ptr<Connection> conn, ServerLimits limits,
                              Handler handler, std::shared_ptr<HttpServer::State> state,
                              base::Logger& log) {
  Connection& c = *conn;
  ConnInfo info;
  {
    beast::error_code ec;
    auto ep = c.socket.remote_endpoint(ec);
    if (!ec) {
      // An IPv4 sender on a dual-stack listener ([::]) is itself, not ::ffff:1.2.3.4 (for
      // ip-whitelist rules, X-Forwarded-For, LONGHAUL_REMOTE_ADDR).
      const asio::ip::address a = ep.address();
      info.remote_addr = a.is_v6() && a.to_v6().is_v4_mapped()
                             ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string()
                             : a.to_string();
    }
    auto lp = c.socket.local_endpoint(ec);
    if (!ec) info.local_port = lp.port();
  }
  beast::flat_buffer buffer;
  std::string out;
  try {
    for (;;) {
      // Idle until the first byte of the next request; then the header must arrive within
      // `header_timeout` (slowloris) and the body within `body_timeout`.
      if (buffer.size() == 0) {
        c.SetTimeout(limits.idle_timeout);
        auto [ec, n] = co_await c.socket.async_read_some(buffer.prepare(16 * 1024), kTuple);
        if (ec) break;
        buffer.commit(n);
      }
      // A chunk's extensions count against header_limit however the bytes arrive (PutBuffered
      // sees only what waits in the buffer). Declared first: the parser keeps a reference.
      auto chunk_line = [limit = limits.header_limit](uint64_t, std::string_view extensions,
                                                      beast::error_code& ec) {
        if (extensions.size() > limit) ec = beast::http::error::header_limit;
      };
      RequestParser parser;
      ConfigureParser(parser, limits);
      parser.on_chunk_header(chunk_line);
      beast::error_code hec = co_await ReadInto(c, buffer, parser, /*header_only=*/true,
                                                limits.header_timeout, limits.header_limit);
      if (hec) {
        if (auto answer = AnswerForReadError(hec, parser.get(), limits)) {
          co_await WriteAndClose(c, std::move(*answer), limits.header_timeout);
        }
        break;
      }
      auto& header = parser.get();
      const bool head_request = header.method() == beast::http::verb::head;
      // The parser's verdict counts every Connection line, the message's only the first (QA: a
      // `close` on a second line left the connection open for the next request); taken before
      // the body, whose trailers are no header fields.
      const bool header_keep_alive = parser.keep_alive();
      if (auto refusal = RefusalBeforeBody(parser, limits)) {
        co_await WriteAndClose(c, std::move(*refusal), limits.header_timeout, head_request);
        break;
      }
      // Not to HTTP/1.0: it has no 1xx answers (RFC 9110 section 10.1.1).
      if (!parser.is_done() && header.version() >= 11 &&
          beast::iequals(header[beast::http::field::expect], "100-continue")) {
        if (auto answer =
                limits.answer_before_body ? limits.answer_before_body(header) : std::nullopt) {
          co_await WriteAndClose(c, std::move(*answer), limits.header_timeout, head_request);
          break;
        }
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        if (co_await WriteAll(c, kContinue, limits.header_timeout)) break;
      }
      if (!parser.is_done()) {
        // Beast adds a chunked body's trailers to the header's fields (each after the fields
        // of its name); they are not header fields (RFC 9110 section 6.5.1): a trailer must
        // not add a second Host, nor reach the job. The header is kept to be put back.
        std::vector<std::pair<std::string, std::string>> header_fields;
        if (parser.chunked()) {
          for (const auto& field : header) {
            header_fields.emplace_back(field.name_string(), field.value());
          }
        }
        beast::error_code bec = co_await ReadInto(c, buffer, parser, /*header_only=*/false,
                                                  limits.body_timeout, limits.header_limit);
        if (bec) {
          if (auto answer = AnswerForReadError(bec, header, limits)) {
            co_await WriteAndClose(c, std::move(*answer), limits.header_timeout, head_request);
          }
          break;
        }
        if (parser.chunked() && std::distance(header.begin(), header.end()) !=
                                    static_cast<std::ptrdiff_t>(header_fields.size())) {
          // The fields that were not in the header are the trailers.
          std::multiset<std::pair<std::string, std::string>> in_header(header_fields.begin(),
                                                                       header_fields.end());
          uint64_t trailer_bytes = 0;  // as sent: "name: value\r\n" each
          for (const auto& field : header) {
            std::pair<std::string, std::string> f(field.name_string(), field.value());
            if (auto it = in_header.find(f); it != in_header.end()) {
              in_header.erase(it);
            } else {
              trailer_bytes += f.first.size() + f.second.size() + 4;
              info.trailers.push_back(std::move(f));
            }
          }
          header.clear();
          for (const auto& [name, value] : header_fields) header.insert(name, value);
          if (trailer_bytes > limits.header_limit) {
            // Bounded as header fields are, however the bytes arrived.
            co_await WriteAndClose(
                c, *AnswerForReadError(beast::http::error::header_limit, header, limits),
                limits.header_timeout, head_request);
            break;
          }
        }
      }
      Request req = parser.release();
      bool keep_alive = header_keep_alive && !state->stopping.load();
      c.NoDeadline();
      auto peer = std::make_shared<RequestPeer>(conn, buffer.size() != 0);
      info.peer = peer.get();
      Response res = co_await handler(req, info);
      peer->Finish();
      info.peer = nullptr;
      info.trailers.clear();
      FinishResponse(res, req.version(), keep_alive);
      out.clear();
      AppendResponseBytes(res, out, /*with_body=*/!head_request);
      beast::error_code wec = co_await WriteAll(c, out, limits.body_timeout);
      if (wec || !keep_alive) {
        beast::error_code ignored;
        c.socket.shutdown(tcp::socket::shutdown_send, ignored);
        break;
      }
    }
  } catch (const std::exception& e) {
    // Last resort: handlers return errors as values; anything thrown here is a bug.
    log.Error("http.connection_exception", {{"what", e.what()}});
  }
  c.closed = true;
  c.timer.cancel();
  state->connections.fetch_sub(1);
}
#pragma GCC diagnostic pop

// How many connections over max_connections may be getting their 503 at once; any beyond are
// closed without an answer.
constexpr int kMaxRefusing = 64;
// After a failed accept (out of file descriptors), the wait before the next try.
constexpr base::Duration kAcceptRetry = std::chrono::milliseconds(100);

// A connection over max_connections: 503, then a short lingering close.
asio::awaitable<void> Refuse(std::shared_ptr<Connection> conn, int max_connections,
                             std::shared_ptr<HttpServer::State> state) {
  Connection& c = *conn;
  Response res = ErrorResponse(503, base::Code::kUnavailable,
                               "too many connections: this server takes at most " +
                                   std::to_string(max_connections) +
                                   " at once (server.max_connections); try again later");
  res.set(beast::http::field::retry_after, "1");
  co_await WriteAndClose(c, std::move(res), std::chrono::seconds(1));
  c.closed = true;
  c.timer.cancel();
  state->refusing.fetch_sub(1);
}

// Runs on the acceptor's strand (HttpServer::strand_); each connection gets a strand of its own
// on `connections`, the io_context.
asio::awaitable<void> AcceptLoop(std::shared_ptr<tcp::acceptor> acceptor,
                                 asio::io_context::executor_type connections, ServerLimits limits,
                                 Handler handler, std::shared_ptr<HttpServer::State> state,
                                 base::Logger& log, std::string name) {
  auto ex = co_await asio::this_coro::executor;
  bool failing = false;  // accepts fail (e.g. EMFILE): logged once until one succeeds
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(connections), kTuple);
    if (state->stopping.load()) break;
    if (ec) {
      if (ec == asio::error::operation_aborted) break;
      // Keep serving what we have; the pending connection stays queued, so retrying at once
      // would spin.
      if (!failing) log.Warn("http.accept_failed", {{"listener", name}, {"error", ec.message()}});
      failing = true;
      asio::steady_timer pause(ex, kAcceptRetry);
      co_await pause.async_wait(kTuple);
      continue;
    }
    if (failing) log.Info("http.accept_resumed", {{"listener", name}});
    failing = false;
    if (state->connections.load() >= limits.max_connections) {
      if (uint64_t held = 0; state->refused_log.Allow(&held)) {
        log.Warn("http.connections_refused",
                 {{"max_connections", std::to_string(limits.max_connections), true},
                  {"refused_since_last", std::to_string(held + 1), true}});
      }
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      if (state->refusing.load() >= kMaxRefusing || ignored) continue;  // closed unanswered
      state->refusing.fetch_add(1);
      auto sex = socket.get_executor();
      auto conn = std::make_shared<Connection>(std::move(socket));
      asio::co_spawn(sex, Watchdog(conn), asio::detached);
      asio::co_spawn(sex, Refuse(std::move(conn), limits.max_connections, state), asio::detached);
      continue;
    }
    if (limits.this_user_only) {
      beast::error_code local_ec, remote_ec;
      const tcp::endpoint local = socket.local_endpoint(local_ec);
      const tcp::endpoint remote = socket.remote_endpoint(remote_ec);
      if (local_ec || remote_ec || !PeerIsThisUser(local, remote)) {
        if (uint64_t held = 0; state->refused_log.Allow(&held)) {
          log.Warn("http.foreign_peer_refused",
                   {{"port", std::to_string(local.port()), true},
                    {"refused_since_last", std::to_string(held + 1), true}});
        }
        continue;  // closed unanswered
      }
    }
    socket.set_option(tcp::no_delay(true), ec);
    socket.non_blocking(true, ec);  // WriteAll's first send must never block the thread
    if (ec) continue;
    state->connections.fetch_add(1);
    auto sex = socket.get_executor();
    auto conn = std::make_shared<Connection>(std::move(socket));
    asio::co_spawn(sex, Watchdog(conn), asio::detached);
    asio::co_spawn(sex, Session(std::move(conn), limits, handler, state, log), asio::detached);
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, base::Logger& log, std::string name,
                       ServerLimits limits, Handler handler)
    : ioc_(ioc),
      strand_(asio::make_strand(ioc)),
      log_(log),
      name_(std::move(name)),
      limits_(limits),
      handler_(std::move(handler)) {}

HttpServer::~HttpServer() = default;

base::Result<uint16_t> HttpServer::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return base::InvalidArgument("invalid listen address '" + host + "'");
  tcp::endpoint ep(addr, port);
  acceptor_ = std::make_shared<tcp::acceptor>(ioc_);
  acceptor_->open(ep.protocol(), ec);
  // "::" is every address of both families, whatever net.ipv6.bindv6only says; on a machine
  // without IPv6, every IPv4 one.
  const bool any = addr.is_v6() && addr.is_unspecified();
  if (any && ec == asio::error::address_family_not_supported) {
    return Listen("0.0.0.0", port);
  }
  if (!ec && any) acceptor_->set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    // Out of descriptors is the server's own shortage (a Lambda runtime's endpoint cannot start).
    return base::Status(
        ShortageOr(ec, base::Code::kUnavailable),
        name_ + ": cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  host_ = host;
  return acceptor_->local_endpoint().port();
}

void HttpServer::Start() {
  asio::co_spawn(strand_,
                 AcceptLoop(acceptor_, ioc_.get_executor(), limits_, handler_, state_, log_, name_),
                 asio::detached);
}

void HttpServer::StopAccepting() {
  state_->stopping.store(true);
  // The posted close holds the acceptor, not this server: the server may go before it runs.
  // On the accept loop's strand: an acceptor is not safe to close while another thread starts
  // an accept on it (ThreadSanitizer saw that race for a runtime endpoint stopped at once).
  asio::post(strand_, [acceptor = acceptor_] {
    beast::error_code ignored;
    if (acceptor) acceptor->close(ignored);
  });
}

}  // namespace longhaul::http
