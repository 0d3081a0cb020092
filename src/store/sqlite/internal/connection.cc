#include "store/sqlite/internal/connection.h"

#include <mutex>
#include <utility>

#include "store/sqlite/internal/wal_batch_vfs.h"

namespace longhaul::store::sqlite::internal {
namespace {

// Process-wide SQLite settings, applied before the first connection initialises the library.
// Memory statistics (on by default) take one global mutex around every allocation and free of
// every connection; nothing here reads them (no sqlite3_memory_used, no soft heap limit).
// SQLITE_MISUSE means the library was initialised already (by another user in this process):
// the setting then stays as it was, which changes speed, not behaviour.
void ConfigureLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

bool IsIoError(int rc) {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
      return true;
    default:
      return false;
  }
}

base::Status SqliteError(int rc, sqlite3* db, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    const char* detail = sqlite3_errmsg(db);
    if (detail != nullptr && msg.find(detail) == std::string::npos) {
      msg += " (";
      msg += detail;
      msg += ")";
    }
  }
  msg += " [sqlite ";
  msg += std::to_string(rc);
  msg += "]";
  base::Code code = base::Code::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = base::Code::kUnavailable;
      break;
    case SQLITE_CONSTRAINT:
      code = base::Code::kAlreadyExists;
      break;
    case SQLITE_TOOBIG:
      code = base::Code::kInvalidArgument;
      break;
    default:
      if (IsIoError(rc)) {
        code = base::Code::kUnavailable;
      }
      break;
  }
  return {code, std::move(msg)};
}

base::Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  ConfigureLibraryOnce();
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) {
    flags |= SQLITE_OPEN_CREATE;
  }
  std::string vfs = options.vfs;
  if (options.batch_wal_writes) {
    base::Result<std::string> batching = WalBatchVfsFor(options.vfs);
    if (!batching.ok()) return batching.status();
    vfs = std::move(*batching);
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    // What the system said (a file of another user: Permission denied), which SQLite's own
    // "unable to open database file" leaves out.
    const int err = db != nullptr ? sqlite3_system_errno(db) : 0;
    base::Status s = SqliteError(
        rc, db, "open " + options.path + (err != 0 ? " (" + base::ErrnoText(err) + ")" : ""));
    // sqlite3_open_v2 hands back a handle even on failure; it must be closed.
    (void)sqlite3_close_v2(db);
    return base::Unavailable(s.message());
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  LH_RETURN_IF_ERROR(conn->Check(sqlite3_extended_result_codes(db, 1), "extended_result_codes"));
  LH_RETURN_IF_ERROR(
      conn->Check(sqlite3_busy_timeout(db, options.busy_timeout_ms), "busy_timeout"));
  if (!options.configure) return conn;
  auto mode = conn->QueryText("PRAGMA journal_mode=WAL");
  if (!mode.ok()) {
    return base::Unavailable(mode.status().message());
  }
  if (*mode != "wal") {
    return base::Unavailable("cannot switch " + options.path + " to WAL (journal_mode is " + *mode +
                             ")");
  }
  LH_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=FULL"));
  LH_RETURN_IF_ERROR(conn->Exec("PRAGMA temp_store=MEMORY"));
  LH_RETURN_IF_ERROR(conn->Exec("PRAGMA cache_size=-16384"));
  if (options.query_only) {
    LH_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=1"));
  } else {
    // Keep an idle WAL file from staying at its high-water mark after a burst.
    LH_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_size_limit=67108864"));
    // The jobs table's CHECK (state IN (7 values)) is coded with an ephemeral table that SQLite
    // builds again on every INSERT and UPDATE of a job (about 37k instructions each, a quarter
    // of the writer's cost per append); states are only ever written from store::JobState.
    LH_RETURN_IF_ERROR(conn->Exec("PRAGMA ignore_check_constraints=ON"));
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) {
    // sqlite3_finalize repeats the statement's last error, which was handled when it happened.
    (void)sqlite3_finalize(stmt);
  }
  // With every statement finalized, close_v2 closes at once; its code has nobody to go to and
  // the next Open recovers whatever state the file is in.
  (void)sqlite3_close_v2(db_);
}

