#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "store/sqlite/internal/schema.h"
#include "store/sqlite/store_test_util.h"

namespace longhaul::store::sqlite {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_F(StoreTest, AppendThenGetRoundTrips) {
  Open();
  NewJob job = MakeJob("resize");
  job.route = "POST /img";
  job.idempotency_key = "key-1";
  job.ordering_key = "chat-7";
  job.max_attempts = 5;
  job.request.method = "PUT";
  job.request.path = "/img/42";
  job.request.query = "a=1&b=%20";
  job.request.remote_addr = "10.0.0.1:5555";
  job.request.headers = {{"Content-Type", "application/json"},
                         {"X-Dup", "1"},
                         {"X-Dup", "2"},
                         {"X-Odd", std::string("\xff\xfe q\"\\\n\x01", 8)}};
  job.request.path_params = {{"id", "42"}};
  job.request.body = std::string("bin\0ary\xff", 8);
  const NewJob copy = job;

  auto r = AppendAndWait(*store_, std::move(job));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->job_id, copy.id);
  EXPECT_FALSE(r->duplicate);

  auto got = store_->Get(copy.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const Job& j = *got;
  EXPECT_EQ(j.id, copy.id);
  EXPECT_EQ(j.function, "resize");
  EXPECT_EQ(j.route, "POST /img");
  EXPECT_EQ(j.idempotency_key, "key-1");
  EXPECT_EQ(j.ordering_key, "chat-7");
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.max_attempts, 5);
  EXPECT_EQ(j.created_at, copy.created_at);
  EXPECT_EQ(j.updated_at, copy.created_at);
  EXPECT_EQ(j.next_run_at, copy.created_at);
  EXPECT_EQ(j.expires_at, copy.expires_at);
  EXPECT_FALSE(j.started_at.has_value());
  EXPECT_FALSE(j.finished_at.has_value());
  EXPECT_EQ(j.lease_owner, "");
  EXPECT_FALSE(j.result.has_value());
  EXPECT_EQ(j.request.method, "PUT");
  EXPECT_EQ(j.request.path, "/img/42");
  EXPECT_EQ(j.request.query, "a=1&b=%20");
  EXPECT_EQ(j.request.remote_addr, "10.0.0.1:5555");
  EXPECT_EQ(j.request.headers, copy.request.headers);
  EXPECT_EQ(j.request.path_params, copy.request.path_params);
  EXPECT_EQ(j.request.body, copy.request.body);
}

