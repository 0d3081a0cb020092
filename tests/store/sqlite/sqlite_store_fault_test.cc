// SqliteStore under failing writes and syncs (STYLE.md §10): a batch whose commit failed is
// never acknowledged, the store fails sticky, and Reopen() brings back exactly what was
// acknowledged.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/store_test_util.h"
#include "testing/fault_vfs.h"

namespace longhaul::store::sqlite {
namespace {

using testing::FaultVfs;

class FaultTest : public StoreTest {
 protected:
  FaultTest() : vfs_("fault-" + std::to_string(next_vfs_++)) { vfs_name_ = vfs_.name(); }
  ~FaultTest() override { store_.reset(); }  // before vfs_ goes

  // Every id in `acked` is present; none in `refused` is.
  void ExpectExactly(const std::vector<std::string>& acked,
                     const std::vector<std::string>& refused) {
    for (const std::string& id : acked) {
      EXPECT_TRUE(store_->Get(id).ok()) << "acknowledged job lost: " << id;
    }
    for (const std::string& id : refused) {
      EXPECT_EQ(store_->Get(id).status().code(), base::Code::kNotFound)
          << "refused job appeared: " << id;
    }
  }

  static inline std::atomic<int> next_vfs_{0};
  FaultVfs vfs_;
};

struct FaultCase {
  const char* name;
  FaultVfs::Op op;
  int rc;
};

class FailedCommitTest : public FaultTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(FailedCommitTest, IsUnavailableStickyAndReopenRecovers) {
  const FaultCase& fc = GetParam();
  Open();
  std::vector<std::string> acked;
  for (int i = 0; i < 10; ++i) {
    acked.push_back(Add(MakeJob()));
  }
  std::vector<std::string> refused;

  vfs_.FailAfter(fc.op, 0, fc.rc, /*sticky=*/true);
  NewJob doomed = MakeJob();
  refused.push_back(doomed.id);
  auto r = AppendAndWait(*store_, doomed);
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable) << r.status().ToString();
  EXPECT_GT(vfs_.failures(), 0);

  // Sticky: later writes fail at once, without touching the disk.
  base::Status health = store_->Healthy();
  EXPECT_EQ(health.code(), base::Code::kUnavailable);
  const int failures = vfs_.failures();
  NewJob later = MakeJob();
  refused.push_back(later.id);
  bool inline_call = false;
  base::Status later_status;
  store_->Append(later, [&](base::Result<AppendResult> res) {
    inline_call = true;
    later_status = res.status();
  });
  EXPECT_TRUE(inline_call);
  EXPECT_EQ(later_status.code(), base::Code::kUnavailable);
  EXPECT_EQ(store_->Claim(ClaimReq()).status().code(), base::Code::kUnavailable);
  EXPECT_EQ(store_->Cancel(acked[0], clock_.Now()).code(), base::Code::kUnavailable);
  EXPECT_EQ(vfs_.failures(), failures);
  // Reads still work.
  EXPECT_TRUE(store_->Get(acked[0]).ok());

  // Space returns: reopen, and everything acknowledged is there, nothing refused is.
  vfs_.Clear();
  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_TRUE(store_->Healthy().ok());
  ExpectExactly(acked, refused);
  acked.push_back(Add(MakeJob()));
  EXPECT_EQ(ClaimIds(ClaimReq("fn", 100, 100)).size(), acked.size());

