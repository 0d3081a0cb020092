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

TEST(CompletionFor, AnAttemptTheServerCouldNotStartDoesNotCount) {
  store::Job job = RunningJob();
  job.attempts = 2;
  job.max_attempts = 3;
  config::Function fn;
  fn.retries = 2;
  runtime::Outcome outcome;
  outcome.status = base::ResourceExhausted("cannot create a pipe: Too many open files");
  Decision d{store::Completion::Kind::kRetry, base::FromUnixMs(6000)};
  store::Completion ran = CompletionFor(job, fn, outcome, d, base::FromUnixMs(5000), "node");
  EXPECT_FALSE(ran.attempt_not_run);
  outcome.not_started = true;
  store::Completion c = CompletionFor(job, fn, outcome, d, base::FromUnixMs(5000), "node");
  EXPECT_TRUE(c.attempt_not_run);
  EXPECT_EQ(c.error, "RESOURCE_EXHAUSTED: cannot create a pipe: Too many open files");
  EXPECT_EQ(Recorded(job, c).attempts, 1);
}

TEST(WithoutRequest, KeepsTheJobButNotItsRequest) {
  store::Job head = WithoutRequest(RunningJob());
  EXPECT_EQ(head.id, "01J");
  EXPECT_EQ(head.state, store::JobState::kRunning);
  EXPECT_TRUE(head.request.body.empty());
}

}  // namespace
}  // namespace longhaul::sched