// The data dir holds requests and their secrets: one the store creates is its user's only.
TEST_F(StoreTest, ACreatedDataDirIsPrivate) {
  SqliteOptions o = Options();
  o.path = dir_.File("new/data/longhaul.db");
  Open(o);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("new/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  Add(MakeJob());  // the WAL exists now
  for (const char* file : {"longhaul.db", "longhaul.db-wal", "longhaul.db-shm"}) {
    ASSERT_EQ(::stat(dir_.File(std::string("new/data/") + file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
}

// So are the files in a data dir that existed (an operator's /var/lib/longhaul), also a
// database an older version made 0644 (its WAL and index follow the database's mode).
TEST_F(StoreTest, TheDatabaseFilesArePrivateInAnyDataDir) {
  ASSERT_EQ(::mkdir(dir_.File("shared").c_str(), 0755), 0);
  { std::ofstream(dir_.File("shared/longhaul.db")); }
  ASSERT_EQ(::chmod(dir_.File("shared/longhaul.db").c_str(), 0644), 0);
  SqliteOptions o = Options();
  o.path = dir_.File("shared/longhaul.db");
  Open(o);
  Add(MakeJob());
  struct stat st {};
  for (const char* file : {"longhaul.db", "longhaul.db-wal", "longhaul.db-shm"}) {
    ASSERT_EQ(::stat(dir_.File(std::string("shared/") + file).c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
}

TEST_F(StoreTest, EmptyFieldsRoundTrip) {
  Open();
  NewJob job = MakeJob();
  job.request = Request{};
  job.expires_at = {};  // never expires
  std::string id = Add(job);
  auto got = store_->Get(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->request.body, "");
  EXPECT_TRUE(got->request.headers.empty());
  EXPECT_EQ(got->expires_at, base::TimePoint{});
}

TEST_F(StoreTest, GetUnknownIsNotFound) {
  Open();
  EXPECT_EQ(store_->Get("01HZZZZZZZZZZZZZZZZZZZZZZZ").status().code(), base::Code::kNotFound);
}

TEST_F(StoreTest, TakenIdFailsOnlyThatAppend) {
  Open();
  NewJob a = MakeJob();
  NewJob b = MakeJob();
  b.id = a.id;
  Add(a);
  auto r = AppendAndWait(*store_, b);
  EXPECT_EQ(r.status().code(), base::Code::kAlreadyExists);
  EXPECT_TRUE(store_->Healthy().ok());
  Add(MakeJob());
}

// An outcome's follow-up job (a destination's) is appended in the outcome's transaction: both
// are recorded, or (here its id is taken) neither is.
TEST_F(StoreTest, AnOutcomeAndItsFollowUpCommitTogether) {
  Open();
  const std::string first = Add(MakeJob());
  const std::string second = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()), (std::vector<std::string>{first, second}));

  Completion ok = Done(first);
  ok.follow_up = MakeJob("sink");
  const std::string follow = ok.follow_up->id;
  ASSERT_TRUE(store_->Complete(ok).ok());
  EXPECT_EQ(StateOf(first), JobState::kSucceeded);
  EXPECT_EQ(StateOf(follow), JobState::kQueued);

  Completion clash = Done(second, Completion::Kind::kDead);
  clash.follow_up = MakeJob("sink");
  clash.follow_up->id = follow;  // taken: the append fails, and the outcome with it
  EXPECT_EQ(store_->Complete(clash).code(), base::Code::kAlreadyExists);
  EXPECT_EQ(StateOf(second), JobState::kRunning);
  EXPECT_TRUE(store_->Healthy().ok());
}

TEST_F(StoreTest, AppendWithoutIdOrFunctionIsInvalid) {
  Open();
  NewJob no_id = MakeJob();
  no_id.id.clear();
  EXPECT_EQ(AppendAndWait(*store_, no_id).status().code(), base::Code::kInvalidArgument);
  NewJob no_fn = MakeJob();
  no_fn.function.clear();
  EXPECT_EQ(AppendAndWait(*store_, no_fn).status().code(), base::Code::kInvalidArgument);
}

TEST_F(StoreTest, ConcurrentAppendsAreAllAckedAndSurviveReopen) {
  Open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<base::Result<AppendResult>>> pending;
      for (int i = 0; i < kPerThread; ++i) {
        NewJob j;
        j.id = base::NewJobId(clock_.Now());
        j.function = "fn";
        j.created_at = clock_.Now();
        j.request.body = std::to_string(t) + ":" + std::to_string(i);
        ids[t].push_back(j.id);
        auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
        pending.push_back(p->get_future());
        store_->Append(std::move(j), [p](base::Result<AppendResult> r) { p->set_value(r); });
      }
      for (auto& f : pending) {
        if (!f.get().ok()) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  SqliteStore::Stats stats = store_->stats();
  EXPECT_LT(stats.commits, static_cast<uint64_t>(kThreads * kPerThread));

  Close();
  Open();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      auto j = store_->Get(ids[t][i]);
      ASSERT_TRUE(j.ok()) << j.status().ToString();
      EXPECT_EQ(j->request.body, std::to_string(t) + ":" + std::to_string(i));
    }
  }
}

TEST_F(StoreTest, GroupCommitPutsQueuedAppendsInOneTransaction) {
  Open();
  WriterGate gate;
  gate.Hold(*store_, MakeJob());
  std::vector<std::future<base::Result<AppendResult>>> pending;
  for (int i = 0; i < 1000; ++i) {
    auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
    pending.push_back(p->get_future());
    store_->Append(MakeJob(), [p](base::Result<AppendResult> r) { p->set_value(r); });
  }
  gate.Release();
  for (auto& f : pending) {
    auto r = f.get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_TRUE(gate.first_ok());
  SqliteStore::Stats stats = store_->stats();
  EXPECT_EQ(stats.ops, 1001u);
  EXPECT_EQ(stats.commits, 2u);  // the gate's own batch, then all 1000 at once
  EXPECT_EQ(stats.max_batch_ops, 1000u);
}

TEST_F(StoreTest, BatchesRespectCountAndByteCaps) {
  SqliteOptions o = Options();
  o.max_batch = 100;
  o.max_batch_bytes = 64 * 1024;
  Open(o);
  WriterGate gate;
  gate.Hold(*store_, MakeJob());
  std::vector<std::future<base::Result<AppendResult>>> pending;
  for (int i = 0; i < 250; ++i) {
    auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
    pending.push_back(p->get_future());
    store_->Append(MakeJob(), [p](base::Result<AppendResult> r) { p->set_value(r); });
  }
  for (int i = 0; i < 4; ++i) {  // 40 KiB bodies: at most one fits with another in 64 KiB
    NewJob big = MakeJob();
    big.request.body.assign(40 * 1024, 'x');
    auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
    pending.push_back(p->get_future());
    store_->Append(std::move(big), [p](base::Result<AppendResult> r) { p->set_value(r); });
  }
  gate.Release();
  for (auto& f : pending) {
    EXPECT_TRUE(f.get().ok());
  }
  SqliteStore::Stats stats = store_->stats();
  EXPECT_LE(stats.max_batch_ops, 100u);
  // 1 (gate) + 3 batches for 250 small jobs (100, 100, 50 + at most one big) + 3 or 4 more
  // for the big ones.
  EXPECT_GE(stats.commits, 1u + 3u + 3u);
}

TEST_F(StoreTest, FullQueueIsResourceExhaustedAtOnce) {
  SqliteOptions o = Options();
  o.max_queue = 4;
  Open(o);
  WriterGate gate;
  gate.Hold(*store_, MakeJob());
  std::vector<std::future<base::Result<AppendResult>>> pending;
  for (int i = 0; i < 4; ++i) {
    auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
    pending.push_back(p->get_future());
    store_->Append(MakeJob(), [p](base::Result<AppendResult> r) { p->set_value(r); });
  }
  bool called_inline = false;
  base::Status rejected;
  NewJob extra = MakeJob();
  const std::string extra_id = extra.id;
  store_->Append(std::move(extra), [&](base::Result<AppendResult> r) {
    called_inline = true;
    rejected = r.status();
  });
  EXPECT_TRUE(called_inline);
  EXPECT_EQ(rejected.code(), base::Code::kResourceExhausted);
  gate.Release();
  for (auto& f : pending) {
    EXPECT_TRUE(f.get().ok());
  }
  EXPECT_EQ(store_->Get(extra_id).status().code(), base::Code::kNotFound);
  EXPECT_TRUE(store_->Healthy().ok());
  Add(MakeJob());  // room again
}

TEST_F(StoreTest, DuplicateKeyReturnsTheFirstJob) {
  Open();
  NewJob a = MakeJob();
  a.idempotency_key = "evt-1";
  NewJob b = MakeJob();
  b.idempotency_key = "evt-1";
  const std::string b_id = b.id;
  auto first = AppendAndWait(*store_, a);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->duplicate);
  auto second = AppendAndWait(*store_, b);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->job_id, a.id);
  EXPECT_EQ(store_->Get(b_id).status().code(), base::Code::kNotFound);

  // Same key on another route is another event.
  NewJob c = MakeJob();
  c.idempotency_key = "evt-1";
  c.route = "POST /other";
  auto third = AppendAndWait(*store_, c);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->duplicate);
  EXPECT_EQ(third->job_id, c.id);
}

TEST_F(StoreTest, DuplicateKeyWithinOneBatch) {
  Open();
  WriterGate gate;
  gate.Hold(*store_, MakeJob());
  NewJob a = MakeJob();
  a.idempotency_key = "evt-2";
  NewJob b = MakeJob();
  b.idempotency_key = "evt-2";
  const std::string a_id = a.id;
  const std::string b_id = b.id;
  std::promise<base::Result<AppendResult>> pa;
  std::promise<base::Result<AppendResult>> pb;
  store_->Append(std::move(a), [&](base::Result<AppendResult> r) { pa.set_value(r); });
  store_->Append(std::move(b), [&](base::Result<AppendResult> r) { pb.set_value(r); });
  gate.Release();
  auto ra = pa.get_future().get();
  auto rb = pb.get_future().get();
  ASSERT_TRUE(ra.ok());
  ASSERT_TRUE(rb.ok());
  EXPECT_FALSE(ra->duplicate);
  EXPECT_TRUE(rb->duplicate);
  EXPECT_EQ(rb->job_id, a_id);
  EXPECT_EQ(store_->stats().max_batch_ops, 2u);
  EXPECT_EQ(store_->Get(b_id).status().code(), base::Code::kNotFound);
}

// A job made after the purge of the newest ones is numbered above them, across a restart too:
// a cursor saved before the purge (its page held the newest) never returns it (QA: SQLite reused
// the purged numbers, and the "older" page began with the new job).
TEST_F(StoreTest, JobsAfterAPurgeOfTheNewestStayOffOlderPages) {
  Open();
  const std::string old_job = Add(MakeJob());
  const std::string a = Add(MakeJob());
  const std::string b = Add(MakeJob());
  ListFilter first;
  first.limit = 1;
  auto page = store_->List(first);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->jobs.size(), 1u);
  EXPECT_EQ(page->jobs[0].id, b);
  const std::string cursor = page->next_cursor;
  for (const std::string& id : {a, b}) {
    ASSERT_TRUE(store_->Cancel(id, clock_.Now()).ok());
  }
  clock_.Advance(minutes(1));
  ASSERT_EQ(*store_->PurgeFinishedJobs(clock_.Now(), 10), 2);
  Close();
  Open();
  const std::string later = Add(MakeJob());
  ListFilter older;
  older.cursor = cursor;
  auto rest = store_->List(older);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  std::vector<std::string> ids;
  for (const Job& j : rest->jobs) ids.push_back(j.id);
  EXPECT_EQ(ids, std::vector<std::string>{old_job}) << "the new job is " << later;
  auto all = store_->List(ListFilter{});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->jobs.size(), 2u);
  EXPECT_EQ(all->jobs[0].id, later);  // newest first
}

// A key whose job was purged (server.retention shortened below the key's window) names
// nothing: a redelivery makes a new job instead of naming one that is gone.
TEST_F(StoreTest, AKeyWhoseJobWasPurgedAllowsANewJob) {
  Open();
  NewJob a = MakeJob();
  a.idempotency_key = "evt-gone";
  a.idempotency_window = hours(1);
  const std::string a_id = Add(a);
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{a_id});
  ASSERT_TRUE(store_->Complete(Done(a_id)).ok());
  clock_.Advance(minutes(1));
  ASSERT_EQ(*store_->PurgeFinishedJobs(clock_.Now(), 10), 1);
  NewJob b = MakeJob();
  b.idempotency_key = "evt-gone";
  auto rb = AppendAndWait(*store_, b);
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_FALSE(rb->duplicate);
  EXPECT_EQ(rb->job_id, b.id);
  NewJob c = MakeJob();
  c.idempotency_key = "evt-gone";
  auto rc = AppendAndWait(*store_, c);
  ASSERT_TRUE(rc.ok());
  EXPECT_TRUE(rc->duplicate) << "the new job holds the key now";
  EXPECT_EQ(rc->job_id, b.id);
}

