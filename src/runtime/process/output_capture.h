// Bounded capture of a child's output: HeadCapture keeps the first `limit` bytes (stdout, which
// is the response), TailCapture keeps the last `limit` bytes (stderr, for diagnostics). Both
// accept any amount of input so the reader can keep draining the pipe past the limit.
// Thread-safety: plain values; not for concurrent use.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/process/unique_fd.h"

namespace longhaul::runtime::process {

// A 64 KiB buffer for reading a child's pipes, one per thread and kept for the thread's life:
// allocating and zeroing it for every attempt costs more than a short attempt's whole
// supervision. Valid until the calling thread ends; pass what was read on before reading again.
std::vector<char>& PipeReadBuffer();

// Reads what `fd` (a non-blocking pipe) holds now into PipeReadBuffer(), at most `max_reads`
// times, handing each piece to `sink(std::string_view)`; closes `fd` at end of file or on an
// error (nothing more will come).
template <typename Sink>
void ReadAvailable(UniqueFd& fd, int max_reads, Sink&& sink) {
  std::vector<char>& buffer = PipeReadBuffer();
  for (int i = 0; i < max_reads && fd.valid(); ++i) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n > 0) {
      sink(std::string_view(buffer.data(), static_cast<size_t>(n)));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else if (!(n < 0 && errno == EINTR)) {
      fd.Reset();
    }
  }
}

class HeadCapture {
 public:
  explicit HeadCapture(uint64_t limit) : limit_(limit) {}
  void Append(std::string_view data);
  // True when bytes were dropped.
  bool truncated() const { return truncated_; }
  const std::string& data() const { return data_; }
  std::string Take() { return std::move(data_); }

 private:
  uint64_t limit_;
  bool truncated_ = false;
  std::string data_;
};

class TailCapture {
 public:
  explicit TailCapture(uint64_t limit) : limit_(limit) {}
  void Append(std::string_view data);
  bool truncated() const { return truncated_ || data_.size() > limit_; }
  // The last `limit` bytes seen.
  std::string Take();

 private:
  uint64_t limit_;
  bool truncated_ = false;
  std::string data_;  // up to 2 * limit_ bytes; trimmed to the last limit_ when it grows past
};

}  // namespace longhaul::runtime::process