base::Status Connection::Check(int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) {
    return base::Status::Ok();
  }
  base::Status s = SqliteError(rc, db_, what);
  if (IsIoError(rc) && io_error_.ok()) {
    io_error_ = s;
  }
  return s;
}

base::Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  std::string what = sql;
  if (err != nullptr) {
    what += " (";
    what += err;
    what += ")";
    sqlite3_free(err);
  }
  return Check(rc, what);
}

base::Result<int64_t> Connection::QueryInt(const char* sql) {
  Query q(*this, sql);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return base::Internal(std::string(sql) + ": no row");
  }
  return q.Int(0);
}

base::Result<std::string> Connection::QueryText(const char* sql) {
  Query q(*this, sql);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return base::Internal(std::string(sql) + ": no row");
  }
  return q.String(0);
}

base::Result<sqlite3_stmt*> Connection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    return it->second;
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return Check(rc, std::string("prepare ") + sql);
  }
  if (stmt == nullptr) {  // only whitespace or comments
    return base::Internal(std::string("empty statement: ") + sql);
  }
  statements_.emplace(sql, stmt);
  return stmt;
}

Query::Query(Connection& conn, const char* sql) : conn_(conn) {
  auto stmt = conn.Prepare(sql);
  if (stmt.ok()) {
    stmt_ = *stmt;
  } else {
    status_ = stmt.status();
  }
}

Query::~Query() {
  if (stmt_ != nullptr) {
    // reset repeats the last step's error, which Step() already reported.
    (void)sqlite3_reset(stmt_);
    (void)sqlite3_clear_bindings(stmt_);
  }
}

void Query::Note(int rc, std::string_view what) {
  if (rc != SQLITE_OK && status_.ok()) {
    status_ = conn_.Check(rc, what);
  }
}

Query& Query::Bind(int index, int64_t value) {
  if (stmt_ != nullptr) {
    Note(sqlite3_bind_int64(stmt_, index, value), "bind");
  }
  return *this;
}

Query& Query::BindText(int index, std::string_view value) {
  if (stmt_ != nullptr) {
    // A null pointer would bind SQL NULL; an empty view may carry one.
    const char* data = value.data() != nullptr ? value.data() : "";
    Note(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8),
         "bind text");
  }
  return *this;
}

Query& Query::BindBlob(int index, std::string_view value) {
  if (stmt_ != nullptr) {
    const char* data = value.data() != nullptr ? value.data() : "";
    Note(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_STATIC), "bind blob");
  }
  return *this;
}

Query& Query::BindNull(int index) {
  if (stmt_ != nullptr) {
    Note(sqlite3_bind_null(stmt_, index), "bind null");
  }
  return *this;
}

Query& Query::BindOptional(int index, const std::optional<int64_t>& value) {
  return value.has_value() ? Bind(index, *value) : BindNull(index);
}

base::Result<bool> Query::Step() {
  if (!status_.ok()) {
    return status_;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  // The statement's first words name it: its whole text would reach a sender's 503 body.
  std::string_view sql = sqlite3_sql(stmt_);
  size_t words = 0;
  for (int seen = 0; words < sql.size() && seen < 3; ++words) {
    if (sql[words] == ' ' && ++seen == 3) break;
  }
  status_ = conn_.Check(rc, std::string(sql.substr(0, words)) + (words < sql.size() ? " …" : ""));
  return status_;
}

base::Status Query::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      return base::Status::Ok();
    }
  }
}

std::optional<int64_t> Query::OptionalInt(int col) const {
  if (IsNull(col)) {
    return std::nullopt;
  }
  return Int(col);
}

std::string_view Query::View(int col) const {
  // column_blob then column_bytes, in that order, per the SQLite docs on type conversions.
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) {
    return {};
  }
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

}  // namespace longhaul::store::sqlite::internal
