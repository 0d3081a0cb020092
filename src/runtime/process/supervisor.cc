#include "runtime/process/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <vector>

#include "runtime/process/output_capture.h"

namespace longhaul::runtime::process {
namespace {

constexpr base::Duration kTick = std::chrono::milliseconds(50);
// Reads per wake-up before polling again, so one busy pipe cannot starve the other.
constexpr int kReadsPerWake = 16;
// Reads after the child exited: bounded, as a process that left the group may still write.
constexpr int kFinalReads = 64;

int ToPollTimeout(base::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(d.count(), 0, kTick.count()));
}

}  // namespace

SuperviseResult Supervise(ChildProcess& child, const SuperviseOptions& options,
                          const base::Clock& clock, const CancelToken& cancel) {
  HeadCapture out(options.output_limit);
  TailCapture out_tail(options.output_limit);  // for a failure's log, when stdout is longer
  TailCapture err(options.output_limit);
  auto on_stdout = [&](std::string_view d) {
    out.Append(d);
    out_tail.Append(d);
    if (options.live != nullptr) options.live->Append(LiveOutput::Stream::kStdout, d);
  };
  auto on_stderr = [&](std::string_view d) {
    err.Append(d);
    if (options.live != nullptr) options.live->Append(LiveOutput::Stream::kStderr, d);
  };
  SuperviseResult result;
  // When the group gets SIGKILL after a stop; TimePoint::max(): not yet stopped.
  base::TimePoint kill_at = base::TimePoint::max();

  while (!child.Exited()) {
    base::TimePoint now = clock.Now();
    if (result.stopped == StopReason::kNone) {
      if (cancel.cancelled()) {
        result.stopped = StopReason::kCancelled;
      } else if (now >= options.deadline) {
        result.stopped = StopReason::kDeadline;
      }
      if (result.stopped != StopReason::kNone) {
        child.SignalGroup(SIGTERM);
        kill_at = now + options.kill_grace;
      }
    }
    if (now >= kill_at) {
      child.SignalGroup(SIGKILL);
      kill_at = base::TimePoint::max();
    }

    base::Duration wait = kTick;
    if (result.stopped == StopReason::kNone) {
      wait = std::min(wait, options.deadline - now);
    }
    if (kill_at != base::TimePoint::max()) {
      wait = std::min(wait, kill_at - now);
    }
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    auto add = [&](int fd, short events) {
      if (fd >= 0) {
        fds[n++] = pollfd{fd, events, 0};
      }
    };
    add(child.stdout_fd().get(), POLLIN);
    add(child.stderr_fd().get(), POLLIN);
    add(child.exit_fd(), POLLIN);
    if (::poll(fds.data(), n, ToPollTimeout(wait)) < 0 && errno != EINTR) {
      // Only EFAULT/EINVAL/ENOMEM are possible: wait one tick and try again.
      struct timespec tick {
        0, kTick.count() * 1'000'000
      };
      nanosleep(&tick, nullptr);
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      if (fds[i].fd == child.stdout_fd().get()) {
        ReadAvailable(child.stdout_fd(), kReadsPerWake, on_stdout);
      } else if (fds[i].fd == child.stderr_fd().get()) {
        ReadAvailable(child.stderr_fd(), kReadsPerWake, on_stderr);
      }
    }
  }

  // The leader is a zombie, so its pid and group id cannot have been reused yet.
  const bool stopped = result.stopped != StopReason::kNone;
  if (stopped) child.SignalGroup(SIGKILL);
  // What the child wrote before exiting is in the pipes; do not wait for stragglers' EOF.
  ReadAvailable(child.stdout_fd(), kFinalReads, on_stdout);
  ReadAvailable(child.stderr_fd(), kFinalReads, on_stderr);
  child.stdout_fd().Reset();
  child.stderr_fd().Reset();
  result.wait_status = child.Reap();
  if (!stopped && !options.keep_group_on_exit) child.KillLeftInGroup(options.leave_group_grace);
  result.stdout_truncated = out.truncated();
  result.stdout_head = out.Take();
  if (result.stdout_truncated) result.stdout_tail = out_tail.Take();
  result.stderr_tail = err.Take();
  return result;
}

}  // namespace longhaul::runtime::process
