// RawConn: a plain TCP connection to 127.0.0.1:port for tests that send bytes no HTTP client
// library would (hostile or malformed requests, pipelining, Expect: 100-continue) or keep one
// connection open across requests. RawExchange: one request on a fresh connection, all of the
// answer. Every wait has a deadline, which only keeps a broken server from hanging a test.
// A RawConn that could not connect sends nothing and reads nothing, as if the peer stayed silent.
// Thread-safety: a RawConn is used by one thread at a time; separate RawConns and RawExchange
// calls are independent and may run on any threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace longhaul::testing {

class RawConn {
 public:
  // Connects to 127.0.0.1:`port` (blocking); connected() says whether that worked.
  explicit RawConn(int port);
  ~RawConn();  // closes the connection
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Ends the sending side (shutdown(SHUT_WR)): the peer reads end of stream; reads go on.
  void CloseSending();

  // Sends all of `data` (blocking); false when not connected, or once the peer has closed or
  // reset the connection (possibly part-way).
  bool Send(std::string_view data);

  // Whether the peer sent something or closed within `timeout` (true at once when bytes read
  // earlier are still unconsumed).
  bool WaitReadable(std::chrono::milliseconds timeout);

  // The next response, header block and Content-Length body ("" when the connection ended, or
  // `timeout` passed, before it was complete). A response without Content-Length (a 1xx, say)
  // ends with its header block. Bytes after it stay for the next read.
  std::string ReadResponse(std::chrono::milliseconds timeout);

  // Whether the peer closed (or reset) the connection within `timeout` without sending another
  // byte (false at once when bytes read earlier are still unconsumed).
  bool ClosedByPeer(std::chrono::milliseconds timeout);

  // Everything the peer sends until it closes (or resets) the connection, or `timeout` passes;
  // `*closed` says whether it closed.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout, bool* closed);

 private:
  enum class Read { kData, kTimedOut, kClosed };
  // Waits up to `timeout` for the peer, then appends what one recv() gives to buf_. kClosed: the
  // peer closed or reset the connection.
  Read ReadMore(std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string buf_;  // received, not yet returned
};

// Sends `request` to 127.0.0.1:`port` on a new connection and returns all the peer sends until
// it closes the connection (what came within 30 s if it does not; "" if the connection fails).
// Reads even when the peer stops taking the request part-way. Blocks.
std::string RawExchange(int port, std::string_view request);

}  // namespace longhaul::testing
