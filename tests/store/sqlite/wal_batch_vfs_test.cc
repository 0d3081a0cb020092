// The WAL-batching VFS: a transaction's frames reach the file in one write, at its commit, and
// a commit is in the file (readable by other connections, recoverable after the process dies)
// before SQLite reports it, synced or not. FaultVfs underneath counts and fails the writes.
#include "store/sqlite/internal/wal_batch_vfs.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "store/sqlite/internal/connection.h"
#include "testing/fault_vfs.h"
#include "testing/temp_dir.h"

namespace longhaul::store::sqlite::internal {
namespace {

using testing::FaultVfs;

constexpr const char* kInsert = "INSERT INTO t(n, body) VALUES(?, ?)";
constexpr const char* kSelect = "SELECT n, body FROM t ORDER BY n";

// Row n's body: n's own bytes over several pages, so each row is several WAL frames.
std::string Body(int n, size_t size = 9000) {
  std::string s(size, static_cast<char>('a' + n % 26));
  s.replace(0, std::to_string(n).size(), std::to_string(n));
  return s;
}

class WalBatchVfsTest : public ::testing::Test {
 protected:
  WalBatchVfsTest() : vfs_("wal-batch-fault-" + std::to_string(next_vfs_++)) {}

  std::unique_ptr<Connection> OpenDb(bool batch, bool query_only = false,
                                     const std::string& file = "db.sqlite") {
    ConnectionOptions o;
    o.path = dir_.File(file);
    o.vfs = vfs_.name();
    o.create = !query_only;
    o.query_only = query_only;
    o.batch_wal_writes = batch;
    auto c = Connection::Open(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static void CreateTable(Connection& c) {
    ASSERT_TRUE(c.Exec("CREATE TABLE t(n INTEGER PRIMARY KEY, body BLOB NOT NULL)").ok());
  }

  // Inserts rows [from, to) in one transaction.
  static base::Status InsertRows(Connection& c, int from, int to, size_t size = 9000) {
    LH_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
    for (int n = from; n < to; ++n) {
      std::string body = Body(n, size);
      Query q(c, kInsert);
      base::Status s = q.Bind(1, n).BindBlob(2, body).Run();
      if (!s.ok()) {
        (void)c.Exec("ROLLBACK");
        return s;
      }
    }
    base::Status s = c.Exec("COMMIT");
    if (!s.ok() && c.InTransaction()) (void)c.Exec("ROLLBACK");
    return s;
  }

  // Every row as written, [0, count) in order.
  static void ExpectRows(Connection& c, int count, size_t size = 9000) {
    Query q(c, kSelect);
    int next = 0;
    base::Status s = q.ForEachRow([&] {
      EXPECT_EQ(q.Int(0), next);
      EXPECT_TRUE(q.View(1) == Body(next, size)) << "row " << next << " differs";
      next++;
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(next, count);
  }

  // Creates the table, then runs `commit` on a connection of a child process that exits with the
  // connection open: only what is in the file (the OS page cache) is left, and SQLite's recovery
  // keeps a frame only when its checksum chain is whole. `commit` returns whether all went well.
  void CommitInAProcessThatDies(const std::function<bool(Connection&)>& commit) {
    {
      auto c = OpenDb(true);
      ASSERT_NE(c, nullptr);
      CreateTable(*c);
    }
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::unique_ptr<Connection> c = OpenDb(true);
      _exit(c != nullptr && commit(*c) ? 0 : 1);  // no destructor runs: `c` is never closed
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }

  static inline std::atomic<int> next_vfs_{0};
  testing::TempDir dir_;
  FaultVfs vfs_;
};

TEST_F(WalBatchVfsTest, ATransactionsFramesGoOutInOneWrite) {
  for (bool batch : {true, false}) {
    SCOPED_TRACE(batch ? "batched" : "unbatched");
    auto c = OpenDb(batch, false, batch ? "batched.sqlite" : "plain.sqlite");
    ASSERT_NE(c, nullptr);
    CreateTable(*c);
    ASSERT_TRUE(c->Exec("PRAGMA synchronous=NORMAL").ok());
    ASSERT_TRUE(InsertRows(*c, 0, 1).ok());  // the WAL exists and has its header
    const int before = vfs_.writes();
    ASSERT_TRUE(InsertRows(*c, 1, 6).ok());  // five rows of three pages each, and the tree
    const int writes = vfs_.writes() - before;
    if (batch) {
      EXPECT_EQ(writes, 1);
    } else {
      EXPECT_GE(writes, 2 * 10);  // a header and a page per frame, of 10 frames at least
    }
    ExpectRows(*c, 6);
  }
}

TEST_F(WalBatchVfsTest, AnUnsyncedCommitIsInTheFileForOtherConnections) {
  auto writer = OpenDb(true);
  ASSERT_NE(writer, nullptr);
  CreateTable(*writer);
  ASSERT_TRUE(writer->Exec("PRAGMA synchronous=NORMAL").ok());
  auto reader = OpenDb(true, true);
  ASSERT_NE(reader, nullptr);
  const int syncs = vfs_.syncs();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(InsertRows(*writer, i * 3, i * 3 + 3).ok());
    ExpectRows(*reader, i * 3 + 3);
  }
  EXPECT_EQ(vfs_.syncs(), syncs);  // nothing was synced: the reader read frames written unsynced
}

TEST_F(WalBatchVfsTest, AnUnsyncedCommitOutlivesItsProcess) {
  CommitInAProcessThatDies([](Connection& c) {
    bool ok = c.Exec("PRAGMA synchronous=NORMAL").ok();
    for (int i = 0; ok && i < 10; ++i) ok = InsertRows(c, i * 4, i * 4 + 4).ok();
    return ok;
  });
  auto c = OpenDb(true, true);
  ASSERT_NE(c, nullptr);
  ExpectRows(*c, 40);
}

TEST_F(WalBatchVfsTest, PagesSpilledAndWrittenAgainInOneTransactionOutliveTheProcess) {
  // A page cache of 4 pages spills the transaction's pages to the WAL before its commit; the
  // UPDATE changes them again, so SQLite overwrites frames in place and rewrites checksums,
  // writes that go out of order with the frames appended.
  CommitInAProcessThatDies([](Connection& c) {
    bool ok = c.Exec("PRAGMA cache_size=4").ok() && c.Exec("PRAGMA synchronous=NORMAL").ok() &&
              c.Exec("BEGIN IMMEDIATE").ok();
    for (int n = 0; ok && n < 30; ++n) {
      std::string body = Body(n + 1);
      ok = Query(c, kInsert).Bind(1, n).BindBlob(2, body).Run().ok();
    }
    for (int n = 0; ok && n < 30; ++n) {
      std::string body = Body(n);
      ok = Query(c, "UPDATE t SET body = ? WHERE n = ?").BindBlob(1, body).Bind(2, n).Run().ok();
    }
    return ok && c.Exec("COMMIT").ok();
  });
  auto c = OpenDb(true, true);
  ASSERT_NE(c, nullptr);
  ExpectRows(*c, 30);
}

TEST_F(WalBatchVfsTest, AFailedWriteFailsTheCommitAndLeavesNothingOfIt) {
  auto writer = OpenDb(true);
  ASSERT_NE(writer, nullptr);
  CreateTable(*writer);
  ASSERT_TRUE(writer->Exec("PRAGMA synchronous=NORMAL").ok());
  ASSERT_TRUE(InsertRows(*writer, 0, 2).ok());
  auto reader = OpenDb(true, true);
  ASSERT_NE(reader, nullptr);

  vfs_.FailAfter(FaultVfs::Op::kWrite, 0, SQLITE_IOERR_WRITE, /*sticky=*/false);
  base::Status s = InsertRows(*writer, 2, 5);
  EXPECT_EQ(s.code(), base::Code::kUnavailable) << s.ToString();
  EXPECT_EQ(vfs_.failures(), 1);
  ExpectRows(*reader, 2);

  // The next transaction writes over the failed one's frames and commits.
  ASSERT_TRUE(InsertRows(*writer, 2, 4).ok());
  ExpectRows(*reader, 4);
  writer.reset();
  reader.reset();
  auto again = OpenDb(true, true);
  ASSERT_NE(again, nullptr);
  ExpectRows(*again, 4);
}

TEST_F(WalBatchVfsTest, ATransactionLargerThanTheBufferGoesOutInPieces) {
  const size_t size = 16 * 1024;
  const int rows = 24;  // ~100 frames: ~3 buffers' worth
  {
    auto c = OpenDb(true);
    ASSERT_NE(c, nullptr);
    CreateTable(*c);
    const int before = vfs_.writes();
    base::Status s = InsertRows(*c, 0, rows, size);
    ASSERT_TRUE(s.ok()) << s.ToString();
    const int writes = vfs_.writes() - before;
    EXPECT_GE(writes, static_cast<int>(rows * size / kMaxWalBuffer));
    EXPECT_LE(writes, 10);  // unbatched: two per frame
    ExpectRows(*c, rows, size);
  }
  auto c = OpenDb(true, true);  // the last connection closed: checkpointed into the database
  ASSERT_NE(c, nullptr);
  ExpectRows(*c, rows, size);
}

TEST(WalBatchVfsForTest, UnknownBaseIsUnavailableAndEachBaseHasOneWrapper) {
  EXPECT_EQ(WalBatchVfsFor("no-such-vfs").status().code(), base::Code::kUnavailable);
  auto a = WalBatchVfsFor("");
  auto b = WalBatchVfsFor("");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(sqlite3_vfs_find(a->c_str()), nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), sqlite3_vfs_find(a->c_str()));  // never the default
}

}  // namespace
}  // namespace longhaul::store::sqlite::internal
