#include "runtime/live_output.h"

#include <gtest/gtest.h>

#include <string>

namespace longhaul::runtime {
namespace {

using Stream = LiveOutput::Stream;

TEST(LiveOutput, KeepsEachStreamApart) {
  LiveOutput live;
  EXPECT_EQ(live.Snapshot().stdout_tail, "");
  live.Append(Stream::kStdout, "step 1\n");
  live.Append(Stream::kStderr, "warning\n");
  live.Append(Stream::kStdout, "step 2\n");
  LiveOutput::Tails tails = live.Snapshot();
  EXPECT_EQ(tails.stdout_tail, "step 1\nstep 2\n");
  EXPECT_EQ(tails.stderr_tail, "warning\n");
}

// The last kLimit bytes, whether they came in one piece larger than that or in many small ones.
TEST(LiveOutput, KeepsTheLastBytesOfEachStream) {
  LiveOutput live;
  std::string big(LiveOutput::kLimit + 10, 'a');
  big.replace(big.size() - LiveOutput::kLimit, 1, "b");
  live.Append(Stream::kStdout, big);
  EXPECT_EQ(live.Snapshot().stdout_tail, big.substr(10));

  std::string expected;
  for (int i = 0; i < 30000; ++i) {
    std::string line = std::to_string(i) + "\n";
    live.Append(Stream::kStderr, line);
    expected += line;
  }
  std::string tail = live.Snapshot().stderr_tail;
  ASSERT_EQ(tail.size(), LiveOutput::kLimit);
  EXPECT_EQ(tail, expected.substr(expected.size() - LiveOutput::kLimit));
}

}  // namespace
}  // namespace longhaul::runtime