TEST_F(StoreTest, ExpiredKeyWindowAllowsANewJob) {
  Open();
  NewJob a = MakeJob();
  a.idempotency_key = "evt-3";
  a.idempotency_window = hours(1);
  Add(a);
  clock_.Advance(minutes(59));
  NewJob b = MakeJob();
  b.idempotency_key = "evt-3";
  auto rb = AppendAndWait(*store_, b);
  ASSERT_TRUE(rb.ok());
  EXPECT_TRUE(rb->duplicate);

  clock_.Advance(minutes(1));
  NewJob c = MakeJob();
  c.idempotency_key = "evt-3";
  c.idempotency_window = hours(1);
  auto rc = AppendAndWait(*store_, c);
  ASSERT_TRUE(rc.ok());
  EXPECT_FALSE(rc->duplicate);
  EXPECT_EQ(rc->job_id, c.id);

  // The new window belongs to c.
  NewJob d = MakeJob();
  d.idempotency_key = "evt-3";
  auto rd = AppendAndWait(*store_, d);
  ASSERT_TRUE(rd.ok());
  EXPECT_TRUE(rd->duplicate);
  EXPECT_EQ(rd->job_id, c.id);
}

TEST_F(StoreTest, PurgeExpiredKeysRemovesOnlyExpired) {
  Open();
  for (int i = 0; i < 3; ++i) {
    NewJob j = MakeJob();
    j.idempotency_key = "short-" + std::to_string(i);
    j.idempotency_window = minutes(5);
    Add(j);
  }
  NewJob keep = MakeJob();
  keep.idempotency_key = "long";
  keep.idempotency_window = hours(5);
  Add(keep);
  auto none = store_->PurgeExpiredKeys(clock_.Now());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  clock_.Advance(minutes(10));
  auto purged = store_->PurgeExpiredKeys(clock_.Now());
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 3);
  NewJob again = MakeJob();
  again.idempotency_key = "long";
  auto r = AppendAndWait(*store_, again);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate);
}

TEST_F(StoreTest, ClaimLeasesTheOldestQueuedJobs) {
  Open();
  std::string a = Add(MakeJob());
  clock_.Advance(milliseconds(1));
  std::string b = Add(MakeJob());
  std::string other = Add(MakeJob("other-fn"));
  ClaimRequest req = ClaimReq("fn", 1);
  req.lease = seconds(30);
  auto claimed = store_->Claim(req);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  const Job& j = (*claimed)[0];
  EXPECT_EQ(j.id, a);
  EXPECT_EQ(j.state, JobState::kRunning);
  EXPECT_EQ(j.attempts, 1);
  EXPECT_EQ(j.lease_owner, "node-a");
  EXPECT_EQ(j.lease_expires_at, clock_.Now() + seconds(30));
  ASSERT_TRUE(j.started_at.has_value());
  EXPECT_EQ(*j.started_at, clock_.Now());
  EXPECT_EQ(j.request.body, "{\"n\":1}");  // claims carry the request for the runtime
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{b});
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{});
  EXPECT_EQ(StateOf(other), JobState::kQueued);
}

TEST_F(StoreTest, ClaimRespectsConcurrencyAcrossOwners) {
  Open();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Add(MakeJob()));
  }
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 10, 2, "node-a")).size(), 2u);
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 10, 2, "node-b")).size(), 0u);
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 10, 3, "node-b")).size(), 1u);
  ASSERT_TRUE(store_->Complete(Done(ids[0])).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 10, 3, "node-b")), std::vector<std::string>{ids[3]});
  EXPECT_EQ(store_->Claim(ClaimReq("fn", 1, 0)).status().code(), base::Code::kInvalidArgument);
  EXPECT_TRUE(ClaimIds(ClaimReq("fn", 0, 10)).empty());
}

TEST_F(StoreTest, AClaimedAppendIsStoredRunningAndCountsAgainstConcurrency) {
  Open();
  std::string queued = Add(MakeJob());
  NewJob direct = MakeJob();
  direct.claimed_by = "node-a";
  direct.claim_lease = seconds(30);
  std::string id = Add(std::move(direct));
  auto j = store_->Get(id);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(j->state, JobState::kRunning);
  EXPECT_EQ(j->attempts, 1);
  EXPECT_EQ(j->lease_owner, "node-a");
  EXPECT_EQ(j->lease_expires_at, clock_.Now() + seconds(30));
  ASSERT_TRUE(j->started_at.has_value());
  EXPECT_EQ(*j->started_at, clock_.Now());
  // It holds the one slot: nothing else is claimed until it completes.
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 10, 1)), std::vector<std::string>{});
  ASSERT_TRUE(store_->Complete(Done(id)).ok());
  EXPECT_EQ(StateOf(id), JobState::kSucceeded);
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 10, 1)), std::vector<std::string>{queued});

  NewJob keyed = MakeJob("fn", "chat-a");
  keyed.claimed_by = "node-a";
  EXPECT_EQ(AppendAndWait(*store_, std::move(keyed)).status().code(), base::Code::kInvalidArgument);
}

TEST_F(StoreTest, CompleteAndClaimHandsTheSlotToTheNextJob) {
  Open();
  std::string a = Add(MakeJob());
  std::string b = Add(MakeJob());
  std::string c = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 10, 1)), std::vector<std::string>{a});
  std::vector<Job> claimed;
  // Concurrency 1: the next job fits only because the completion frees the slot. `recorded`
  // runs once, after the commit (a reader already sees the outcome) and before the return.
  int recorded = 0;
  JobState seen = JobState::kQueued;
  ASSERT_TRUE(store_
                  ->CompleteAndClaim(Done(a), ClaimReq("fn", 1, 1), &claimed,
                                     [&] {
                                       ++recorded;
                                       seen = StateOf(a);
                                     })
                  .ok());
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(seen, JobState::kSucceeded);
  EXPECT_EQ(StateOf(a), JobState::kSucceeded);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, b);
  EXPECT_EQ(claimed[0].state, JobState::kRunning);
  EXPECT_EQ(StateOf(b), JobState::kRunning);
  // An outcome that is dropped (not our lease) still lets the claim run; here the slot is
  // still b's, so nothing is claimed.
  base::Status s = store_->CompleteAndClaim(Done(b, Completion::Kind::kSucceeded, "node-b"),
                                            ClaimReq("fn", 1, 1), &claimed, [&] { ++recorded; });
  EXPECT_EQ(s.code(), base::Code::kAborted);
  EXPECT_EQ(recorded, 1) << "a dropped outcome must not be reported as recorded";
  EXPECT_TRUE(claimed.empty());
  EXPECT_EQ(StateOf(b), JobState::kRunning);
  EXPECT_EQ(StateOf(c), JobState::kQueued);
}

