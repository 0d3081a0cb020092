// Connection: one SQLite connection (RAII) with a cache of prepared statements, and Query: one
// use of a cached statement (bind, step, read columns; reset when the Query goes away).
// Every SQLite return code passes through Connection::Check(), which maps it to a Status and
// remembers the first I/O-class error (disk full, failed write or sync, corruption): after one,
// the connection's open transaction cannot be trusted and the store must fail (STYLE.md §10).
// Thread-safety: a Connection and its Queries are used by one thread at a time; the owner
// serialises (the store's writer thread, or a read-pool lease).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace longhaul::store::sqlite::internal {

// True for result codes after which the database file (or our view of it) cannot be trusted:
// SQLITE_IOERR*, SQLITE_FULL, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN, SQLITE_NOMEM,
// SQLITE_PROTOCOL, SQLITE_READONLY*. BUSY/LOCKED/CONSTRAINT are not: the caller may go on.
bool IsIoError(int rc);

// Maps a SQLite result code to a Status: I/O class and BUSY/LOCKED -> kUnavailable,
// CONSTRAINT -> kAlreadyExists, TOOBIG -> kInvalidArgument, the rest -> kInternal.
// `what` names the operation; the message includes SQLite's error text when `db` is given.
base::Status SqliteError(int rc, sqlite3* db, std::string_view what);

struct ConnectionOptions {
  std::string path;
  std::string vfs;             // empty = SQLite's default VFS
  bool create = false;         // create the file when missing (the write connection only)
  bool query_only = false;     // PRAGMA query_only: refuse writes (read connections)
  int busy_timeout_ms = 5000;  // wait this long for another writer's lock, then SQLITE_BUSY
  // Write each transaction's WAL frames with one write (wal_batch_vfs.h), over `vfs`.
  bool batch_wal_writes = true;
  // false: open the file as it is, without the journal mode and pragmas below (to look at a
  // file before anything here changes it).
  bool configure = true;
};

class Connection {
 public:
  // Opens the database and applies the per-connection pragmas: WAL, synchronous=FULL,
  // busy_timeout, temp_store=MEMORY; query_only when asked. kUnavailable on failure.
  static base::Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  // Finalizes the cached statements and closes the connection (checkpointing the WAL when it
  // is the last connection to the file).
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* handle() const { return db_; }

  // Maps `rc` (OK, ROW and DONE map to OK) and remembers the first I/O-class error.
  base::Status Check(int rc, std::string_view what);
  // The first I/O-class error this connection has seen; OK while there was none.
  const base::Status& io_error() const { return io_error_; }

  // Runs `sql` (one or more statements, no results) through sqlite3_exec.
  base::Status Exec(const char* sql);
  // Runs a single-row, single-column statement (e.g. a PRAGMA) and returns its value.
  base::Result<int64_t> QueryInt(const char* sql);
  base::Result<std::string> QueryText(const char* sql);

  // The prepared statement for `sql`, cached for the connection's lifetime. `sql` must be a
  // string with static storage duration: its address is the cache key.
  base::Result<sqlite3_stmt*> Prepare(const char* sql);

  // True while a transaction is open (BEGIN without COMMIT/ROLLBACK yet, or not auto-rolled back).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
  base::Status io_error_;
};

// One execution of a cached statement. Bind* take 1-based indexes; text and blob bindings do
// not copy, so the bytes must outlive the Query. The first error (prepare, bind or step) is
// kept and returned by Step()/Run(). The destructor resets the statement and clears bindings.
class Query {
 public:
  Query(Connection& conn, const char* sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(int index, int64_t value);
  Query& BindText(int index, std::string_view value);
  Query& BindBlob(int index, std::string_view value);
  Query& BindNull(int index);
  Query& BindOptional(int index, const std::optional<int64_t>& value);

  // Steps once: true with a row to read, false when done, or the error.
  base::Result<bool> Step();
  // Steps to the end, for statements that return no rows that matter.
  base::Status Run();
  // Steps to the end, calling `on_row()` for each row (read it through this Query).
  template <typename F>
  base::Status ForEachRow(F&& on_row) {
    for (;;) {
      base::Result<bool> row = Step();
      if (!row.ok()) return row.status();
      if (!*row) return base::Status::Ok();
      on_row();
    }
  }

  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> OptionalInt(int col) const;
  // Text/blob column as a view valid until the next Step() or the Query's end. NULL -> "".
  std::string_view View(int col) const;
  std::string String(int col) const { return std::string(View(col)); }

 private:
  void Note(int rc, std::string_view what);

  Connection& conn_;
  sqlite3_stmt* stmt_ = nullptr;
  base::Status status_;
};

}  // namespace longhaul::store::sqlite::internal
