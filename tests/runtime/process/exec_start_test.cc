#include "runtime/process/exec_start.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

namespace longhaul::runtime::process {
namespace {

// A descriptor above 2, close-on-exec, as the plan wants them.
int Above2(int fd) {
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

struct Ran {
  ExecStart start;
  std::string output;  // stdout and stderr
  int status = -1;
};

// Runs `argv` (argv[0] a path) with the plan's other fields from `plan`, and waits for it.
Ran RunPlan(std::vector<std::string> argv, ExecPlan plan = {}) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const int read_end = Above2(fds[0]);
  const int write_end = Above2(fds[1]);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  char* no_env[] = {nullptr};
  plan.program = args[0];
  plan.argv = args.data();
  plan.envp = no_env;
  plan.stdout_fd = write_end;
  plan.stderr_fd = write_end;
  Ran run;
  run.start = StartExec(plan);
  close(write_end);
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(read_end, buf, sizeof buf)) > 0) run.output.append(buf, static_cast<size_t>(n));
  close(read_end);
  if (run.start.pid > 0) waitpid(run.start.pid, &run.status, 0);
  return run;
}

int OwnNiceness() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

TEST(StartExec, TheChildRunsAtItsNicenessAboveTheCallersAndTheCallerKeepsItsOwn) {
  ASSERT_EQ(OwnNiceness(), 0) << "the test needs to start at niceness 0";
  ExecPlan plan;
  plan.nice = 7;
  Ran run = RunPlan({"/usr/bin/nice"}, plan);
  EXPECT_EQ(run.start.step, ExecStart::Step::kNone);
  EXPECT_EQ(run.output, "7\n");
  EXPECT_EQ(OwnNiceness(), 0);

  // From a thread at 3: 3 + 4, and never past 19.
  std::string lower;
  std::string capped;
  std::thread at_three([&] {
    ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 3), 0);
    plan.nice = 4;
    lower = RunPlan({"/usr/bin/nice"}, plan).output;
    plan.nice = 18;
    capped = RunPlan({"/usr/bin/nice"}, plan).output;
  });
  at_three.join();
  EXPECT_EQ(lower, "7\n");
  EXPECT_EQ(capped, "19\n");
}

TEST(StartExec, IdleIsTheIdlePolicyAtNiceness19) {
  ExecPlan plan;
  plan.nice = kSchedIdle;
  // /proc/PID/stat's 19th field is the niceness, its 41st the policy (SCHED_IDLE: 5). One small
  // process: on a busy machine it waits for an idle core.
  const std::vector<std::string> cut = {"/usr/bin/cut", "-d ", "-f19,41", "/proc/self/stat"};
  EXPECT_EQ(RunPlan(cut, plan).output, "19 5\n");
  EXPECT_EQ(RunPlan(cut).output, "0 0\n");
}

TEST(StartExec, TheChildGetsDefaultSignalsAnEmptyMaskAndNoOtherDescriptor) {
  // What a server has: a handled signal, an ignored one, a blocked one, and a descriptor that is
  // not close-on-exec.
  struct sigaction handled {};
  handled.sa_handler = [](int) {};
  struct sigaction ignored {};
  ignored.sa_handler = SIG_IGN;
  struct sigaction old_usr1 {};
  struct sigaction old_pipe {};
  ASSERT_EQ(sigaction(SIGUSR1, &handled, &old_usr1), 0);
  ASSERT_EQ(sigaction(SIGPIPE, &ignored, &old_pipe), 0);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigset_t old_mask;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr2, &old_mask), 0);
  const int leaked = open("/dev/null", O_RDONLY);  // not O_CLOEXEC
  ASSERT_GE(leaked, 0);

  // Each program reads its own state: a shell would add its own.
  const Ran signals = RunPlan({"/usr/bin/grep", "-E", "^(SigBlk|SigIgn)", "/proc/self/status"});
  const Ran descriptors = RunPlan({"/usr/bin/ls", "/proc/self/fd"});  // ls reads it through 3
  const Ran group = RunPlan({"/usr/bin/cut", "-d ", "-f1,5", "/proc/self/stat"});
  close(leaked);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGUSR1, &old_usr1, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);

  EXPECT_EQ(signals.output, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  EXPECT_EQ(descriptors.output, "0\n1\n2\n3\n");
  const std::string pid = std::to_string(group.start.pid);
  EXPECT_EQ(group.output, pid + " " + pid + "\n");  // the leader of a group of its own
}

// The open-file limit the server started with, not the one it raised itself to (file_limit.h),
// from the program's first instruction.
TEST(StartExec, TheChildHasThePlansOpenFileLimit) {
  rlimit ours{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &ours), 0);
  if (ours.rlim_max != RLIM_INFINITY && ours.rlim_max < 512) GTEST_SKIP() << "hard limit";
  ExecPlan plan;
  plan.file_limit = 300;
  const std::vector<std::string> soft = {"/usr/bin/awk", "/open files/ { print $4 }",
                                         "/proc/self/limits"};
  EXPECT_EQ(RunPlan(soft, plan).output, "300\n");
  EXPECT_EQ(RunPlan(soft).output, std::to_string(ours.rlim_cur) + "\n");
}

TEST(StartExec, StdinIsDevNullOrThePlansDescriptor) {
  Ran run = RunPlan({"/bin/sh", "-c", "wc -c"});
  EXPECT_EQ(run.output, "0\n");

  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const int read_end = Above2(fds[0]);
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  close(fds[1]);
  ExecPlan plan;
  plan.stdin_fd = read_end;
  run = RunPlan({"/bin/sh", "-c", "cat"}, plan);
  close(read_end);
  EXPECT_EQ(run.output, "abc");
}

// Each failure names its step and errno; the child that failed is reaped.
TEST(StartExec, AFailedStartSaysWhichStepAndLeavesNoChild) {
  Ran run = RunPlan({"/nonexistent/program"});
  EXPECT_EQ(run.start.pid, -1);
  EXPECT_EQ(run.start.step, ExecStart::Step::kExec);
  EXPECT_EQ(run.start.err, ENOENT);

  run = RunPlan({"/dev/null"});  // not executable
  EXPECT_EQ(run.start.step, ExecStart::Step::kExec);
  EXPECT_EQ(run.start.err, EACCES);

  ExecPlan plan;
  plan.working_dir = "/nonexistent/dir";
  run = RunPlan({"/bin/true"}, plan);
  EXPECT_EQ(run.start.step, ExecStart::Step::kWorkingDir);
  EXPECT_EQ(run.start.err, ENOENT);

  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);  // no child left to reap, not even a zombie
}

TEST(StartExec, ConcurrentStartsEachGetTheirOwnChild) {
  std::vector<std::string> outputs(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&outputs, i] {
      ExecPlan plan;
      plan.nice = static_cast<int>(i % 3);
      outputs[i] = RunPlan({"/bin/sh", "-c", "echo " + std::to_string(i)}, plan).output;
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < outputs.size(); ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
}

}  // namespace
}  // namespace longhaul::runtime::process