TEST_F(StoreTest, OrderingKeyRunsOneAtATimeInOrder) {
  Open();
  std::string a1 = Add(MakeJob("fn", "chat-a"));
  std::string a2 = Add(MakeJob("fn", "chat-a"));
  std::string b1 = Add(MakeJob("fn", "chat-b"));
  std::string a3 = Add(MakeJob("fn", "chat-a"));
  std::string n1 = Add(MakeJob("fn"));
  std::string other_fn = Add(MakeJob("fn2", "chat-a"));  // keys are per function

  EXPECT_EQ(ClaimIds(ClaimReq("fn")), (std::vector<std::string>{a1, b1, n1}));
  EXPECT_TRUE(ClaimIds(ClaimReq("fn")).empty());
  EXPECT_EQ(ClaimIds(ClaimReq("fn2")), std::vector<std::string>{other_fn});

  // A retry keeps its place: a2 still waits.
  Completion retry = Done(a1, Completion::Kind::kRetry);
  retry.next_run_at = clock_.Now() + seconds(10);
  ASSERT_TRUE(store_->Complete(retry).ok());
  EXPECT_TRUE(ClaimIds(ClaimReq("fn")).empty());
  clock_.Advance(seconds(10));
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a2});
  // Cancelling the running head lets the next one go.
  ASSERT_TRUE(store_->Cancel(a2, clock_.Now()).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a3});
}

// A cancelled job keeps its stopped attempt's output; a job that is not cancelled takes none.
TEST_F(StoreTest, ACancelledJobKeepsItsStoppedOutput) {
  Open();
  std::string id = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()).size(), 1u);
  EXPECT_EQ(store_->KeepStoppedOutput(id, "out", "err").code(),
            base::Code::kFailedPrecondition);  // running
  ASSERT_TRUE(store_->Cancel(id, clock_.Now()).ok());
  ASSERT_TRUE(store_->KeepStoppedOutput(id, "out", std::string("err\xff", 4)).ok());
  auto j = store_->Get(id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->state, JobState::kCancelled);
  EXPECT_EQ(j->stdout_tail, "out");
  EXPECT_EQ(j->stderr_tail, std::string("err\xff", 4));
}

TEST_F(StoreTest, CancellingAWaitingJobKeepsTheOrder) {
  Open();
  std::string a1 = Add(MakeJob("fn", "k"));
  std::string a2 = Add(MakeJob("fn", "k"));
  std::string a3 = Add(MakeJob("fn", "k"));
  ASSERT_TRUE(store_->Cancel(a2, clock_.Now()).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1, Completion::Kind::kFailed)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a3});
}

TEST_F(StoreTest, RetriedOldJobGoesBackToTheFrontOfItsKey) {
  Open();
  std::string a1 = Add(MakeJob("fn", "k"));
  std::string a2 = Add(MakeJob("fn", "k"));
  std::string a3 = Add(MakeJob("fn", "k"));
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1, Completion::Kind::kDead)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a2});
  ASSERT_TRUE(store_->Retry(a1, clock_.Now()).ok());
  // a2 is running, so nothing of the key may start; a1 is older, so it is next, then a3.
  EXPECT_TRUE(ClaimIds(ClaimReq("fn")).empty());
  ASSERT_TRUE(store_->Complete(Done(a2)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a3});
}

TEST_F(StoreTest, RetriedJobWaitsForTheRunningOneEvenIfItRetries) {
  Open();
  std::string a1 = Add(MakeJob("fn", "k"));
  std::string a2 = Add(MakeJob("fn", "k"));
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1, Completion::Kind::kFailed)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a2});
  ASSERT_TRUE(store_->Retry(a1, clock_.Now()).ok());
  EXPECT_TRUE(ClaimIds(ClaimReq("fn")).empty());
  // a2's attempt fails and will be retried: a1, older, runs first, then a2.
  Completion retry = Done(a2, Completion::Kind::kRetry);
  retry.next_run_at = clock_.Now();
  ASSERT_TRUE(store_->Complete(retry).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a2});
}

TEST_F(StoreTest, RecoveredLeaseUnblocksTheRetriedHead) {
  Open();
  std::string a1 = Add(MakeJob("fn", "k"));
  std::string a2 = Add(MakeJob("fn", "k"));
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
  ASSERT_TRUE(store_->Complete(Done(a1, Completion::Kind::kDead)).ok());
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a2});
  ASSERT_TRUE(store_->Retry(a1, clock_.Now()).ok());
  auto n = store_->RecoverLeases(clock_.Now(), "node-a");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{a1});
}

TEST_F(StoreTest, ExpiredJobsGoDeadInsteadOfRunning) {
  Open();
  NewJob old = MakeJob("fn", "k");
  old.expires_at = clock_.Now() + minutes(1);
  const std::string old_body = old.request.body;
  std::string old_id = Add(old);
  std::string next_id = Add(MakeJob("fn", "k"));
  NewJob forever = MakeJob("fn");
  forever.expires_at = {};
  std::string forever_id = Add(forever);
  clock_.Advance(minutes(2));
  // The dead head lets the next job of its key run in the same claim.
  std::vector<Job> expired;
  ClaimRequest req = ClaimReq("fn");
  req.expired = &expired;
  std::vector<std::string> claimed = ClaimIds(req);
  // The expired job is handed back whole, for its EventAgeExceeded record.
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, old_id);
  EXPECT_EQ(expired[0].state, JobState::kDead);
  EXPECT_EQ(expired[0].request.body, old_body);
  std::sort(claimed.begin(), claimed.end());
  std::vector<std::string> want = {next_id, forever_id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(claimed, want);
  auto dead = store_->Get(old_id);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->state, JobState::kDead);
  EXPECT_NE(dead->last_error.find("max_event_age"), std::string::npos);
  EXPECT_TRUE(dead->finished_at.has_value());
  EXPECT_EQ(dead->attempts, 0);
}

// A job that failed and then outlived max_event_age keeps its last attempt's error.
TEST_F(StoreTest, AnExpiredJobKeepsItsLastAttemptsError) {
  Open();
  NewJob job = MakeJob("fn");
  job.expires_at = clock_.Now() + minutes(1);
  std::string id = Add(job);
  ASSERT_EQ(ClaimIds(ClaimReq("fn")), std::vector<std::string>{id});
  Completion retry = Done(id, Completion::Kind::kRetry);
  retry.error = "UNKNOWN: exit status 3";
  retry.next_run_at = clock_.Now() + minutes(2);
  ASSERT_TRUE(store_->Complete(retry).ok());
  clock_.Advance(minutes(3));
  EXPECT_TRUE(ClaimIds(ClaimReq("fn")).empty());
  auto dead = store_->Get(id);
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->state, JobState::kDead);
  EXPECT_EQ(dead->last_error,
            "event age exceeded (max_event_age); the last attempt: UNKNOWN: exit status 3");
  // GET /routes names the expiry as the route's newest error.
  auto stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->last_error, "event age exceeded (max_event_age)");
  EXPECT_EQ(stats->last_error_at, clock_.Now());
}

