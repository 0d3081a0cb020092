// SqliteStore::RecoverLeases: running jobs taken back from a runner that stopped, restarted or
// lost its lease. The attempt cut short does not count, so the job runs again as it was before
// it; a job whose caller waited without an acknowledgement (a synchronous Invoke) ends dead.
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/store_test_util.h"

namespace longhaul::store::sqlite {
namespace {

using std::chrono::seconds;

class LeasesTest : public StoreTest {
 protected:
  Job Fetch(const std::string& id) {
    auto j = store_->Get(id);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    return j.ok() ? *j : Job{};
  }
  // A job its caller waits for, run at once in a free slot, as a synchronous Invoke is.
  NewJob Direct(bool acknowledged) {
    NewJob j = MakeJob();
    j.route = "invoke";
    j.max_attempts = 1;
    j.acknowledged = acknowledged;
    j.claimed_by = "node-a";
    j.claim_lease = seconds(30);
    return j;
  }
};

TEST_F(LeasesTest, ACutShortAttemptDoesNotCount) {
  Open();
  NewJob once = MakeJob();
  once.max_attempts = 1;
  const std::string first = Add(once);
  const std::string second = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()), (std::vector<std::string>{first, second}));
  // `second` fails its first attempt and is in its second when the runner stops.
  Completion failed = Done(second, Completion::Kind::kRetry);
  failed.error = "exit 1";
  failed.next_run_at = clock_.Now();
  ASSERT_TRUE(store_->Complete(failed).ok());
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{second});
  ASSERT_EQ(Fetch(second).attempts, 2);

  auto n = store_->RecoverLeases(clock_.Now(), "node-a");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 2);
  Job a = Fetch(first);
  EXPECT_EQ(a.state, JobState::kQueued);
  EXPECT_EQ(a.attempts, 0);
  EXPECT_FALSE(a.started_at.has_value());
  EXPECT_FALSE(a.finished_at.has_value());
  EXPECT_EQ(a.lease_owner, "");
  EXPECT_EQ(a.last_error, "the runner stopped before the attempt finished");
  Job b = Fetch(second);
  EXPECT_EQ(b.state, JobState::kRetrying);
  EXPECT_EQ(b.attempts, 1);
  EXPECT_TRUE(b.started_at.has_value());

  // Both run again, `first` within its one attempt: attempts never pass max_attempts.
  auto claimed = store_->Claim(ClaimReq());
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].attempts, 1);
  EXPECT_EQ((*claimed)[1].attempts, 2);
}

// A job that kills its server each time it runs must not run forever: the first three cut-short
// attempts are free, then they count, and the last one leaves the job dead. An operator's
// retry starts the count again.
// A claim the runner never acted on (it began to stop) is undone: each job is as the claim found
// it, a first attempt queued, a later one retrying with its error and start kept; nothing is
// counted as interrupted. Another owner's lease is not undone.
TEST_F(LeasesTest, AnUnstartedClaimIsUndone) {
  Open();
  const std::string first = Add(MakeJob());
  const std::string second = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()), (std::vector<std::string>{first, second}));
  Completion failed = Done(second, Completion::Kind::kRetry);
  failed.error = "exit 1";
  failed.next_run_at = clock_.Now();
  ASSERT_TRUE(store_->Complete(failed).ok());
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{second});

  EXPECT_EQ(store_->Unclaim(first, "node-b", clock_.Now()).code(), base::Code::kAborted);
  EXPECT_EQ(store_->Unclaim("nope", "node-a", clock_.Now()).code(), base::Code::kNotFound);
  ASSERT_TRUE(store_->Unclaim(first, "node-a", clock_.Now()).ok());
  ASSERT_TRUE(store_->Unclaim(second, "node-a", clock_.Now()).ok());
  Job a = Fetch(first);
  EXPECT_EQ(a.state, JobState::kQueued);
  EXPECT_EQ(a.attempts, 0);
  EXPECT_EQ(a.interruptions, 0);
  EXPECT_FALSE(a.started_at.has_value());
  EXPECT_EQ(a.lease_owner, "");
  EXPECT_EQ(a.last_error, "");
  Job b = Fetch(second);
  EXPECT_EQ(b.state, JobState::kRetrying);
  EXPECT_EQ(b.attempts, 1);
  EXPECT_EQ(b.interruptions, 0);
  EXPECT_TRUE(b.started_at.has_value());
  EXPECT_EQ(b.last_error, "exit 1");
  // Undone once: a second time finds it no longer running.
  EXPECT_EQ(store_->Unclaim(first, "node-a", clock_.Now()).code(), base::Code::kAborted);
  EXPECT_EQ(ClaimIds(ClaimReq()), (std::vector<std::string>{first, second}));
}

TEST_F(LeasesTest, OnlyTheFirstThreeCutShortAttemptsAreFree) {
  Open();
  NewJob job = MakeJob();
  job.max_attempts = 2;
  const std::string id = Add(job);
  std::vector<std::string> ended_dead;  // what RecoverLeases says it left dead
  auto cut_short = [&] {
    ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
    ASSERT_TRUE(store_->RecoverLeases(clock_.Now(), "node-a", &ended_dead).ok());
  };
  for (int i = 0; i < 3; ++i) {
    cut_short();
    EXPECT_EQ(Fetch(id).attempts, 0) << "recovery " << i + 1;
    EXPECT_EQ(Fetch(id).interruptions, i + 1) << "each one is told to the next attempt";
    EXPECT_EQ(Fetch(id).state, JobState::kQueued);
    EXPECT_TRUE(ended_dead.empty());
  }
  cut_short();  // the 4th counts: attempt 1 of 2
  EXPECT_EQ(Fetch(id).attempts, 1);
  EXPECT_EQ(Fetch(id).state, JobState::kRetrying);
  EXPECT_TRUE(ended_dead.empty());
  cut_short();  // attempt 2 of 2, the last
  EXPECT_EQ(ended_dead, std::vector<std::string>{id});
  Job dead = Fetch(id);
  EXPECT_EQ(dead.state, JobState::kDead);
  EXPECT_EQ(dead.attempts, 2);
  EXPECT_EQ(dead.interruptions, 5);
  EXPECT_TRUE(dead.finished_at.has_value());
  EXPECT_EQ(dead.last_error, "the runner stopped before the attempt finished");

  ASSERT_TRUE(store_->Retry(id, clock_.Now()).ok());
  EXPECT_EQ(Fetch(id).interruptions, 0) << "a retry starts afresh";
  cut_short();
  EXPECT_EQ(Fetch(id).attempts, 0) << "a retried job's count starts again";
  EXPECT_EQ(Fetch(id).interruptions, 1);
}

