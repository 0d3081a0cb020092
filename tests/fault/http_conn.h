// KeepAliveConn: one client HTTP/1.1 connection to 127.0.0.1:<port>, reused across requests
// while the server keeps it open, for the fault harness's load generator. Unlike http::Fetch it
// tells "the request never left" (connect refused: safe to send again) apart from "it may have
// reached the server but no whole answer came" (the outcome is unknown), which is what the
// crash checker needs.
// Thread-safety: one connection per thread; calls block with poll() deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace longhaul::fault {

struct SimpleResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header with this name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

class KeepAliveConn {
 public:
  enum class Result {
    kOk,       // `out` holds the whole answer
    kNotSent,  // no connection could be made: nothing reached the server
    kUnknown,  // sent (maybe partly); no whole answer: the server may or may not have acted
  };

  KeepAliveConn() = default;
  ~KeepAliveConn() { Close(); }
  KeepAliveConn(const KeepAliveConn&) = delete;
  KeepAliveConn& operator=(const KeepAliveConn&) = delete;

  // Sends `raw` (a complete HTTP/1.1 request) to 127.0.0.1:`port` and reads the answer. Reuses
  // the open connection when it was opened for the same (`port`, `epoch`) and the server has not
  // closed it; otherwise connects anew. `error` says what went wrong for kNotSent/kUnknown.
  Result Send(uint16_t port, uint64_t epoch, const std::string& raw, SimpleResponse* out,
              std::string* error, std::chrono::milliseconds timeout);
  void Close();

 private:
  bool Usable(uint16_t port, uint64_t epoch) const;
  // 0, or the errno of a failed connect.
  int Connect(uint16_t port, std::chrono::steady_clock::time_point deadline);
  Result ReadResponse(SimpleResponse* out, std::string* error,
                      std::chrono::steady_clock::time_point deadline, bool* keep_alive);

  int fd_ = -1;
  uint16_t port_ = 0;
  uint64_t epoch_ = 0;
};

// "POST <path> HTTP/1.1" with Host, Content-Length and the given headers, keep-alive.
std::string BuildRequest(std::string_view path,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view body);

}  // namespace longhaul::fault
