// StartExec: starts a child process that executes one program, with its descriptors, process
// group, working directory and priority set up in the child before the exec, so the program
// runs at its niceness from its first instruction.
//
// posix_spawn cannot set a niceness (or SCHED_IDLE), and a process inherits the niceness of the
// thread that starts it, which may not lower its own again. So this does what glibc's
// posix_spawn does, plus that: clone(CLONE_VM | CLONE_VFORK) onto a stack of its own, raw system
// calls only in the child (no allocation, no lock, no sanitizer interceptor: the child shares
// the parent's memory until it executes), and the child's failure written back into that memory.
// The calling thread waits, as with posix_spawn, only until the program is executing.
// Thread-safety: may be called from any thread, concurrently.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace longhaul::runtime::process {

// ExecPlan::nice for the scheduling policy SCHED_IDLE (server.job_nice: idle) instead of a
// niceness; where the policy cannot be set (a sandbox), the child runs at niceness 19.
inline constexpr int kSchedIdle = 20;

// A child's line in ChildRegistry's table (docs/on-disk-format.md): CLOCK_BOOTTIME in ms just
// before the spawn (0 = a free slot) and the pid.
struct ChildSlot {
  int64_t spawned_at;
  int32_t pid;
  int32_t reserved;
};
static_assert(sizeof(ChildSlot) == 16);

// Where a child writes its own ChildSlot, before it executes anything.
struct ChildRecord {
  int fd = -1;
  off_t offset = 0;
  int64_t spawned_at = 0;
};

struct ExecPlan {
  const char* program = nullptr;      // the file to execute (no PATH search)
  char* const* argv = nullptr;        // null-terminated
  char* const* envp = nullptr;        // null-terminated: the child's whole environment
  int stdin_fd = -1;                  // above 2; -1: /dev/null
  int stdout_fd = -1;                 // above 2
  int stderr_fd = -1;                 // above 2
  const char* working_dir = nullptr;  // null: the server's
  int nice = 0;                       // added to the caller's niceness (at most 19), or kSchedIdle
  int64_t file_limit = -1;            // the soft RLIMIT_NOFILE (at most the hard one); -1: ours
  // Written by the child once it leads its group, before its exec: a server killed at any
  // moment after the clone leaves it recorded. Null: not recorded.
  const ChildRecord* record = nullptr;
};

struct ExecStart {
  enum class Step { kNone, kStart, kWorkingDir, kSetup, kExec };
  pid_t pid = -1;           // the child, executing the program, when step is kNone
  Step step = Step::kNone;  // what failed: starting a process, entering working_dir, setting up
                            // the descriptors or the group, executing the program
  int err = 0;              // its errno
};

// The child starts in a new process group of its own, with default signal dispositions, an
// empty signal mask, stdin/stdout/stderr from the plan and no other descriptor, and the plan's
// open-file limit. A child that fails before executing the program has been reaped when this
// returns.
ExecStart StartExec(const ExecPlan& plan);

}  // namespace longhaul::runtime::process