  // And from a fresh process on the default VFS.
  Close();
  vfs_name_.clear();
  Open();
  ExpectExactly(acked, refused);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FailedCommitTest,
    ::testing::Values(FaultCase{"SyncIoErr", FaultVfs::Op::kSync, SQLITE_IOERR_FSYNC},
                      FaultCase{"SyncFull", FaultVfs::Op::kSync, SQLITE_FULL},
                      FaultCase{"WriteIoErr", FaultVfs::Op::kWrite, SQLITE_IOERR_WRITE},
                      FaultCase{"WriteFull", FaultVfs::Op::kWrite, SQLITE_FULL}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return info.param.name; });

TEST_F(FaultTest, EveryWaiterOfTheFailedBatchIsUnavailable) {
  Open();
  WriterGate gate;
  gate.Hold(*store_, MakeJob());
  vfs_.FailAfter(FaultVfs::Op::kSync, 0, SQLITE_IOERR_FSYNC, /*sticky=*/false);
  std::vector<std::string> ids;
  std::vector<std::future<base::Result<AppendResult>>> pending;
  for (int i = 0; i < 50; ++i) {
    NewJob j = MakeJob();
    ids.push_back(j.id);
    auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
    pending.push_back(p->get_future());
    store_->Append(std::move(j), [p](base::Result<AppendResult> res) { p->set_value(res); });
  }
  gate.Release();
  for (auto& f : pending) {
    EXPECT_EQ(f.get().status().code(), base::Code::kUnavailable);
  }
  EXPECT_FALSE(store_->Healthy().ok());
  ASSERT_TRUE(store_->Reopen().ok());
  ExpectExactly({}, ids);
}

// A job log this user can no longer write (its permissions changed) opens read-only without an
// error: Reopen() must not call that a recovery, and says why writes still fail.
TEST_F(FaultTest, AReopenThatCanOnlyReadIsNoRecovery) {
  Open();
  std::string id = Add(MakeJob());
  vfs_.FailAfter(FaultVfs::Op::kSync, 0, SQLITE_IOERR_FSYNC, /*sticky=*/false);
  EXPECT_EQ(AppendAndWait(*store_, MakeJob()).status().code(), base::Code::kUnavailable);
  vfs_.OpenDatabasesReadOnly(true);
  base::Status reopened = store_->Reopen();
  EXPECT_EQ(reopened.code(), base::Code::kUnavailable);
  EXPECT_NE(reopened.message().find("can only be read"), std::string::npos) << reopened.ToString();
  EXPECT_NE(store_->Healthy().message().find("can only be read"), std::string::npos)
      << store_->Healthy().ToString();
  vfs_.OpenDatabasesReadOnly(false);
  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_TRUE(store_->Healthy().ok());
  EXPECT_EQ(StateOf(id), JobState::kQueued);
}

// A start on a full disk fails with SQLite's words for it (often "disk I/O error", when it
// cannot size its shared-memory file); the error says the disk is full.
TEST_F(FaultTest, AnOpenThatFailsOnAFullDiskSaysSo) {
  vfs_.FailAfter(FaultVfs::Op::kWrite, 0, SQLITE_FULL);
  SqliteOptions o = Options();
  o.space = [](const std::string&) {
    return std::optional<SqliteOptions::Space>(SqliteOptions::Space{4096, 1 << 30});
  };
  auto opened = SqliteStore::Open(o);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("(the disk is full: 4096 bytes free in " +
                                           dir_.File("data") + ")"),
            std::string::npos)
      << opened.status().ToString();
  o.space = [](const std::string&) {
    return std::optional<SqliteOptions::Space>(SqliteOptions::Space{1 << 29, 1 << 30});
  };
  auto roomy = SqliteStore::Open(o);
  ASSERT_FALSE(roomy.ok());
  EXPECT_EQ(roomy.status().message().find("the disk is full"), std::string::npos)
      << "said of a disk with room";
}

TEST_F(FaultTest, FailedClaimIsNotRecorded) {
  Open();
  std::string id = Add(MakeJob());
  vfs_.FailAfter(FaultVfs::Op::kWrite, 0, SQLITE_IOERR_WRITE, /*sticky=*/false);
  EXPECT_EQ(store_->Claim(ClaimReq()).status().code(), base::Code::kUnavailable);
  ASSERT_TRUE(store_->Reopen().ok());
  EXPECT_EQ(StateOf(id), JobState::kQueued);
  EXPECT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
}

// Appends are synced before anyone hears of them; claims and completions are not (the next
// synced commit takes them to disk), so a job costs one sync, not three.
TEST_F(FaultTest, OnlyAppendsWaitForASync) {
  Open();
  int before = vfs_.syncs();
  std::string id = Add(MakeJob());
  EXPECT_GT(vfs_.syncs(), before);
  before = vfs_.syncs();
  ASSERT_EQ(ClaimIds(ClaimReq()), std::vector<std::string>{id});
  ASSERT_TRUE(store_->Complete(Done(id)).ok());
  EXPECT_EQ(vfs_.syncs(), before);
  EXPECT_EQ(StateOf(id), JobState::kSucceeded);
  // A sync failure now (the next append) still fails the store, as before.
  vfs_.FailAfter(FaultVfs::Op::kSync, 0, SQLITE_IOERR_FSYNC, /*sticky=*/false);
  auto r = AppendAndWait(*store_, MakeJob());
  EXPECT_EQ(r.status().code(), base::Code::kUnavailable);
  EXPECT_FALSE(store_->Healthy().ok());
}

