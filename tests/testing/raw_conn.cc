#include "testing/raw_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace longhaul::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// How long until `deadline`, never negative (poll() takes a negative timeout as "forever").
milliseconds Left(Clock::time_point deadline) {
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

// The Content-Length of a response header block (0 when it has none).
size_t ContentLength(const std::string& head) {
  size_t length = 0;
  for (const char* name : {"Content-Length: ", "content-length: "}) {
    if (size_t at = head.find(name); at != std::string::npos) {
      length = std::stoul(head.substr(at + std::strlen(name)));
    }
  }
  return length;
}

}  // namespace

RawConn::RawConn(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConn::~RawConn() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConn::CloseSending() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawConn::Send(std::string_view data) {
  if (fd_ < 0) return false;
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConn::WaitReadable(milliseconds timeout) {
  if (!buf_.empty()) return true;
  pollfd p{fd_, POLLIN, 0};  // poll() skips a negative fd: not connected waits out `timeout`
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

RawConn::Read RawConn::ReadMore(milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return Read::kTimedOut;
  char chunk[16 * 1024];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n < 0 && errno == EINTR) return Read::kTimedOut;  // the caller's deadline decides
  if (n <= 0) return Read::kClosed;
  buf_.append(chunk, static_cast<size_t>(n));
  return Read::kData;
}

std::string RawConn::ReadResponse(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (size_t end = buf_.find("\r\n\r\n"); end != std::string::npos) {
      const size_t size = end + 4 + ContentLength(buf_.substr(0, end));
      if (buf_.size() >= size) {
        std::string out = buf_.substr(0, size);
        buf_.erase(0, size);
        return out;
      }
    }
    if (Clock::now() >= deadline || ReadMore(Left(deadline)) == Read::kClosed) return "";
  }
}

bool RawConn::ClosedByPeer(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (buf_.empty() && Clock::now() < deadline) {
    if (ReadMore(Left(deadline)) == Read::kClosed) return true;
  }
  return false;
}

std::string RawConn::ReadUntilClosed(milliseconds timeout, bool* closed) {
  *closed = false;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ReadMore(Left(deadline)) == Read::kClosed) {
      *closed = true;
      break;
    }
  }
  std::string out = std::move(buf_);
  buf_.clear();
  return out;
}

std::string RawExchange(int port, std::string_view request) {
  RawConn conn(port);
  if (!conn.connected()) return "";
  conn.Send(request);  // may fail part-way: the answer counts even when the peer stops reading
  bool closed = false;
  return conn.ReadUntilClosed(std::chrono::seconds(30), &closed);
}

}  // namespace longhaul::testing
