// ChildProcess: one spawned command (exec_start.h, never a shell) in its own process group, with
// its whole stdin in place before it starts (a memory file: a server killed while the child
// reads cannot leave it a cut-off input that looks complete), pipes for stdout and stderr, and
// the calls to signal, watch and reap it.
// Thread-safety: Spawn() may be called from any thread. One ChildProcess is used by one thread.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "runtime/process/child_registry.h"
#include "runtime/process/unique_fd.h"

namespace longhaul::runtime::process {

struct SpawnOptions {
  // argv[0] is looked up in the PATH of `env` (the server's when `env` has none) unless it has '/'.
  std::vector<std::string> argv;
  std::string program;           // when set, the file executed instead, with argv[0] as it is
  std::vector<std::string> env;  // "NAME=value" entries, the child's whole environment
  std::string working_dir;       // empty: the server's working directory
  std::optional<std::string_view> input;  // the child's whole stdin; nullopt: /dev/null
  bool merge_stderr = false;          // true: stderr goes to the stdout pipe (combined output, in
                                      // order); the stderr pipe then reads EOF at once
  ChildRegistry* registry = nullptr;  // not owned; when set, records the child until it is reaped
  // The child's niceness (config::Server::job_nice) above the calling thread's, or kSchedIdle,
  // from its first instruction (exec_start.h); 0: the caller's own.
  int nice = 0;
};

// What would keep Spawn(options) from executing options.argv[0] now: "" when nothing, else why
// ("x.sh: not found in the PATH (/usr/bin:/bin)", "/srv/x.sh: not executable"). The same lookup as
// Spawn's, without starting anything (`longhaul check`).
std::string ProgramProblem(const SpawnOptions& options);

class ChildProcess {
 public:
  // Starts the command as the leader of a new process group, with default signal dispositions,
  // an empty signal mask, and no descriptors but 0, 1 and 2. The parent's ends of the pipes are
  // non-blocking and close-on-exec. The input is copied into a memory file (memfd) first. Does not
  // block beyond the exec itself. Errors: kInvalidArgument when the command cannot be executed or
  // the working directory cannot be entered ("cannot execute ./x: No such file or directory"): a
  // configuration problem; kResourceExhausted when the system is out of processes, memory or
  // descriptors; kUnknown otherwise.
  static base::Result<ChildProcess> Spawn(const SpawnOptions& options);

  // Kills the whole group (SIGKILL) and reaps the child unless Reap() has been called.
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The parent's ends; invalid (-1) once closed.
  UniqueFd& stdout_fd() { return stdout_; }
  UniqueFd& stderr_fd() { return stderr_; }
  // Becomes readable when the child exits; -1 when the kernel has no pidfd_open.
  int exit_fd() const { return pidfd_.get(); }

  // Sends `sig` to the child's process group and to the child itself (in case it left the
  // group), and to the groups its descendants moved to (`timeout`, `setsid`: see
  // process_tree.h) while it is alive, and those found by earlier calls. Precondition: Reap()
  // has not been called, so the ids cannot have been reused.
  void SignalGroup(int sig);
  // True once the child has exited. Does not reap it: while it is a zombie its pid and group id
  // stay reserved, so SignalGroup() is still safe. Does not block.
  bool Exited();
  // Waits for the child to exit and reaps it; returns the waitpid() status, or -1 when it is
  // unknown (someone else reaped the child: the server must not ignore SIGCHLD). Blocks.
  int Reap();
  // After Reap(): kills (SIGKILL) what the child left in its process group, once those leaving
  // it had `grace` to go. A command that ends with `setsid worker &` exits while setsid is still
  // being executed, in the group; it leaves within moments. Returns at once when the group is
  // empty, which is the usual case. Safe after the reap: Linux keeps a group's id from reuse
  // while the group has a member. Blocks for at most `grace`.
  void KillLeftInGroup(base::Duration grace);

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  bool reaped_ = true;
  ChildRegistry* registry_ = nullptr;
  UniqueFd stdout_;
  UniqueFd stderr_;
  UniqueFd pidfd_;
  std::vector<pid_t> escaped_groups_;  // descendants' own groups (SignalGroup)
};

}  // namespace longhaul::runtime::process