TEST_F(FaultTest, ReopenWhileTheDiskIsStillFullFailsAgainLater) {
  Open();
  std::vector<std::string> acked = {Add(MakeJob())};
  vfs_.FailAfter(FaultVfs::Op::kWrite, 0, SQLITE_FULL, /*sticky=*/true);
  NewJob doomed = MakeJob();
  EXPECT_EQ(AppendAndWait(*store_, doomed).status().code(), base::Code::kUnavailable);
  // Reopening may succeed (opening needs no writes) but the next write fails again, sticky.
  (void)store_->Reopen();
  NewJob doomed2 = MakeJob();
  EXPECT_EQ(AppendAndWait(*store_, doomed2).status().code(), base::Code::kUnavailable);
  EXPECT_FALSE(store_->Healthy().ok());
  vfs_.Clear();
  ASSERT_TRUE(store_->Reopen().ok());
  acked.push_back(Add(MakeJob()));
  ExpectExactly(acked, {doomed.id, doomed2.id});
}

// A crash while failed (before Reopen) never loses acknowledged jobs. The refused batch may or
// may not come back: its WAL frames were written before the sync failed, and SQLite's recovery
// accepts them if they reached the disk. That is the fsync ambiguity every database has; the
// caller was told kUnavailable and retries, and an idempotency key makes the retry a duplicate.
TEST_F(FaultTest, CrashWhileFailedKeepsAcknowledgedJobs) {
  Open();
  std::vector<std::string> acked;
  for (int i = 0; i < 5; ++i) {
    acked.push_back(Add(MakeJob()));
  }
  vfs_.FailAfter(FaultVfs::Op::kSync, 0, SQLITE_IOERR_FSYNC, /*sticky=*/true);
  EXPECT_EQ(AppendAndWait(*store_, MakeJob()).status().code(), base::Code::kUnavailable);
  // "Crash": copy the files as they are, without the shared-memory index (rebuilt on open).
  const std::string crashed = dir_.File("crashed");
  std::filesystem::create_directories(crashed);
  for (const char* name : {"longhaul.db", "longhaul.db-wal"}) {
    std::filesystem::copy_file(dir_.File(std::string("data/") + name), crashed + "/" + name);
  }
  Close();
  vfs_.Clear();
  vfs_name_.clear();
  SqliteOptions o = Options();
  o.path = crashed + "/longhaul.db";
  Open(o);
  ExpectExactly(acked, {});
  EXPECT_TRUE(store_->Healthy().ok());
}

// Fails the Nth sync (then the Nth write) of a workload, for N = 0, 1, ... until a run sees no
// failure; after each, acknowledged jobs survive reopen and refused ones are absent.
TEST_F(FaultTest, FailureMatrix) {
  for (FaultVfs::Op op : {FaultVfs::Op::kSync, FaultVfs::Op::kWrite}) {
    for (int n = 0;; ++n) {
      SCOPED_TRACE(std::string(op == FaultVfs::Op::kSync ? "sync " : "write ") + std::to_string(n));
      testing::TempDir dir;
      SqliteOptions o = Options();
      o.path = dir.File("db/longhaul.db");
      Open(o);
      const int failures_before = vfs_.failures();
      vfs_.FailAfter(op, n, op == FaultVfs::Op::kSync ? SQLITE_IOERR_FSYNC : SQLITE_FULL,
                     /*sticky=*/false);
      std::vector<std::string> acked;
      std::vector<std::string> refused;
      for (int i = 0; i < 4; ++i) {
        std::vector<std::pair<std::string, std::future<base::Result<AppendResult>>>> pending;
        for (int k = 0; k < 3; ++k) {
          NewJob j = MakeJob();
          auto p = std::make_shared<std::promise<base::Result<AppendResult>>>();
          pending.emplace_back(j.id, p->get_future());
          store_->Append(std::move(j), [p](base::Result<AppendResult> res) { p->set_value(res); });
        }
        for (auto& [id, f] : pending) {
          auto res = f.get();
          if (res.ok()) {
            acked.push_back(id);
          } else {
            EXPECT_EQ(res.status().code(), base::Code::kUnavailable);
            refused.push_back(id);
          }
        }
      }
      const bool fired = vfs_.failures() > failures_before;
      if (fired) {
        EXPECT_FALSE(refused.empty());
        EXPECT_FALSE(store_->Healthy().ok());
      }
      vfs_.Clear();
      ASSERT_TRUE(store_->Reopen().ok());
      ExpectExactly(acked, refused);
      Close();
      if (!fired) {
        break;
      }
      ASSERT_LT(n, 500) << "the workload never stopped failing";
    }
  }
}

}  // namespace
}  // namespace longhaul::store::sqlite