TEST_F(StoreTest, CompleteRecordsTheOutcome) {
  Open();
  std::string id = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()).size(), 1u);
  clock_.Advance(seconds(3));
  Completion c = Done(id);
  c.result = Response{201, {{"Content-Type", "text/plain"}}, std::string("ok\0k", 4)};
  c.stdout_tail = "out";
  c.stderr_tail = std::string("err\xff", 4);
  ASSERT_TRUE(store_->Complete(c).ok());
  auto j = store_->Get(id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->state, JobState::kSucceeded);
  ASSERT_TRUE(j->result.has_value());
  EXPECT_EQ(j->result->status, 201);
  EXPECT_EQ(j->result->headers, c.result->headers);
  EXPECT_EQ(j->result->body, c.result->body);
  EXPECT_EQ(j->stdout_tail, "out");
  EXPECT_EQ(j->stderr_tail, c.stderr_tail);
  ASSERT_TRUE(j->finished_at.has_value());
  EXPECT_EQ(*j->finished_at, clock_.Now());
  EXPECT_EQ(j->lease_owner, "");
  // A second report is refused: the job is no longer leased.
  EXPECT_EQ(store_->Complete(c).code(), base::Code::kAborted);

  // A listing has summaries: outputs may be megabytes each, times a thousand jobs a page.
  auto page = store_->List(ListFilter{});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->jobs.size(), 1u);
  const Job& listed = page->jobs[0];
  ASSERT_TRUE(listed.result.has_value());
  EXPECT_EQ(listed.result->status, 201);
  EXPECT_TRUE(listed.result->headers.empty());
  EXPECT_EQ(listed.result->body, "");
  EXPECT_EQ(listed.stdout_tail, "");
  EXPECT_EQ(listed.stderr_tail, "");
  EXPECT_TRUE(listed.request.headers.empty());
  EXPECT_EQ(listed.request.method, "POST");
}

TEST_F(StoreTest, CompleteRetryAndFailureStates) {
  Open();
  std::string r = Add(MakeJob());
  std::string f = Add(MakeJob());
  std::string d = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()).size(), 3u);
  Completion retry = Done(r, Completion::Kind::kRetry);
  retry.error = "exit status 1";
  retry.next_run_at = clock_.Now() + seconds(30);
  ASSERT_TRUE(store_->Complete(retry).ok());
  ASSERT_TRUE(store_->Complete(Done(f, Completion::Kind::kFailed)).ok());
  ASSERT_TRUE(store_->Complete(Done(d, Completion::Kind::kDead)).ok());
  auto rj = store_->Get(r);
  ASSERT_TRUE(rj.ok());
  EXPECT_EQ(rj->state, JobState::kRetrying);
  EXPECT_EQ(rj->last_error, "exit status 1");
  EXPECT_EQ(rj->next_run_at, clock_.Now() + seconds(30));
  EXPECT_FALSE(rj->finished_at.has_value());
  EXPECT_EQ(StateOf(f), JobState::kFailed);
  EXPECT_EQ(StateOf(d), JobState::kDead);

  auto next = store_->NextRunAt();
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, clock_.Now() + seconds(30));
  EXPECT_TRUE(ClaimIds(ClaimReq()).empty());
  clock_.Advance(seconds(30));
  auto again = store_->Claim(ClaimReq());
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
}

TEST_F(StoreTest, CompleteChecksTheLeaseOwner) {
  Open();
  std::string id = Add(MakeJob());
  EXPECT_EQ(store_->Complete(Done(id)).code(), base::Code::kAborted);  // not running
  ASSERT_EQ(ClaimIds(ClaimReq()).size(), 1u);
  EXPECT_EQ(store_->Complete(Done(id, Completion::Kind::kSucceeded, "node-b")).code(),
            base::Code::kAborted);
  EXPECT_EQ(StateOf(id), JobState::kRunning);
  EXPECT_EQ(store_->Complete(Done("01HZZZZZZZZZZZZZZZZZZZZZZZ")).code(), base::Code::kNotFound);
  // Cancelled while running: the runner's report is dropped.
  ASSERT_TRUE(store_->Cancel(id, clock_.Now()).ok());
  EXPECT_EQ(store_->Complete(Done(id)).code(), base::Code::kAborted);
  EXPECT_EQ(StateOf(id), JobState::kCancelled);
}

TEST_F(StoreTest, ExtendLease) {
  Open();
  std::string id = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()).size(), 1u);
  const base::TimePoint until = clock_.Now() + minutes(5);
  ASSERT_TRUE(store_->ExtendLease(id, "node-a", until).ok());
  auto j = store_->Get(id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->lease_expires_at, until);
  EXPECT_EQ(store_->ExtendLease(id, "node-b", until).code(), base::Code::kAborted);
  EXPECT_EQ(store_->ExtendLease("01HZZZZZZZZZZZZZZZZZZZZZZZ", "node-a", until).code(),
            base::Code::kNotFound);
  // The extended lease does not expire at the old time.
  clock_.Advance(seconds(31));
  auto n = store_->RecoverLeases(clock_.Now(), "");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST_F(StoreTest, RecoverLeasesRequeuesExpiredAndOwnWork) {
  Open();
  std::string a = Add(MakeJob());
  std::string b = Add(MakeJob());
  std::string c = Add(MakeJob());
  ClaimRequest req_a = ClaimReq("fn", 1, 10, "node-a");
  req_a.lease = seconds(30);
  ASSERT_EQ(ClaimIds(req_a), std::vector<std::string>{a});
  clock_.Advance(seconds(20));
  ClaimRequest req_b = ClaimReq("fn", 1, 10, "node-b");
  req_b.lease = seconds(30);
  ASSERT_EQ(ClaimIds(req_b), std::vector<std::string>{b});
  ClaimRequest req_c = ClaimReq("fn", 1, 10, "node-c");
  req_c.lease = minutes(30);
  ASSERT_EQ(ClaimIds(req_c), std::vector<std::string>{c});

  auto none = store_->RecoverLeases(clock_.Now(), "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  clock_.Advance(seconds(11));  // a's lease (30s) has run out, b's has not
  auto one = store_->RecoverLeases(clock_.Now(), "");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1);
  EXPECT_EQ(StateOf(a), JobState::kQueued);  // as before its cut-short attempt
  EXPECT_EQ(StateOf(b), JobState::kRunning);
  // node-a lost the lease: its late report is refused, and the job runs again.
  EXPECT_EQ(store_->Complete(Done(a)).code(), base::Code::kAborted);
  auto again = store_->Claim(ClaimReq("fn", 10, 10, "node-d"));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, a);
  EXPECT_EQ((*again)[0].attempts, 1);

  // node-c restarts and takes back its own work at once.
  auto mine = store_->RecoverLeases(clock_.Now(), "node-c");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(*mine, 1);
  EXPECT_EQ(StateOf(c), JobState::kQueued);
}

