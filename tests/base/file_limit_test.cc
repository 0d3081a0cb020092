#include "base/file_limit.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace longhaul::base {
namespace {

TEST(FileLimit, TheSoftLimitIsRaisedToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max != RLIM_INFINITY && before.rlim_max < 512) GTEST_SKIP() << "hard limit";
  rlimit low = before;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  const uint64_t raised = RaiseFileLimit();
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, raised);
  EXPECT_GT(raised, 256u);
  EXPECT_LE(raised, kMaxFiles);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);
}

// The limit the process started with is kept for its children (exec_start_test.cc: they get it).
TEST(FileLimit, TheStartingLimitIsKept) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max != RLIM_INFINITY && before.rlim_max < 512) GTEST_SKIP() << "hard limit";
  rlimit low = before;
  low.rlim_cur = 300;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  ASSERT_GT(RaiseFileLimit(), 300u);
  EXPECT_EQ(StartingFileLimit(), 300);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);
}

// The two listeners together leave the reserve (QA: each left it on its own, and full ones
// left no descriptor for a job's pipes).
TEST(FileLimit, ConnectionsLeaveFilesForTheRest) {
  EXPECT_EQ(ConnectionsWithin(10000, 1024, 1), 1024 - static_cast<int>(kReservedFiles));
  EXPECT_EQ(ConnectionsWithin(10000, 1024, 2), (1024 - static_cast<int>(kReservedFiles)) / 2);
  EXPECT_EQ(ConnectionsWithin(100, 1024, 2), 100);
  EXPECT_EQ(ConnectionsWithin(10000, 1 << 20, 2), 10000);
  EXPECT_EQ(ConnectionsWithin(10000, 300, 1), 150);  // a tiny limit: half of it
  EXPECT_EQ(ConnectionsWithin(10000, 300, 2), 75);
  EXPECT_EQ(ConnectionsWithin(10000, 1, 2), 1);
}

}  // namespace
}  // namespace longhaul::base
