#include "sched/job_records.h"

#include <gtest/gtest.h>

namespace longhaul::sched {
namespace {

store::Job RunningJob() {
  store::Job job;
  job.id = "01J";
  job.state = store::JobState::kRunning;
  job.lease_owner = "node";
  job.lease_expires_at = base::FromUnixMs(2000);
  job.request.body = std::string(1024, 'x');
  return job;
}

TEST(Recorded, IsTheJobAsTheStoreLeavesIt) {
  store::Completion c;
  c.kind = store::Completion::Kind::kSucceeded;
  c.now = base::FromUnixMs(5000);
  c.result = store::Response{201, {}, "made"};
  store::Job done = Recorded(RunningJob(), c);
  EXPECT_EQ(done.state, store::JobState::kSucceeded);
  EXPECT_EQ(done.finished_at, c.now);
  EXPECT_TRUE(done.lease_owner.empty());
  ASSERT_TRUE(done.result.has_value());
  EXPECT_EQ(done.result->body, "made");

  c.kind = store::Completion::Kind::kRetry;
  c.next_run_at = base::FromUnixMs(9000);
  store::Job again = Recorded(RunningJob(), c);
  EXPECT_EQ(again.state, store::JobState::kRetrying);
  EXPECT_EQ(again.next_run_at, c.next_run_at);
  EXPECT_FALSE(again.finished_at.has_value());
}

TEST(WithoutRequest, KeepsTheJobButNotItsRequest) {
  store::Job head = WithoutRequest(RunningJob());
  EXPECT_EQ(head.id, "01J");
  EXPECT_EQ(head.state, store::JobState::kRunning);
  EXPECT_TRUE(head.request.body.empty());
}

}  // namespace
}  // namespace longhaul::sched
