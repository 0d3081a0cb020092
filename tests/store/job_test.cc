#include "store/job.h"

#include <gtest/gtest.h>

namespace longhaul::store {
namespace {

TEST(JobStateTest, NamesRoundTrip) {
  const struct {
    JobState state;
    const char* name;
    bool terminal;
  } kCases[] = {
      {JobState::kQueued, "queued", false},      {JobState::kRunning, "running", false},
      {JobState::kRetrying, "retrying", false},  {JobState::kSucceeded, "succeeded", true},
      {JobState::kFailed, "failed", true},       {JobState::kDead, "dead", true},
      {JobState::kCancelled, "cancelled", true},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(ToString(c.state), c.name);
    ASSERT_TRUE(ParseJobState(c.name).has_value()) << c.name;
    EXPECT_EQ(*ParseJobState(c.name), c.state);
    EXPECT_EQ(IsTerminal(c.state), c.terminal) << c.name;
  }
}

TEST(JobStateTest, RejectsUnknownNames) {
  EXPECT_FALSE(ParseJobState("").has_value());
  EXPECT_FALSE(ParseJobState("Queued").has_value());
  EXPECT_FALSE(ParseJobState("done").has_value());
}

}  // namespace
}  // namespace longhaul::store
