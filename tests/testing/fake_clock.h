// FakeClock: a Clock that moves only when the test says so.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/clock.h"

namespace longhaul::testing {

class FakeClock final : public base::Clock {
 public:
  // Starts at `start` (default: 2024-01-01T00:00:00Z, so times are never the epoch).
  explicit FakeClock(base::TimePoint start = base::FromUnixMs(1704067200000))
      : now_ms_(base::ToUnixMs(start)) {}

  base::TimePoint Now() const override { return base::FromUnixMs(now_ms_.load()); }
  std::chrono::microseconds Monotonic() const override {
    return std::chrono::milliseconds(now_ms_.load());
  }
  void Advance(base::Duration d) { now_ms_.fetch_add(d.count()); }
  void Set(base::TimePoint t) { now_ms_.store(base::ToUnixMs(t)); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace longhaul::testing
