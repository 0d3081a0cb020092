// Supervise(): drives one spawned command to its end. Reads stdout and stderr (one poll() loop
// on non-blocking pipes, so neither can block the other), keeps bounded output, and stops the
// whole process group at the deadline or on cancel. (The child's stdin is in place before it
// starts: SpawnOptions::input.)
// Thread-safety: call from one thread per child; many children may be supervised at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "runtime/process/child_process.h"
#include "runtime/runtime.h"

namespace longhaul::runtime::process {

struct SuperviseOptions {
  uint64_t output_limit = 0;     // bytes of stdout (the first) and of stderr (the last) kept
  base::TimePoint deadline;      // SIGTERM to the group at this time (by `clock`)
  base::Duration kill_grace{0};  // then SIGKILL to the group if the child is still there
  // When the child exits by itself, leave what it started in the background running (as the
  // `webhook` tool does: a hook's `nohup … &`) instead of killing its group.
  bool keep_group_on_exit = false;
  // Otherwise what is leaving the group as the child exits (`setsid worker &`) has this long to
  // go before the group is killed; the wait ends as soon as the group is empty.
  base::Duration leave_group_grace = std::chrono::milliseconds(100);
  // Optional: gets a copy of the output as it is read (runtime::Invocation::live).
  LiveOutput* live = nullptr;
};

enum class StopReason {
  kNone,       // the child exited by itself
  kDeadline,   // stopped at the deadline: the attempt timed out
  kCancelled,  // stopped because `cancel` fired
};

struct SuperviseResult {
  int wait_status = -1;  // waitpid() status; -1 when unknown
  StopReason stopped = StopReason::kNone;
  std::string stdout_head;  // the first output_limit bytes of stdout
  bool stdout_truncated = false;
  std::string stdout_tail;  // with stdout_truncated: the last output_limit bytes of stdout
  std::string stderr_tail;  // the last output_limit bytes of stderr
};

// Blocks until the child has exited and has been reaped (no zombie is left). `cancel` and the
// deadline are checked at least every 50 ms. When the child exits, whatever it left running in
// its process group is killed (SIGKILL) after options.leave_group_grace: an attempt owns its
// group (unless options.keep_group_on_exit and the child was not stopped). A stopped child's
// group is killed at once. Precondition: `child` has not been reaped; its pipes are closed on
// return.
SuperviseResult Supervise(ChildProcess& child, const SuperviseOptions& options,
                          const base::Clock& clock, const CancelToken& cancel);

}  // namespace longhaul::runtime::process
