// Clock: the only way the core reads time, so tests can drive leases, backoff and timeouts.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace longhaul::base {

using Duration = std::chrono::milliseconds;
// Wall-clock time (system_clock), stored in the job log as Unix milliseconds.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

inline int64_t ToUnixMs(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMs(int64_t ms) { return TimePoint(Duration(ms)); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // A monotonic reading to the microsecond, for durations told finer than Now()'s milliseconds
  // (a Lambda REPORT line's Duration). Only differences between readings mean anything.
  virtual std::chrono::microseconds Monotonic() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now().time_since_epoch());
  }
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

}  // namespace longhaul::base
