// The wrapper-VFS skeleton: a wrapper that replaces nothing is SQLite's default VFS (WAL mode,
// shared memory, a second connection), and a failed open leaves no file for SQLite to close.
#include "store/sqlite/internal/wrapper_vfs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "store/sqlite/internal/connection.h"
#include "testing/temp_dir.h"

namespace longhaul::store::sqlite::internal {
namespace {

std::atomic<int> opened{0};

int OpenPlain(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
              int* out_flags) {
  int version = 0;
  int rc = OpenWrapped(vfs, name, file, flags, out_flags, &version);
  if (version == 0) return rc;
  static const sqlite3_io_methods kMethods[] = {ForwardingIoMethods(1), ForwardingIoMethods(2),
                                                ForwardingIoMethods(3)};
  file->pMethods = &kMethods[version - 1];
  opened++;
  return rc;
}

// Registered once for the test binary, as WalBatchVfsFor registers its wrappers.
const char* PlainVfs() {
  static WrapperVfsData data{sqlite3_vfs_find(nullptr)};
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs v{};
    ForwardVfs(v, &data);
    v.zName = "wrapper-vfs-test-plain";
    v.xOpen = OpenPlain;
    return v;
  }();
  static const int registered = sqlite3_vfs_register(&vfs, 0);
  EXPECT_EQ(registered, SQLITE_OK);
  return vfs.zName;
}

TEST(WrapperVfsTest, AWrapperThatReplacesNothingRunsADatabaseInWalMode) {
  testing::TempDir dir;
  ConnectionOptions o;
  o.path = dir.File("db.sqlite");
  o.vfs = PlainVfs();
  o.create = true;
  o.batch_wal_writes = false;
  const int before = opened.load();
  auto writer = Connection::Open(o);  // switches to WAL: needs the shared-memory calls
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t(v TEXT); INSERT INTO t VALUES('through')").ok());
  o.create = false;
  o.query_only = true;
  auto reader = Connection::Open(o);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto v = (*reader)->QueryText("SELECT v FROM t");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "through");
  EXPECT_GE(opened.load() - before, 3);  // the database twice and the WAL, through the wrapper
}

TEST(WrapperVfsTest, AFailedOpenLeavesNoFileToClose) {
  sqlite3_vfs* vfs = sqlite3_vfs_find(PlainVfs());
  ASSERT_NE(vfs, nullptr);
  std::string buf(static_cast<size_t>(vfs->szOsFile), '\xff');
  auto* file = reinterpret_cast<sqlite3_file*>(buf.data());
  int version = -1;
  int rc = OpenWrapped(vfs, "/nonexistent-dir/x.sqlite", file,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_MAIN_DB, nullptr, &version);
  EXPECT_NE(rc, SQLITE_OK);
  EXPECT_EQ(version, 0);
  EXPECT_EQ(file->pMethods, nullptr);
}

}  // namespace
}  // namespace longhaul::store::sqlite::internal