TEST_F(StoreTest, RetryAndCancelRules) {
  Open();
  std::string q = Add(MakeJob());
  std::string done = Add(MakeJob());
  EXPECT_EQ(store_->Retry(q, clock_.Now()).code(), base::Code::kFailedPrecondition);
  EXPECT_EQ(store_->Retry("01HZZZZZZZZZZZZZZZZZZZZZZZ", clock_.Now()).code(),
            base::Code::kNotFound);
  EXPECT_EQ(store_->Cancel("01HZZZZZZZZZZZZZZZZZZZZZZZ", clock_.Now()).code(),
            base::Code::kNotFound);

  ASSERT_TRUE(store_->Cancel(q, clock_.Now()).ok());
  EXPECT_EQ(StateOf(q), JobState::kCancelled);
  EXPECT_EQ(store_->Cancel(q, clock_.Now()).code(), base::Code::kFailedPrecondition);

  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{done});
  Completion fail = Done(done, Completion::Kind::kFailed);
  fail.error = "bad input";
  ASSERT_TRUE(store_->Complete(fail).ok());
  EXPECT_EQ(store_->Cancel(done, clock_.Now()).code(), base::Code::kFailedPrecondition);
  clock_.Advance(hours(7));  // past its original max event age
  ASSERT_TRUE(store_->Retry(done, clock_.Now()).ok());
  auto j = store_->Get(done);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->state, JobState::kQueued);
  EXPECT_EQ(j->attempts, 0);
  EXPECT_EQ(j->last_error, "bad input");
  EXPECT_FALSE(j->finished_at.has_value());
  EXPECT_FALSE(j->started_at.has_value());  // the rerun's start is its own
  EXPECT_EQ(j->next_run_at, clock_.Now());
  // A retried job gets a fresh max event age, so it runs instead of going dead.
  EXPECT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{done});
}

TEST_F(StoreTest, ListPagesNewestFirstWithFilters) {
  Open();
  std::vector<std::string> fn_ids;
  std::vector<std::string> all_ids;
  for (int i = 0; i < 25; ++i) {
    std::string id = Add(MakeJob(i % 5 == 0 ? "other" : "fn"));
    all_ids.push_back(id);
    if (i % 5 != 0) {
      fn_ids.push_back(id);
    }
  }
  std::reverse(all_ids.begin(), all_ids.end());
  std::reverse(fn_ids.begin(), fn_ids.end());

  ListFilter f;
  f.limit = 10;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = store_->List(f);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    for (const Job& j : page->jobs) {
      seen.push_back(j.id);
      EXPECT_EQ(j.request.body, "");  // omitted in lists
      EXPECT_EQ(j.request.method, "POST");
    }
    if (page->next_cursor.empty()) {
      break;
    }
    f.cursor = page->next_cursor;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, all_ids);

  ListFilter by_fn;
  by_fn.function = "fn";
  by_fn.limit = 1000;
  auto fn_page = store_->List(by_fn);
  ASSERT_TRUE(fn_page.ok());
  std::vector<std::string> fn_seen;
  for (const Job& j : fn_page->jobs) {
    fn_seen.push_back(j.id);
  }
  EXPECT_EQ(fn_seen, fn_ids);
  EXPECT_TRUE(fn_page->next_cursor.empty());

  ASSERT_TRUE(store_->Cancel(fn_ids[3], clock_.Now()).ok());
  ListFilter by_state;
  by_state.state = JobState::kCancelled;
  auto cancelled = store_->List(by_state);
  ASSERT_TRUE(cancelled.ok());
  ASSERT_EQ(cancelled->jobs.size(), 1u);
  EXPECT_EQ(cancelled->jobs[0].id, fn_ids[3]);
  by_state.function = "other";
  auto none = store_->List(by_state);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->jobs.empty());

  ListFilter bad;
  bad.cursor = "garbage";
  EXPECT_EQ(store_->List(bad).status().code(), base::Code::kInvalidArgument);
  bad.cursor = "";
  bad.limit = 0;
  EXPECT_EQ(store_->List(bad).status().code(), base::Code::kInvalidArgument);
  bad.limit = 1001;
  EXPECT_EQ(store_->List(bad).status().code(), base::Code::kInvalidArgument);
}

TEST_F(StoreTest, NextRunAtIsTheEarliestRunnableJob) {
  Open();
  auto empty = store_->NextRunAt();
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  const base::TimePoint t0 = clock_.Now();
  Add(MakeJob("b"));
  clock_.Advance(seconds(5));
  Add(MakeJob("a"));
  Add(MakeJob("c", "k"));
  auto next = store_->NextRunAt();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, t0);
  ASSERT_EQ(ClaimIds(ClaimReq("b")).size(), 1u);
  next = store_->NextRunAt();
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, t0 + seconds(5));
}

TEST_F(StoreTest, ReopenKeepsEverythingAndAcceptsWrites) {
  Open();
  std::string a = Add(MakeJob());
  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_TRUE(store_->Healthy().ok());
  EXPECT_EQ(StateOf(a), JobState::kQueued);
  std::string b = Add(MakeJob());
  EXPECT_EQ(ClaimIds(ClaimReq()), (std::vector<std::string>{a, b}));
}

// A job log deleted (or moved) while the store has it open: the next batch fails instead of
// committing into files nobody will open again, the store stays failed, and a reopen does not
// make an empty job log in its place (QA: rm -rf of the data dir went on answering 202).
TEST_F(StoreTest, AJobLogDeletedWhileOpenFailsTheNextWriteAndIsNotRecreated) {
  Open();
  const std::string kept = Add(MakeJob());
  std::filesystem::remove_all(std::filesystem::path(Options().path).parent_path());
  auto r = AppendAndWait(*store_, MakeJob());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("the job log " + Options().path +
                                      " was deleted or moved while the server ran"),
            std::string::npos)
      << r.status().message();
  EXPECT_FALSE(store_->Healthy().ok());

  std::filesystem::create_directories(std::filesystem::path(Options().path).parent_path());
  base::Status reopened = store_->Reopen();
  EXPECT_EQ(reopened.code(), base::Code::kUnavailable);
  EXPECT_NE(reopened.message().find(" is gone"), std::string::npos) << reopened.message();
  EXPECT_FALSE(std::filesystem::exists(Options().path)) << "a new, empty job log was made";
  EXPECT_FALSE(store_->Healthy().ok());
  // Reads go on from the file still open (they had waited for a reopen forever, and with them
  // the scheduler's loop and the server's shutdown: QA).
  EXPECT_EQ(StateOf(kept), JobState::kQueued);
  EXPECT_TRUE(store_->NextRunAt().ok());
}

// The write-ahead log deleted while the store has it open: the next batch fails instead of
// committing into a file a crash would lose (QA: acknowledged jobs were gone after a kill -9).
// A reopen copies what the deleted log held into the job log and starts a new one.
TEST_F(StoreTest, AWriteAheadLogDeletedWhileOpenFailsTheNextWriteUntilAReopen) {
  Open();
  const std::string kept = Add(MakeJob());
  ASSERT_TRUE(std::filesystem::remove(Options().path + "-wal"));
  auto r = AppendAndWait(*store_, MakeJob());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_NE(r.status().message().find("write-ahead log " + Options().path + "-wal"),
            std::string::npos)
      << r.status().message();
  EXPECT_FALSE(store_->Healthy().ok());

  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_TRUE(store_->Healthy().ok());
  const std::string after = Add(MakeJob());
  Close();
  Open();
  EXPECT_EQ(StateOf(kept), JobState::kQueued) << "what the deleted log held was lost";
  EXPECT_EQ(StateOf(after), JobState::kQueued);
}

