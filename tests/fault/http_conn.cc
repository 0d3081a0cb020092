#include "fault/http_conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace longhaul::fault {
namespace {

using Clock = std::chrono::steady_clock;

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on `fd` until `deadline`. Returns the revents, 0 on timeout.
int WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, MillisLeft(deadline));
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    return rc <= 0 ? 0 : p.revents;
  }
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

}  // namespace

std::string SimpleResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), name.size()) == 0) {
      return v;
    }
  }
  return "";
}

std::string BuildRequest(std::string_view path,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view body) {
  std::string r = "POST ";
  r += path;
  r += " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) {
    r += k + ": " + v + "\r\n";
  }
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

void KeepAliveConn::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool KeepAliveConn::Usable(uint16_t port, uint64_t epoch) const {
  if (fd_ < 0 || port != port_ || epoch != epoch_) {
    return false;
  }
  // An idle connection the server closed (or died on) is readable (EOF or RST).
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

int KeepAliveConn::Connect(uint16_t port, Clock::time_point deadline) {
  Close();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return errno;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    return err;
  }
  if (rc != 0) {
    if (WaitFor(fd, POLLOUT, deadline) == 0) {
      ::close(fd);
      return ETIMEDOUT;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ::close(fd);
      return err;
    }
  }
  fd_ = fd;
  port_ = port;
  return 0;
}

KeepAliveConn::Result KeepAliveConn::Send(uint16_t port, uint64_t epoch, const std::string& raw,
                                          SimpleResponse* out, std::string* error,
                                          std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  if (!Usable(port, epoch)) {
    int err = Connect(port, deadline);
    if (err != 0) {
      *error = std::string("connect: ") + std::strerror(err);
      return Result::kNotSent;
    }
    epoch_ = epoch;
  }
  size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = ::send(fd_, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        WaitFor(fd_, POLLOUT, deadline) != 0) {
      continue;
    }
    *error = std::string("send: ") + (n < 0 ? std::strerror(errno) : "timed out");
    Close();
    return Result::kUnknown;
  }
  bool keep_alive = true;
  Result r = ReadResponse(out, error, deadline, &keep_alive);
  if (r != Result::kOk || !keep_alive) {
    Close();
  }
  return r;
}

KeepAliveConn::Result KeepAliveConn::ReadResponse(SimpleResponse* out, std::string* error,
                                                  Clock::time_point deadline, bool* keep_alive) {
  std::string buf;
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  char chunk[16384];
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = buf.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        // Status line and headers.
        size_t line_end = buf.find("\r\n");
        std::string status_line = buf.substr(0, line_end);
        size_t sp = status_line.find(' ');
        out->status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
        out->headers.clear();
        size_t pos = line_end + 2;
        while (pos < header_end) {
          size_t e = buf.find("\r\n", pos);
          std::string line = buf.substr(pos, e - pos);
          size_t colon = line.find(':');
          if (colon != std::string::npos) {
            out->headers.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
          }
          pos = e + 2;
        }
        content_length = static_cast<size_t>(std::atoll(out->Header("Content-Length").c_str()));
        std::string conn = out->Header("Connection");
        *keep_alive = ::strcasecmp(conn.c_str(), "close") != 0;
      }
    }
    if (header_end != std::string::npos && buf.size() >= header_end + 4 + content_length) {
      out->body = buf.substr(header_end + 4, content_length);
      return Result::kOk;
    }
    if (WaitFor(fd_, POLLIN, deadline) == 0) {
      *error = "no answer in time";
      return Result::kUnknown;
    }
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
      continue;
    }
    if (n <= 0) {
      *error = n == 0 ? "connection closed before the answer"
                      : std::string("recv: ") + std::strerror(errno);
      return Result::kUnknown;
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace longhaul::fault
