#include "runtime/process/niced_thread.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "testing/task_limit.h"

namespace longhaul::runtime::process {
namespace {

int OwnNiceness() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

TEST(RunAtNiceness, RunsTheCallAtThatNicenessAndLeavesTheCallersAlone) {
  const int before = OwnNiceness();
  ASSERT_EQ(before, 0) << "the test needs to start at niceness 0";
  EXPECT_EQ(RunAtNiceness(5, OwnNiceness), 5);
  EXPECT_EQ(RunAtNiceness(11, OwnNiceness), 11);
  EXPECT_EQ(RunAtNiceness(5, OwnNiceness), 5);
  EXPECT_EQ(OwnNiceness(), 0);
}

// Above the server's own niceness, whatever it is, and never past 19.
TEST(RunAtNiceness, AddsToTheServersNiceness) {
  int lower = -1;
  int capped = -1;
  std::thread at_three([&] {
    ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 3), 0);
    lower = RunAtNiceness(4, OwnNiceness);  // values no other test here asks for
    capped = RunAtNiceness(18, OwnNiceness);
  });
  at_three.join();
  EXPECT_EQ(lower, 7);
  EXPECT_EQ(capped, 19);
}

// Out of processes (a tasks limit) the call does not run, and the answer is the one posix_spawn
// gives for it.
TEST(RunAtNicenessDeathTest, NoThreadToBeHadIsEAGAIN) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to become nobody";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!testing::BecomeNobodyWithoutNewTasks()) _exit(2);
        bool ran = false;
        const int rc = RunAtNiceness(13, [&] {
          ran = true;
          return 0;
        });
        _exit(rc == EAGAIN && !ran ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(RunAtNiceness, ZeroRunsOnTheCallingThread) {
  const pid_t caller = gettid();
  EXPECT_EQ(RunAtNiceness(0, [] { return static_cast<int>(gettid()); }), caller);
  EXPECT_NE(RunAtNiceness(3, [] { return static_cast<int>(gettid()); }), caller);
}

TEST(RunAtNiceness, ConcurrentCallsEachGetTheirOwnResult) {
  std::vector<int> results(16, -1);
  std::vector<std::thread> callers;
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&results, i] { results[i] = RunAtNiceness(9, [i] { return i * i; }); });
  }
  for (std::thread& t : callers) t.join();
  for (int i = 0; i < 16; ++i) EXPECT_EQ(results[i], i * i);
}

}  // namespace
}  // namespace longhaul::runtime::process
