// FaultVfs: a SQLite VFS, registered under its own name, that forwards everything to the default
// VFS and fails chosen writes or syncs, so tests can prove that a failed commit is never
// acknowledged and that the store fails sticky (STYLE.md §10; SQLite's src/test6.c, LevelDB's
// db/fault_injection_test.cc). Open the store with SqliteOptions.vfs = fault_vfs.name().
// Thread-safety: the controls may be called from any thread while connections use the VFS.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite/internal/wrapper_vfs.h"

namespace longhaul::testing {

class FaultVfs {
 public:
  enum class Op { kWrite, kSync };

  // Registers a VFS named `name` (not as the default). The name must be unused in the process.
  explicit FaultVfs(std::string name);
  // Unregisters it; every connection that used it must be closed before.
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const std::string& name() const { return name_; }

  // Lets `skip` more operations of kind `op` (on any file) succeed, then fails the next one
  // with `rc` (e.g. SQLITE_IOERR_FSYNC, SQLITE_IOERR_WRITE, SQLITE_FULL) without passing it on.
  // With `sticky`, every later one of that kind fails too until Clear() (a disk that stays
  // full); otherwise only that one. Replaces an earlier rule for the same kind.
  void FailAfter(Op op, int skip, int rc, bool sticky = true);
  // Drops every rule: all operations succeed again.
  void Clear();
  // With `on`, a database file opened for writing is opened read-only instead, as SQLite does
  // by itself when the user may not write the file (a data dir whose permissions changed).
  void OpenDatabasesReadOnly(bool on) { read_only_.store(on); }

  int writes() const { return writes_.load(); }  // xWrite calls seen (failed ones included)
  int syncs() const { return syncs_.load(); }
  int failures() const { return failures_.load(); }  // operations failed on purpose

 private:
  friend struct FaultVfsAccess;
  // What the VFS's pAppData points to.
  struct Data : store::sqlite::internal::WrapperVfsData {
    FaultVfs* owner = nullptr;
  };
  struct Rule {
    bool armed = false;
    int skip = 0;
    int rc = SQLITE_IOERR;
    bool sticky = true;
    bool fired = false;
  };

  // SQLITE_OK to let the operation through, or the code to fail it with.
  int Decide(Op op);

  std::string name_;
  std::unique_ptr<sqlite3_vfs> vfs_;
  sqlite3_vfs* real_ = nullptr;
  Data data_;
  std::mutex mu_;
  Rule write_rule_;  // guarded by mu_
  Rule sync_rule_;   // guarded by mu_
  std::atomic<int> writes_{0};
  std::atomic<int> syncs_{0};
  std::atomic<int> failures_{0};
  std::atomic<bool> read_only_{false};
};

}  // namespace longhaul::testing
