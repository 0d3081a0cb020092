// SqliteStore under failing writes and syncs, beyond sqlite_store_fault_test.cc: what a failed
// batch does to idempotency keys and to outcomes, and many appending threads under repeated
// faults. The promise checked everywhere: nothing acknowledged is lost, nothing refused is kept,
// and a sender that retries after a refusal is never told "duplicate" of a job that is not there.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/store_test_util.h"
#include "testing/fault_vfs.h"

namespace longhaul::store::sqlite {
namespace {

using testing::FaultVfs;

class FaultKeysTest : public StoreTest {
 protected:
  FaultKeysTest() : vfs_("fault-keys-" + std::to_string(next_vfs_++)) { vfs_name_ = vfs_.name(); }
  ~FaultKeysTest() override { store_.reset(); }  // before vfs_ goes

  NewJob Keyed(const std::string& key) {
    NewJob j = MakeJob();
    j.idempotency_key = key;
    return j;
  }

  // MakeJob() is not thread-safe (its counter); this is.
  NewJob MakeJobFor(int thread, int n) {
    NewJob j;
    j.id = base::NewJobId(clock_.Now());
    j.function = "fn";
    j.route = "POST /hook";
    j.created_at = clock_.Now();
    j.expires_at = clock_.Now() + std::chrono::hours(6);
    j.request.method = "POST";
    j.request.path = "/hook";
    j.request.body = "{\"thread\":" + std::to_string(thread) + ",\"n\":" + std::to_string(n) + "}";
    return j;
  }

  static inline std::atomic<int> next_vfs_{0};
  FaultVfs vfs_;
};

// The key of a refused append must not survive the rollback: the sender's retry after the 503
// has to create the job, not be told it is a duplicate of one that was never stored.
TEST_F(FaultKeysTest, RefusedAppendLeavesNoKeyBehind) {
  Open();
  vfs_.FailAfter(FaultVfs::Op::kSync, 0, SQLITE_IOERR_FSYNC, /*sticky=*/false);
  NewJob first = Keyed("delivery-1");
  EXPECT_EQ(AppendAndWait(*store_, first).status().code(), base::Code::kUnavailable);
  ASSERT_TRUE(store_->Reopen().ok());

  NewJob retry = Keyed("delivery-1");
  auto r = AppendAndWait(*store_, retry);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->duplicate) << "the refused append's key was kept";
  EXPECT_EQ(r->job_id, retry.id);
  EXPECT_TRUE(store_->Get(retry.id).ok());
  EXPECT_EQ(store_->Get(first.id).status().code(), base::Code::kNotFound);
}

// Reopening writes nothing: on a disk that is still full it must not report the store healthy
// (the server's /healthz), only once enough space is free again.
TEST_F(FaultKeysTest, ReopenStaysFailedWhileTheDiskIsFull) {
  auto free = std::make_shared<std::atomic<uint64_t>>(0);
  SqliteOptions options = Options();
  options.space = [free](const std::string&) -> std::optional<SqliteOptions::Space> {
    return SqliteOptions::Space{*free, 1ull << 40};
  };
  Open(options);
  vfs_.FailAfter(FaultVfs::Op::kWrite, 0, SQLITE_FULL, /*sticky=*/false);
  EXPECT_EQ(AppendAndWait(*store_, MakeJob()).status().code(), base::Code::kUnavailable);
  ASSERT_FALSE(store_->Healthy().ok());

  base::Status reopened = store_->Reopen();
  EXPECT_EQ(reopened.code(), base::Code::kUnavailable);
  EXPECT_NE(reopened.message().find("disk full: 0 bytes free"), std::string::npos)
      << reopened.ToString();
  EXPECT_FALSE(store_->Healthy().ok());
  EXPECT_EQ(AppendAndWait(*store_, MakeJob()).status().code(), base::Code::kUnavailable);

  *free = options.min_free_to_recover;
  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_TRUE(store_->Healthy().ok());
  EXPECT_TRUE(AppendAndWait(*store_, MakeJob()).ok());
}

// A re-delivery refused in a failed batch finds the first job once the store is back.
TEST_F(FaultKeysTest, RefusedDuplicateFindsTheCommittedJobAfterReopen) {
  Open();
  NewJob original = Keyed("delivery-2");
  ASSERT_EQ(Add(original), original.id);
  vfs_.FailAfter(FaultVfs::Op::kSync, 0, SQLITE_IOERR_FSYNC, /*sticky=*/true);
  // A duplicate writes nothing, so it fails with whatever batch it shares: queue it behind a
  // fresh job that does write.
  WriterGate gate;
  gate.Hold(*store_, MakeJob());
  auto writer = std::make_shared<std::promise<base::Result<AppendResult>>>();
  auto dup = std::make_shared<std::promise<base::Result<AppendResult>>>();
  NewJob fresh = MakeJob();
  store_->Append(fresh, [writer](base::Result<AppendResult> r) { writer->set_value(r); });
  store_->Append(Keyed("delivery-2"), [dup](base::Result<AppendResult> r) { dup->set_value(r); });
  gate.Release();
  EXPECT_EQ(writer->get_future().get().status().code(), base::Code::kUnavailable);
  EXPECT_EQ(dup->get_future().get().status().code(), base::Code::kUnavailable)
      << "a waiter of a failed batch was told OK";

  vfs_.Clear();
  ASSERT_TRUE(store_->Reopen().ok());
  auto again = AppendAndWait(*store_, Keyed("delivery-2"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->job_id, original.id);
  EXPECT_EQ(store_->Get(fresh.id).status().code(), base::Code::kNotFound);
}

// An outcome whose commit failed is not recorded: the job stays leased (running), comes back
// with RecoverLeases and runs again (at least once), and is never lost.
TEST_F(FaultKeysTest, FailedCompleteKeepsTheJobForAnotherAttempt) {
  Open();
  const std::string id = Add(MakeJob());
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
  vfs_.FailAfter(FaultVfs::Op::kWrite, 0, SQLITE_IOERR_WRITE, /*sticky=*/false);
  EXPECT_EQ(store_->Complete(Done(id)).code(), base::Code::kUnavailable);
  EXPECT_FALSE(store_->Healthy().ok());
  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_EQ(StateOf(id), JobState::kRunning) << "an outcome was recorded by a failed commit";

  auto recovered = store_->RecoverLeases(clock_.Now(), "node-a");  // the node restarts
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, 1);
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
  ASSERT_TRUE(store_->Complete(Done(id)).ok());
  EXPECT_EQ(StateOf(id), JobState::kSucceeded);
  auto job = store_->Get(id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->attempts, 1);  // the attempt whose outcome was lost does not count
}

// Several threads append (a third with keys, some repeated) while the test fails a random write
// or sync now and then and reopens the store whenever it has failed. Afterwards, on a fresh
// process and the default VFS: every acknowledged id is there, no refused one is, and every key
// maps to exactly the job its acknowledgements named.
TEST_F(FaultKeysTest, ConcurrentAppendersUnderRepeatedFaults) {
  Open();
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);

