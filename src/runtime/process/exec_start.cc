#include "runtime/process/exec_start.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer's interceptor of clone() takes every clone for a fork and marks the process a
// forked child, in the memory this child shares with its parent. glibc's posix_spawn calls
// __clone (the same function, exported under both names), which it does not intercept.
extern "C" int __clone(int (*fn)(void*), void* stack, int flags, void* arg, ...);
#endif

namespace longhaul::runtime::process {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr auto kClone = __clone;
#else
constexpr auto kClone = ::clone;
#endif

// The child's stack: its one frame and the system call wrapper under it (sanitizers included).
constexpr size_t kChildStack = 64 * 1024;

// The kernel's struct sigaction for rt_sigaction(2) (glibc's differs), and its signal set.
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};
constexpr int kLastSignal = 64;

// The kernel's struct rlimit64 for prlimit64(2).
struct KernelRlimit {
  uint64_t soft;
  uint64_t hard;
};

// What parent and child share: the plan and the child's niceness in, what failed out. The
// parent reads `step` and `err` only once clone() has returned: the child has executed the
// program or exited by then (CLONE_VFORK).
struct Shared {
  const ExecPlan* plan;
  int nice;
  ExecStart::Step step;
  int err;
};

// The niceness a child of the calling thread runs at for `nice` (kSchedIdle: 19, the fallback).
int ChildNiceness(int nice) {
  errno = 0;
  const int own = ::getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  if (errno != 0) return 19;
  return std::min(own + nice, 19);
}

// In the child. Records the failed step for the parent and exits.
[[noreturn]] __attribute__((no_sanitize_address, no_sanitize("thread", "undefined"))) void Fail(
    Shared* s, ExecStart::Step step, int err) {
  s->step = step;
  s->err = err;
  syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

// The child, until the exec. It shares the parent's memory and runs on a stack of its own:
// only system calls, through syscall() (no allocation, no lock, nothing a sanitizer
// intercepts). Every signal is blocked on entry (the parent's mask at the clone).
__attribute__((no_sanitize_address, no_sanitize("thread", "undefined"))) int ChildMain(void* arg) {
  auto* s = static_cast<Shared*>(arg);
  const ExecPlan& plan = *s->plan;
  // Default dispositions before unblocking: a handler of the parent's must never run here, and
  // an ignored signal (SIGPIPE) would stay ignored across the exec.
  const KernelSigaction default_action{};
  for (int sig = 1; sig <= kLastSignal; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &default_action, nullptr, sizeof(uint64_t));
  }
  if (syscall(SYS_setpgid, 0, 0) != 0) Fail(s, ExecStart::Step::kSetup, errno);
  if (plan.record != nullptr) {
    const ChildSlot slot{plan.record->spawned_at, static_cast<int32_t>(syscall(SYS_getpid)), 0};
    syscall(SYS_pwrite64, plan.record->fd, &slot, sizeof slot, plan.record->offset);
  }
  int in = plan.stdin_fd;
  if (in < 0) {
    in = static_cast<int>(syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY));
    if (in < 0) Fail(s, ExecStart::Step::kSetup, errno);
  }
  // The plan's descriptors are above 2, so none is overwritten before it is copied.
  if ((in != STDIN_FILENO && syscall(SYS_dup3, in, STDIN_FILENO, 0) < 0) ||
      syscall(SYS_dup3, plan.stdout_fd, STDOUT_FILENO, 0) < 0 ||
      syscall(SYS_dup3, plan.stderr_fd, STDERR_FILENO, 0) < 0) {
    Fail(s, ExecStart::Step::kSetup, errno);
  }
  // Descriptors another thread opened without O_CLOEXEC (sockets, the database) stay with us.
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) Fail(s, ExecStart::Step::kSetup, errno);
  if (plan.file_limit >= 0) {
    KernelRlimit limit{};
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &limit) == 0) {
      const auto soft = static_cast<uint64_t>(plan.file_limit);
      limit.soft = soft < limit.hard ? soft : limit.hard;  // no library call here
      syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &limit, nullptr);
    }
  }
  if (plan.working_dir != nullptr && syscall(SYS_chdir, plan.working_dir) != 0) {
    Fail(s, ExecStart::Step::kWorkingDir, errno);
  }
  // The priority last: until the exec this process shares the parent's memory, and a page fault
  // here takes the lock the parent's threads fault under; it should not wait for a busy core
  // at the jobs' priority meanwhile. Raising one's own niceness, or moving to SCHED_IDLE, needs
  // no privilege.
  if (plan.nice != 0) {
    syscall(SYS_setpriority, PRIO_PROCESS, 0, s->nice);
    if (plan.nice == kSchedIdle) {
      const sched_param param{};
      syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &param);
    }
  }
  const uint64_t none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof(uint64_t));
  syscall(SYS_execve, plan.program, plan.argv, plan.envp);
  Fail(s, ExecStart::Step::kExec, errno);
}

}  // namespace

ExecStart StartExec(const ExecPlan& plan) {
  Shared shared{&plan, plan.nice != 0 ? ChildNiceness(plan.nice) : 0, ExecStart::Step::kNone, 0};
  void* stack = ::mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return {-1, ExecStart::Step::kStart, errno};
  sigset_t all;
  sigset_t before;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = kClone(ChildMain, static_cast<char*>(stack) + kChildStack,
                           CLONE_VM | CLONE_VFORK | SIGCHLD, &shared);
  const int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ::munmap(stack, kChildStack);
  if (pid < 0) return {-1, ExecStart::Step::kStart, clone_err};
  if (shared.step != ExecStart::Step::kNone) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return {-1, shared.step, shared.err};
  }
  return {pid, ExecStart::Step::kNone, 0};
}

}  // namespace longhaul::runtime::process
