// Whether the client of a request being answered is still there. A handler that waits long for
// its answer (a job's result) starts the watch; the server then marks it gone when the client
// closes its connection, so the wait can end and the connection's slot is freed instead of
// being held for a client that gave up.
// Thread-safety: Start() on the connection's strand (where handlers run); gone() anywhere.
#pragma once

#include <atomic>

namespace longhaul::http {

class PeerWatch {
 public:
  virtual ~PeerWatch() = default;
  // Begins watching the connection (once; later calls do nothing).
  virtual void Start() = 0;
  // True once the client closed (or reset) the connection after sending this request.
  bool gone() const { return gone_.load(std::memory_order_relaxed); }

 protected:
  void MarkGone() { gone_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> gone_{false};
};

}  // namespace longhaul::http