  std::mutex mu;
  std::vector<std::string> acked;
  std::vector<std::string> refused;
  std::map<std::string, std::string> job_of_key;  // from acknowledgements
  int key_mismatches = 0;
  std::atomic<bool> stop{false};
  std::atomic<int> appends{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 local(seed + t + 1);
      while (!stop.load()) {
        NewJob j = MakeJobFor(t, appends.fetch_add(1));
        if (local() % 3 == 0) {
          j.idempotency_key = "key-" + std::to_string(local() % 200);
        }
        const std::string id = j.id;
        const std::string key = j.idempotency_key;
        auto r = AppendAndWait(*store_, std::move(j));
        std::lock_guard<std::mutex> lock(mu);
        if (!r.ok()) {
          EXPECT_TRUE(r.status().code() == base::Code::kUnavailable ||
                      r.status().code() == base::Code::kResourceExhausted)
              << r.status().ToString();
          refused.push_back(id);
          continue;
        }
        if (!r->duplicate) {
          EXPECT_EQ(r->job_id, id);
          acked.push_back(id);
        }
        if (!key.empty()) {
          auto [it, inserted] = job_of_key.emplace(key, r->job_id);
          if (!inserted && it->second != r->job_id) ++key_mismatches;
        }
      }
    });
  }
  int faults = 0;
  for (int round = 0; round < 40; ++round) {
    const FaultVfs::Op op = rng() % 2 == 0 ? FaultVfs::Op::kSync : FaultVfs::Op::kWrite;
    const int rc = op == FaultVfs::Op::kSync ? SQLITE_IOERR_FSYNC
                                             : (rng() % 2 == 0 ? SQLITE_FULL : SQLITE_IOERR_WRITE);
    vfs_.FailAfter(op, static_cast<int>(rng() % 20), rc, /*sticky=*/false);
    const int target = appends.load() + 50;
    while (appends.load() < target && store_->Healthy().ok()) {
      std::this_thread::yield();
    }
    if (!store_->Healthy().ok()) {
      ++faults;
      vfs_.Clear();
      ASSERT_TRUE(store_->Reopen().ok());
    }
  }
  vfs_.Clear();
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_GT(faults, 5);
  EXPECT_EQ(key_mismatches, 0);
  ASSERT_FALSE(acked.empty());

  Close();
  vfs_name_.clear();
  Open();
  for (const std::string& id : acked) {
    EXPECT_TRUE(store_->Get(id).ok()) << "acknowledged job lost: " << id;
  }
  for (const std::string& id : refused) {
    EXPECT_EQ(store_->Get(id).status().code(), base::Code::kNotFound)
        << "refused job appeared: " << id;
  }
  for (const auto& [key, id] : job_of_key) {
    auto job = store_->Get(id);
    ASSERT_TRUE(job.ok()) << "key " << key << " acknowledged as missing job " << id;
    EXPECT_EQ(job->idempotency_key, key);
  }
}

}  // namespace
}  // namespace longhaul::store::sqlite
