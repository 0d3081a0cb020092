// HttpServer: accepts HTTP/1.1 connections and runs a Handler per request.
// Owns the socket: limited, timed reads (header/body limits and timeouts, 100-continue),
// keep-alive and pipelining (requests are answered in order, one at a time per connection),
// and a cap on open connections (one over it is answered 503 and closed). Parser errors are
// answered here (400, 408, 413, 431), as are a Transfer-Encoding other than chunked (501) and
// an HTTP/1.1 request without Host (400), and the connection is closed; the handler never sees
// such a request. Responses are framed here: a
// 1xx/204/304 goes out without body or Content-Length, a HEAD answer without its body.
// Thread-safety: Listen()/Start() before io_context::run; StopAccepting() from any thread.
// Lifetime: the accept loop and connections hold what they use (not the HttpServer), so a
// server may be destroyed once StopAccepting() returned; the io_context must outlive them.
// Each connection runs as one coroutine on its own strand, with a watchdog coroutine beside it
// that enforces the current deadline (idle, header, body, write) by cancelling the socket's
// pending operation; a cut-off read is answered 408.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "http/request_limits.h"
#include "http/types.h"

namespace longhaul::http {

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, base::Logger& log, std::string name, ServerLimits limits,
             Handler handler);
  ~HttpServer();

  // Binds and listens. Returns the bound port (useful with port 0), or kUnavailable.
  base::Result<uint16_t> Listen(const std::string& host, uint16_t port);
  // The address listened on: the one given, or "0.0.0.0" where "::" fell back to IPv4.
  const std::string& host() const { return host_; }
  // Starts accepting (posts the accept loop to the io_context).
  void Start();
  // Stops accepting new connections; open connections finish their current request and close.
  void StopAccepting();

  int active_connections() const { return state_->connections.load(); }

  struct State {
    std::atomic<int> connections{0};
    std::atomic<int> refusing{0};  // connections over the cap being answered 503
    std::atomic<bool> stopping{false};
    base::LogThrottle refused_log;  // connections turned away (max_connections, foreign peers)
  };

 private:
  boost::asio::io_context& ioc_;
  // The accept loop and StopAccepting()'s close run here, one at a time.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  base::Logger& log_;
  std::string name_;
  ServerLimits limits_;
  Handler handler_;
  // Shared with the accept loop and StopAccepting()'s posted close, which outlive no owner.
  std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::string host_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace longhaul::http