// A job log on a file system mounted read-only: the refusal says so, not only SQLite's "unable
// to open database file" (QA).
TEST_F(StoreTest, AJobLogOnAReadOnlyFileSystemSaysSo) {
  const std::string data = std::filesystem::path(Options().path).parent_path();
  std::filesystem::create_directories(data);
  if (::mount("tmpfs", data.c_str(), "tmpfs", 0, "size=8m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  Open();
  Add(MakeJob());
  Close();
  const bool remounted =
      ::mount(nullptr, data.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  const int err = errno;
  base::Status opened = remounted ? SqliteStore::Open(Options()).status() : base::Status::Ok();
  ::umount2(data.c_str(), MNT_DETACH);
  if (!remounted) GTEST_SKIP() << "cannot remount read-only: " << std::strerror(err);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("the file system is read-only"), std::string::npos)
      << opened.message();
}

TEST_F(StoreTest, AJobLogReplacedWhileOpenFailsTheNextWrite) {
  Open();
  Add(MakeJob());
  std::filesystem::rename(Options().path, Options().path + ".old");
  { std::ofstream(Options().path) << ""; }
  auto r = AppendAndWait(*store_, MakeJob());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
}

TEST_F(StoreTest, RefusesADatabaseFromANewerBuild) {
  Open();
  Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  auto s = SqliteStore::Open(Options());
  EXPECT_EQ(s.status().code(), base::Code::kFailedPrecondition);
}

// Another program's SQLite database where the job log belongs is refused and left as it was.
TEST_F(StoreTest, RefusesAnotherProgramsDatabase) {
  for (const char* sql : {"CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('a');",
                          "PRAGMA application_id=42;"}) {
    std::filesystem::create_directories(std::filesystem::path(Options().path).parent_path());
    std::filesystem::remove(Options().path);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
    const auto mode_before = std::filesystem::status(Options().path).permissions();
    auto s = SqliteStore::Open(Options());
    EXPECT_EQ(s.status().code(), base::Code::kFailedPrecondition) << sql;
    EXPECT_EQ(std::filesystem::status(Options().path).permissions(), mode_before) << sql;
    EXPECT_NE(s.status().message().find("not a longhaul job log"), std::string::npos)
        << s.status().message();
    ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'jobs'), "
                                 "(SELECT journal_mode FROM pragma_journal_mode)",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 0) << "the file was changed";
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)), "delete") << sql;
    sqlite3_finalize(stmt);
    ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  }
}

// A version-1 file (partial indexes with IN lists) is migrated to the current version at open
// and keeps its jobs, claimable in order.
TEST_F(StoreTest, MigratesAVersion1File) {
  Open();
  std::string a = Add(MakeJob("fn", "k"));
  std::string b = Add(MakeJob("fn", "k"));
  Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  const char* v1 =
      "DROP INDEX jobs_claim;"
      "CREATE INDEX jobs_claim ON jobs (function, next_run_at, seq)"
      "  WHERE state IN ('queued', 'retrying') AND blocked = 0;"
      "DROP INDEX jobs_ordering;"
      "CREATE INDEX jobs_ordering ON jobs (function, ordering_key, seq)"
      "  WHERE state IN ('queued', 'running', 'retrying') AND ordering_key <> '';"
      "DROP INDEX jobs_finished;"
      "ALTER TABLE jobs DROP COLUMN caller_waits;"
      "ALTER TABLE jobs DROP COLUMN recoveries;"
      "ALTER TABLE jobs DROP COLUMN interruptions;"
      "DROP TABLE route_errors;"
      "DROP TABLE route_deliveries;"
      "DROP TABLE seq_floor;"
      "PRAGMA user_version=1;";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);

  Open();
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 4, 4)), std::vector<std::string>{a});  // b waits for a
  Close();
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT (SELECT user_version FROM pragma_user_version), "
                               "(SELECT group_concat(sql) FROM sqlite_master WHERE type = 'index')",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), internal::kSchemaVersion);
  std::string indexes = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
  EXPECT_EQ(indexes.find(" IN ("), std::string::npos) << indexes;
  EXPECT_NE(indexes.find("jobs_finished"), std::string::npos) << indexes;
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  (void)b;
}

// A version-4 file gets each route's newest error from the jobs it has (retrying, failed or
// dead), so GET /routes says the same right after the upgrade.
TEST_F(StoreTest, MigratesAVersion4FileKeepingEachRoutesNewestError) {
  Open();
  std::string older = Add(MakeJob());
  std::string newer = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()).size(), 2u);
  for (const auto& [id, error] :
       {std::pair{older, "UNKNOWN: exit status 1"}, std::pair{newer, "UNKNOWN: exit status 2"}}) {
    Completion dead = Done(id, Completion::Kind::kDead);
    dead.error = error;
    ASSERT_TRUE(store_->Complete(dead).ok());
    clock_.Advance(seconds(1));
  }
  Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE route_errors; DROP TABLE route_deliveries; "
                         "DROP TABLE seq_floor; ALTER TABLE jobs DROP COLUMN interruptions; "
                         "PRAGMA user_version=4;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);

  Open();
  auto stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->last_error, "UNKNOWN: exit status 2");
  EXPECT_EQ(stats->last_error_at, clock_.Now() - seconds(1));
}

// GET /routes' last_delivery_date outlives the jobs it came from (ops QA: after server.retention
// purged a route's jobs, the route looked as if it never received anything); a newer job's
// delivery wins over a purged one's; a version-5 file gets the table.
TEST_F(StoreTest, ARoutesLastDeliveryOutlivesThePurgeOfItsJobs) {
  Open();
  std::string first = Add(MakeJob());
  const TimePoint delivered = clock_.Now();
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{first});
  ASSERT_TRUE(store_->Complete(Done(first)).ok());
  clock_.Advance(seconds(10));
  ASSERT_EQ(*store_->PurgeFinishedJobs(clock_.Now(), 10), 1);
  auto stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->last_delivery, delivered);
  EXPECT_EQ(stats->pending, 0);

  std::string later = Add(MakeJob());
  stats = store_->GetRouteStats("fn", "POST /hook");
  EXPECT_EQ(stats->last_delivery, clock_.Now()) << later;
  auto other = store_->GetRouteStats("fn", "POST /other");
  EXPECT_FALSE(other->last_delivery.has_value());

  Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE route_deliveries; DROP TABLE seq_floor; "
                         "ALTER TABLE jobs DROP COLUMN interruptions; PRAGMA user_version=5;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
  Open();
  stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->last_delivery, clock_.Now()) << "from the job still there";
  auto kept = store_->Get(later);  // and version 7's column, 0 for the rows it finds
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->interruptions, 0);
}

