#include "runtime/process/supervisor.h"

#include <poll.h>
#include <pthread.h>
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
constexpr size_t kChunk = 64 * 1024;
// Reads per wake-up before polling again, so one busy pipe cannot starve the other.
constexpr int kReadsPerWake = 16;
// Reads after the child exited: bounded, as a process that left the group may still write.
constexpr int kFinalReads = 64;

// Blocks SIGPIPE on this thread while alive; see the header comment.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~ScopedSigpipeBlock() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

  // Takes the SIGPIPE a failed write left pending, so it is not delivered once unblocked.
  static void ConsumePending() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
    }
  }

 private:
  sigset_t old_;
};

// Writes the next part of `input` to stdin; closes stdin when done or when the child is gone.
void WriteSome(UniqueFd& fd, std::string_view input, size_t& written) {
  while (fd.valid() && written < input.size()) {
    size_t len = std::min(kChunk, input.size() - written);
    ssize_t n = ::write(fd.get(), input.data() + written, len);
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    }
    if (n < 0 && errno == EPIPE) {
      ScopedSigpipeBlock::ConsumePending();
    }
    fd.Reset();  // the child closed its stdin: it does not want the rest
  }
  if (written >= input.size()) {
    fd.Reset();
  }
}

int ToPollTimeout(base::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(d.count(), 0, kTick.count()));
}

}  // namespace

SuperviseResult Supervise(ChildProcess& child, const SuperviseOptions& options,
                          const base::Clock& clock, const CancelToken& cancel) {
  ScopedSigpipeBlock sigpipe_block;
  HeadCapture out(options.output_limit);
  TailCapture err(options.output_limit);
  size_t written = 0;
  SuperviseResult result;
  // When the group gets SIGKILL after a stop; TimePoint::max(): not yet stopped.
  base::TimePoint kill_at = base::TimePoint::max();

  WriteSome(child.stdin_fd(), options.input, written);
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
        child.stdin_fd().Reset();
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
    std::array<pollfd, 4> fds{};
    nfds_t n = 0;
    auto add = [&](int fd, short events) {
      if (fd >= 0) {
        fds[n++] = pollfd{fd, events, 0};
      }
    };
    add(child.stdin_fd().get(), POLLOUT);
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
      if (fds[i].fd == child.stdin_fd().get()) {
        WriteSome(child.stdin_fd(), options.input, written);
      } else if (fds[i].fd == child.stdout_fd().get()) {
        ReadAvailable(child.stdout_fd(), kReadsPerWake, [&](std::string_view d) { out.Append(d); });
      } else if (fds[i].fd == child.stderr_fd().get()) {
        ReadAvailable(child.stderr_fd(), kReadsPerWake, [&](std::string_view d) { err.Append(d); });
      }
    }
  }

  // The leader is a zombie, so its pid and group id cannot have been reused yet.
  child.SignalGroup(SIGKILL);
  child.stdin_fd().Reset();
  // What the child wrote before exiting is in the pipes; do not wait for stragglers' EOF.
  ReadAvailable(child.stdout_fd(), kFinalReads, [&](std::string_view d) { out.Append(d); });
  ReadAvailable(child.stderr_fd(), kFinalReads, [&](std::string_view d) { err.Append(d); });
  child.stdout_fd().Reset();
  child.stderr_fd().Reset();
  result.wait_status = child.Reap();
  result.stdout_truncated = out.truncated();
  result.stdout_head = out.Take();
  result.stderr_tail = err.Take();
  return result;
}

}  // namespace longhaul::runtime::process
