#include "runtime/process/niced_thread.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>
#include <vector>

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