TEST_F(LeasesTest, AnExpiredLeaseIsTakenBackTheSameWay) {
  Open();
  NewJob once = MakeJob();
  once.max_attempts = 1;
  const std::string id = Add(once);
  ClaimRequest req = ClaimReq();
  req.lease = seconds(30);
  ASSERT_EQ(ClaimIds(req), std::vector<std::string>{id});
  clock_.Advance(seconds(31));
  auto n = store_->RecoverLeases(clock_.Now(), "");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Fetch(id).state, JobState::kQueued);
  EXPECT_EQ(Fetch(id).last_error, "lease expired: the runner did not report in time");
  EXPECT_EQ(store_->Complete(Done(id)).code(), base::Code::kAborted);
  EXPECT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
}

TEST_F(LeasesTest, AJobWhoseCallerWaitedEndsDead) {
  Open();
  const std::string waited = Add(Direct(false));
  const std::string acked = Add(Direct(true));
  ASSERT_EQ(StateOf(waited), JobState::kRunning);
  auto n = store_->RecoverLeases(clock_.Now(), "node-a");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  Job gone = Fetch(waited);
  EXPECT_EQ(gone.state, JobState::kDead);
  EXPECT_EQ(gone.attempts, 1);
  EXPECT_TRUE(gone.finished_at.has_value());
  EXPECT_EQ(gone.last_error, "the runner stopped before the attempt finished");
  EXPECT_EQ(StateOf(acked), JobState::kQueued);
  EXPECT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{acked});
}

TEST_F(LeasesTest, AKeysHeadRunsAgainBeforeTheJobsBehindIt) {
  Open();
  const std::string head = Add(MakeJob("fn", "k"));
  const std::string next = Add(MakeJob("fn", "k"));
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{head});
  ASSERT_TRUE(store_->RecoverLeases(clock_.Now(), "node-a").ok());
  EXPECT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{head});
  EXPECT_EQ(StateOf(next), JobState::kQueued);
}

// A job taken back keeps its place in its function's queue: it runs before the jobs that
// came while it ran, not after them.
TEST_F(LeasesTest, AJobTakenBackKeepsItsPlace) {
  Open();
  const std::string first = Add(MakeJob());
  clock_.Advance(seconds(1));
  const std::string second = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 1)), std::vector<std::string>{first});
  clock_.Advance(seconds(10));
  ASSERT_TRUE(store_->RecoverLeases(clock_.Now(), "node-a").ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 1)), std::vector<std::string>{first});
  clock_.Advance(seconds(10));
  ASSERT_TRUE(store_->ReleaseLeases(clock_.Now(), "node-a").ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 1)), std::vector<std::string>{first});
}

// A graceful stop's own attempts (stopped past shutdown_grace) never count, however often:
// frequent deploys must not wear out a long job's free recoveries.
TEST_F(LeasesTest, AStopsOwnAttemptsNeverCount) {
  Open();
  NewJob once = MakeJob();
  once.max_attempts = 1;
  const std::string id = Add(once);
  const std::string waited = Add(Direct(false));
  std::vector<std::string> dead;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id}) << "stop " << i;
    // The stop took longer than the lease (shutdown_grace past it): still its own, not expired.
    clock_.Advance(seconds(31));
    ASSERT_TRUE(store_->ReleaseLeases(clock_.Now(), "node-a", &dead).ok());
    Job j = Fetch(id);
    EXPECT_EQ(j.state, JobState::kQueued) << "stop " << i;
    EXPECT_EQ(j.attempts, 0);
    EXPECT_EQ(j.interruptions, i + 1) << "not counted, but told to the next attempt";
    EXPECT_EQ(j.last_error,
              "the server stopped it on shutdown (shutdown_grace ran out); it runs again, "
              "uncounted");
    if (i == 0) {
      EXPECT_EQ(dead, std::vector<std::string>{waited}) << "its caller is gone";
      EXPECT_EQ(StateOf(waited), JobState::kDead);
    } else {
      EXPECT_TRUE(dead.empty());
    }
  }
  // And the free recoveries after a crash are all still there.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
    ASSERT_TRUE(store_->RecoverLeases(clock_.Now(), "node-a").ok());
    EXPECT_EQ(Fetch(id).state, JobState::kQueued) << "crash " << i;
  }
}

TEST_F(LeasesTest, OtherOwnersKeepTheirLeases) {
  Open();
  const std::string mine = Add(MakeJob());
  const std::string theirs = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 1)), std::vector<std::string>{mine});
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 1, 10, "node-b")), std::vector<std::string>{theirs});
  auto n = store_->RecoverLeases(clock_.Now(), "node-a");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(StateOf(theirs), JobState::kRunning);
}

}  // namespace
}  // namespace longhaul::store::sqlite