// server.retention: terminal jobs that finished before the cutoff go, with their requests, oldest
// first and at most `limit`; unfinished and newer ones stay.
TEST_F(StoreTest, PurgeFinishedJobsDeletesOnlyTerminalJobsFinishedBeforeTheCutoff) {
  Open();
  std::string succeeded = Add(MakeJob());
  std::string failed = Add(MakeJob());
  std::string cancelled = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 8, 2)).size(), 2u);
  ASSERT_TRUE(store_->Complete(Done(succeeded)).ok());
  ASSERT_TRUE(store_->Complete(Done(failed, Completion::Kind::kFailed)).ok());
  ASSERT_TRUE(store_->Cancel(cancelled, clock_.Now()).ok());
  std::string queued = Add(MakeJob());
  std::string running = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 8, 8)), std::vector<std::string>({queued, running}));
  std::string retrying = queued;
  Completion retry = Done(retrying, Completion::Kind::kRetry);
  retry.next_run_at = clock_.Now() + hours(1);
  ASSERT_TRUE(store_->Complete(retry).ok());
  const base::TimePoint cutoff = clock_.Now() + seconds(1);
  clock_.Advance(seconds(2));
  std::string recent = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 8, 8)), std::vector<std::string>{recent});
  ASSERT_TRUE(store_->Complete(Done(recent)).ok());

  auto first = store_->PurgeFinishedJobs(cutoff, 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2);
  auto rest = store_->PurgeFinishedJobs(cutoff, 100);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(*rest, 1);
  for (const std::string& gone : {succeeded, failed, cancelled}) {
    EXPECT_EQ(store_->Get(gone).status().code(), base::Code::kNotFound) << gone;
  }
  for (const std::string& kept : {retrying, running, recent}) {
    EXPECT_TRUE(store_->Get(kept).ok()) << kept;
  }
  Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Options().path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM job_requests", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 3);  // the requests of the three jobs kept
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_close(db), SQLITE_OK);
}

// pending counts every unfinished job of the route (claimable, due later, running, blocked
// behind its key) and no finished one; last_error is the newest failed attempt's.
// A retry of an older job of a key marks the running one blocked (it goes after the retried
// one): that job is still counted once.
TEST_F(StoreTest, RouteStatsCountARunningJobMarkedBlockedOnce) {
  Open();
  std::string first = Add(MakeJob("fn", "k"));
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 1, 8)), std::vector<std::string>({first}));
  ASSERT_TRUE(store_->Complete(Done(first, Completion::Kind::kFailed)).ok());
  std::string second = Add(MakeJob("fn", "k"));
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 1, 8)), std::vector<std::string>({second}));
  ASSERT_TRUE(store_->Retry(first, clock_.Now()).ok());
  auto stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pending, 2);  // the retried one, queued; the running one
}

// As Telegram's last_error_date: the newest failed attempt stays when its job then succeeds, is
// cancelled or is purged (QA: cancelling a retrying job took the route's error away).
TEST_F(StoreTest, ARoutesLastErrorOutlivesWhatBecomesOfItsJob) {
  Open();
  std::string flaky = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{flaky});
  Completion retry = Done(flaky, Completion::Kind::kRetry);
  retry.error = "UNKNOWN: exit status 2";
  retry.next_run_at = clock_.Now();
  ASSERT_TRUE(store_->Complete(retry).ok());
  const TimePoint failed_at = clock_.Now();
  clock_.Advance(seconds(5));
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{flaky});
  ASSERT_TRUE(store_->Complete(Done(flaky)).ok());
  auto stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->last_error, "UNKNOWN: exit status 2") << "gone when the job succeeded";
  EXPECT_EQ(stats->last_error_at, failed_at);

  std::string stuck = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{stuck});
  retry.job_id = stuck;
  retry.error = "DEADLINE_EXCEEDED: timed out after 1s";
  retry.now = clock_.Now();
  retry.next_run_at = clock_.Now() + hours(1);
  ASSERT_TRUE(store_->Complete(retry).ok());
  ASSERT_TRUE(store_->Cancel(stuck, clock_.Now() + seconds(1)).ok());
  stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->last_error, "DEADLINE_EXCEEDED: timed out after 1s") << "gone at the cancel";
  EXPECT_EQ(stats->last_error_at, clock_.Now());
  auto other = store_->GetRouteStats("fn", "POST /other");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->last_error_at.has_value());
}

TEST_F(StoreTest, RouteStatsCountUnfinishedJobsAndTheNewestError) {
  Open();
  NewJob other = MakeJob();
  other.route = "POST /other";
  Add(other);
  std::string failed = Add(MakeJob());
  std::string succeeded = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 8, 8)).size(), 3u);
  Completion fail = Done(failed, Completion::Kind::kFailed);
  fail.error = "UNKNOWN: exit status 1";
  ASSERT_TRUE(store_->Complete(fail).ok());
  ASSERT_TRUE(store_->Complete(Done(succeeded)).ok());
  clock_.Advance(seconds(1));
  std::string retrying = Add(MakeJob());
  std::string running = Add(MakeJob("fn", "k"));
  std::string blocked = Add(MakeJob("fn", "k"));
  ASSERT_EQ(ClaimIds(ClaimReq("fn", 2, 8)), std::vector<std::string>({retrying, running}));
  Completion retry = Done(retrying, Completion::Kind::kRetry);
  retry.error = "UNKNOWN: exit status 2";
  retry.next_run_at = clock_.Now() + hours(1);
  ASSERT_TRUE(store_->Complete(retry).ok());
  Add(MakeJob());  // queued, claimable

  auto stats = store_->GetRouteStats("fn", "POST /hook");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->pending, 4);  // retrying, running, blocked, queued
  EXPECT_EQ(stats->last_error, "UNKNOWN: exit status 2");
  EXPECT_EQ(stats->last_error_at, clock_.Now());
  EXPECT_EQ(stats->last_delivery, clock_.Now());
  auto none = store_->GetRouteStats("fn", "POST /nothing");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->pending, 0);
  EXPECT_FALSE(none->last_error_at.has_value());
  (void)blocked;
}

TEST_F(StoreTest, OpenValidatesOptions) {
  SqliteOptions o = Options();
  o.clock = nullptr;
  EXPECT_EQ(SqliteStore::Open(o).status().code(), base::Code::kInvalidArgument);
  o = Options();
  o.path = "";
  EXPECT_EQ(SqliteStore::Open(o).status().code(), base::Code::kInvalidArgument);
}

TEST_F(StoreTest, BlockingCallFromACallbackIsRefused) {
  Open();
  std::promise<base::Status> seen;
  store_->Append(MakeJob(), [&](base::Result<AppendResult>) {
    seen.set_value(store_->Cancel("x", clock_.Now()));
  });
  EXPECT_EQ(seen.get_future().get().code(), base::Code::kInternal);
}

}  // namespace
}  // namespace longhaul::store::sqlite

namespace longhaul::store::sqlite {
namespace {

// WAL checkpoints run on the checkpointer's thread once the WAL holds checkpoint_frames pages,
// not inside a writer's COMMIT; nothing is lost by them.
TEST_F(StoreTest, CheckpointsRunInTheBackground) {
  SqliteOptions o = Options();
  o.checkpoint_frames = 8;
  Open(o);
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(Add(MakeJob()));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (store_->stats().checkpoints == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the condition
  }
  EXPECT_GT(store_->stats().checkpoints, 0u);
  EXPECT_EQ(store_->stats().failed_checkpoints, 0u);
  Close();
  Open(o);
  for (const std::string& id : ids) EXPECT_TRUE(store_->Get(id).ok()) << id;
}

}  // namespace
}  // namespace longhaul::store::sqlite
