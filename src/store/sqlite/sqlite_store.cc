#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <limits>
#include <system_error>
#include <utility>

#include "store/sqlite/internal/checkpointer.h"
#include "store/sqlite/internal/connection.h"
#include "store/sqlite/internal/data_files.h"
#include "store/sqlite/internal/job_table.h"
#include "store/sqlite/internal/purge.h"
#include "store/sqlite/internal/schema.h"

namespace longhaul::store::sqlite {
namespace {

using base::Status;
using internal::Connection;
using internal::Query;

constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kSavepoint = "SAVEPOINT op";
constexpr const char* kRelease = "RELEASE op";
constexpr const char* kRollbackTo = "ROLLBACK TO op";

constexpr int kPurgeChunk = 10000;
// Jobs per purge transaction: each also frees its request's pages.
constexpr int kPurgeJobsChunk = 500;

Status RunStatement(Connection& c, const char* sql) {
  Query q(c, sql);
  return q.Run();
}

// Ends an open transaction after a failure. Its own error is only worth a note in the
// message: an I/O error is also recorded in c.io_error(), which the caller checks.
std::string Rollback(Connection& c) {
  if (!c.InTransaction()) {
    return {};  // SQLite already rolled back (it does after some I/O errors)
  }
  Status s = RunStatement(c, kRollback);
  return s.ok() ? std::string() : "; rollback failed: " + s.message();
}

}  // namespace

// One unit of work in a batch. Execute() runs inside the batch's transaction on the writer
// thread and keeps the op's own result; a non-OK return means the transaction must be rolled
// back. Finish() delivers the result (or the batch's error) once the batch has ended.
class SqliteStore::WriteOp {
 public:
  virtual ~WriteOp() = default;
  virtual Status Execute(Connection& c, base::TimePoint now) = 0;
  virtual void Finish(const Status& batch) = 0;
  virtual size_t bytes() const = 0;
  virtual bool bounded() const = 0;
  // The batch holding this op must commit with synchronous=FULL.
  virtual bool synced() const = 0;
};

class SqliteStore::AppendOp final : public WriteOp {
 public:
  // Runs on the submitting thread: the encoding is done there, not on the writer.
  AppendOp(NewJob job, AppendCallback done)
      : job_(std::move(job)),
        encoded_(internal::EncodedRequest::Of(job_)),
        done_(std::move(done)),
        bytes_(internal::ApproximateSize(job_)) {}

  Status Execute(Connection& c, base::TimePoint now) override {
    base::Result<AppendResult> r = internal::AppendJob(c, job_, encoded_, now);
    // Only a refused INSERT leaves the transaction clean; anything else dooms the batch.
    if (!r.ok() && r.status().code() != base::Code::kAlreadyExists) {
      return r.status();
    }
    result_ = std::move(r);
    return Status::Ok();
  }

  void Finish(const Status& batch) override {
    if (batch.ok()) {
      done_(std::move(result_));
    } else {
      done_(batch);
    }
  }

  size_t bytes() const override { return bytes_; }
  bool bounded() const override { return true; }
  bool synced() const override { return job_.acknowledged; }

 private:
  NewJob job_;
  internal::EncodedRequest encoded_;
  AppendCallback done_;
  size_t bytes_;
  base::Result<AppendResult> result_{base::Internal("append did not run")};
};

class SqliteStore::TaskOp final : public WriteOp {
 public:
  // Both pointers belong to the caller, which waits until Finish() has run.
  TaskOp(const WriteFn* fn, std::promise<Status>* done, bool synced,
         const std::function<void()>* committed)
      : fn_(fn), done_(done), synced_(synced), committed_(committed) {}

  Status Execute(Connection& c, base::TimePoint /*now*/) override {
    LH_RETURN_IF_ERROR(RunStatement(c, kSavepoint));
    status_ = (*fn_)(c);
    if (!c.io_error().ok()) {
      return c.io_error();
    }
    if (!status_.ok()) {
      // Undo whatever the task wrote before it failed; the rest of the batch stands.
      LH_RETURN_IF_ERROR(RunStatement(c, kRollbackTo));
    }
    return RunStatement(c, kRelease);
  }

  void Finish(const Status& batch) override {
    if (batch.ok() && status_.ok() && committed_ != nullptr && *committed_) (*committed_)();
    done_->set_value(batch.ok() ? status_ : batch);
  }

  size_t bytes() const override { return 0; }
  // The caller blocks until Finish(), so these are bounded by the number of calling threads.
  bool bounded() const override { return false; }
  bool synced() const override { return synced_; }

 private:
  const WriteFn* fn_;
  std::promise<Status>* done_;
  bool synced_;
  const std::function<void()>* committed_;
  Status status_ = base::Internal("task did not run");
};

SqliteStore::SqliteStore(const SqliteOptions& options) : options_(options), clock_(options.clock) {}

base::Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  auto opened = OpenAsIs(options);
  if (opened.ok() || options.path.empty()) return opened;
  // On a full disk SQLite speaks of I/O errors (it cannot size its shared-memory file): say
  // what is wrong.
  std::string dir = std::filesystem::path(options.path).parent_path().string();
  if (dir.empty()) dir = ".";
  std::optional<SqliteOptions::Space> space = options.space ? options.space(dir) : SpaceOf(dir);
  if (space && space->free < std::min(options.min_free_to_recover, space->size / 8)) {
    return base::Status(opened.status().code(), opened.status().message() + " (the disk is full: " +
                                                    std::to_string(space->free) +
                                                    " bytes free in " + dir + ")");
  }
  // Nor does it say that it may not write (QA): "unable to open database file".
  for (const std::string& target : {options.path, dir}) {
    if (::access(target.c_str(), W_OK) == 0 || (errno != EROFS && errno != EACCES)) continue;
    const char* why =
        errno == EROFS ? "the file system is read-only" : "this user may not write it";
    return base::Status(opened.status().code(),
                        opened.status().message() + " (" + target + ": " + why + ")");
  }
  return opened;
}

base::Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenAsIs(const SqliteOptions& options) {
  if (options.clock == nullptr) {
    return base::InvalidArgument("SqliteOptions.clock is required");
  }
  if (options.path.empty()) {
    return base::InvalidArgument("SqliteOptions.path is required");
  }
  LH_RETURN_IF_ERROR(internal::MakeDirectories(std::filesystem::path(options.path).parent_path()));
  if (std::error_code ec; std::filesystem::file_size(options.path, ec) > 0 && !ec) {
    // Another program's database is refused before anything here changes it (its journal
    // mode, its file mode).
    internal::ConnectionOptions look;
    look.path = options.path;
    look.vfs = options.vfs;
    look.batch_wal_writes = false;
    look.configure = false;
    auto conn = Connection::Open(look);
    if (!conn.ok()) return conn.status();
    if (auto own = internal::CheckOwnFile(**conn); !own.ok()) return own.status();
  }
  LH_RETURN_IF_ERROR(internal::MakePrivate(options.path));
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  internal::ConnectionOptions ckpt;
  ckpt.path = options.path;
  ckpt.vfs = options.vfs;
  ckpt.busy_timeout_ms = static_cast<int>(options.busy_timeout.count());
  store->checkpointer_ =
      std::make_unique<internal::Checkpointer>(ckpt, std::max(1, options.checkpoint_frames));
  LH_RETURN_IF_ERROR(store->OpenConnections(/*create=*/true));
  GroupCommitterOptions copts;
  copts.max_queue = options.max_queue;
  copts.max_batch = options.max_batch;
  copts.max_batch_bytes = options.max_batch_bytes;
  SqliteStore* raw = store.get();
  store->committer_ = std::make_unique<Committer>(
      copts, [raw](std::span<const std::unique_ptr<WriteOp>> ops) { return raw->RunBatch(ops); });
  return store;
}

SqliteStore::~SqliteStore() {
  committer_.reset();  // runs what is queued, then joins the writer thread
  CloseConnections();
  checkpointer_.reset();
}

Status SqliteStore::OpenConnections(bool create) {
  internal::ConnectionOptions wopts;
  wopts.path = options_.path;
  wopts.vfs = options_.vfs;
  wopts.create = create;
  wopts.busy_timeout_ms = static_cast<int>(options_.busy_timeout.count());
  auto writer = Connection::Open(wopts);
  Status s = writer.status();
  // SQLite opens a file it may not write read-only, without an error: every write would fail.
  if (s.ok() && sqlite3_db_readonly((*writer)->handle(), "main") == 1) {
    s = base::Unavailable("the job log " + options_.path +
                          " can only be read: this user may not write it or its directory");
  }
  if (s.ok()) {
    s = internal::Migrate(**writer);
  }
  std::vector<std::unique_ptr<Connection>> readers;
  if (s.ok()) {
    internal::ConnectionOptions ropts = wopts;
    ropts.create = false;
    ropts.query_only = true;
    const size_t n = options_.read_connections == 0 ? 1 : options_.read_connections;
    for (size_t i = 0; i < n && s.ok(); ++i) {
      auto reader = Connection::Open(ropts);
      s = reader.status();
      if (s.ok()) {
        readers.push_back(std::move(*reader));
      }
    }
  }
  if (s.ok()) {
    writer_ = std::move(*writer);
    writer_synced_ = true;  // a new connection starts with synchronous=FULL
    file_id_ = IdOf(options_.path);
    wal_id_ = IdOf(options_.path + "-wal");
    if (checkpointer_) {
      checkpointer_->Watch(*writer_);
      checkpointer_->Resume();
    }
  }
  {
    base::MutexLock lock(read_mu_);
    read_closing_ = false;
    if (s.ok()) {
      read_open_ = readers.size();
      read_free_ = std::move(readers);
    }
  }
  read_cv_.SignalAll();
  return s;
}

void SqliteStore::CloseConnections() {
  if (checkpointer_) checkpointer_->Suspend();
  {
    base::MutexLock lock(read_mu_);
    read_closing_ = true;
    while (read_lent_ != 0) read_cv_.Wait(read_mu_);
    read_free_.clear();
    read_open_ = 0;
  }
  // The write connection closes last: as the last connection it checkpoints the WAL into the
  // database and removes it.
  if (writer_) internal::Checkpointer::Unwatch(*writer_);
  writer_.reset();
}

SqliteStore::Committer::BatchOutcome SqliteStore::RunBatch(
    std::span<const std::unique_ptr<WriteOp>> ops) {
  if (writer_ == nullptr) {
    return {base::Unavailable("store is not open (a reopen failed)"), true};
  }
  Connection& c = *writer_;
  const base::TimePoint now = clock_->Now();
  const bool synced =
      std::any_of(ops.begin(), ops.end(), [](const auto& op) { return op->synced(); });
  Status s;
  if (synced != writer_synced_) {
    // Between transactions; the setting applies to the next COMMIT.
    s = c.Exec(synced ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (!s.ok()) {
      return {base::Unavailable("set synchronous: " + s.message()), !c.io_error().ok()};
    }
    writer_synced_ = synced;
  }
  s = RunStatement(c, kBegin);
  if (!s.ok()) {
    std::string note = Rollback(c);
    const bool fatal = !c.io_error().ok();
    return {base::Unavailable("begin transaction: " + s.message() + note), fatal};
  }
  for (const std::unique_ptr<WriteOp>& op : ops) {
    s = op->Execute(c, now);
    if (!s.ok() || !c.io_error().ok()) {
      Status cause = c.io_error().ok() ? s : c.io_error();
      std::string note = Rollback(c);
      const bool fatal = !c.io_error().ok();
      if (fatal) {
        return {base::Unavailable("write failed, batch rolled back: " + cause.message() + note),
                true};
      }
      return {Status(cause.code(), "batch rolled back: " + cause.message() + note), false};
    }
  }
  if (Status missing = FileMissing(); !missing.ok()) {
    std::string note = Rollback(c);
    return {base::Unavailable(missing.message() + note), true};
  }
  s = RunStatement(c, kCommit);
  if (!s.ok()) {
    std::string note = Rollback(c);
    // Any failed commit fails the store: whether the data reached the disk is unknown.
    return {base::Unavailable("commit failed: " + s.message() + note), true};
  }
  return {Status::Ok(), false};
}

Status SqliteStore::RunWrite(const WriteFn& fn, Sync sync, const std::function<void()>* committed) {
  if (committer_->OnCommitterThread()) {
    return base::Internal("blocking store call from the store's writer thread (a callback)");
  }
  std::promise<Status> done;
  std::future<Status> result = done.get_future();
  committer_->Submit(std::make_unique<TaskOp>(&fn, &done, sync == Sync::kSynced, committed));
  return result.get();
}

Status SqliteStore::RunRead(const std::function<Status(Connection&)>& fn) {
  std::unique_ptr<Connection> conn;
  {
    base::MutexLock lock(read_mu_);
    while (read_closing_ || (read_free_.empty() && read_open_ != 0)) read_cv_.Wait(read_mu_);
    if (read_free_.empty()) {
      return base::Unavailable("store is not open (a reopen failed)");
    }
    conn = std::move(read_free_.back());
    read_free_.pop_back();
    ++read_lent_;
  }
  Status s = fn(*conn);
  {
    base::MutexLock lock(read_mu_);
    read_free_.push_back(std::move(conn));
    --read_lent_;
  }
  read_cv_.SignalAll();
  return s;
}

void SqliteStore::Append(NewJob job, AppendCallback done) {
  if (job.id.empty() || job.function.empty()) {
    done(base::InvalidArgument("append: job id and function are required"));
    return;
  }
  committer_->Submit(std::make_unique<AppendOp>(std::move(job), std::move(done)));
}

base::Result<std::vector<Job>> SqliteStore::Claim(const ClaimRequest& req) {
  std::vector<Job> jobs;
  Status s = RunWrite(
      [&](Connection& c) {
        jobs.clear();
        if (req.expired != nullptr) req.expired->clear();
        return internal::ClaimJobs(c, req, jobs);
      },
      Sync::kLazy);
  if (!s.ok()) {
    return s;
  }
  return jobs;
}

Status SqliteStore::Complete(const Completion& done) {
  return RunWrite([&](Connection& c) { return internal::CompleteJob(c, done); }, Sync::kLazy);
}

Status SqliteStore::CompleteAndClaim(const Completion& done, const ClaimRequest& next,
                                     std::vector<Job>* claimed,
                                     const std::function<void()>& recorded) {
  Status completed = base::Internal("complete did not run");
  const std::function<void()> on_commit = [&] {
    if (next.claimed_with_outcome != nullptr) *next.claimed_with_outcome = true;
    if (completed.ok() && recorded) recorded();
  };
  if (next.claimed_with_outcome != nullptr) *next.claimed_with_outcome = false;
  Status s = RunWrite(
      [&](Connection& c) {
        claimed->clear();
        if (next.expired != nullptr) next.expired->clear();
        completed = internal::CompleteJob(c, done);
        if (!c.io_error().ok()) return c.io_error();
        if (!completed.ok() && completed.code() != base::Code::kAborted &&
            completed.code() != base::Code::kNotFound) {
          return completed;  // a failed statement: undo the task
        }
        return internal::ClaimJobs(c, next, *claimed);
      },
      Sync::kLazy, &on_commit);
  if (!s.ok()) {
    // Nothing of the task stands: record the outcome on its own, claim nothing.
    claimed->clear();
    if (next.expired != nullptr) next.expired->clear();
    Status alone = Complete(done);
    if (alone.ok() && recorded) recorded();
    return alone;
  }
  return completed;
}

Status SqliteStore::ExtendLease(std::string_view job_id, std::string_view owner, TimePoint until) {
  return RunWrite([&](Connection& c) { return internal::ExtendJobLease(c, job_id, owner, until); },
                  Sync::kLazy);
}

base::Result<int> SqliteStore::RecoverLeases(TimePoint now, std::string_view owner,
                                             std::vector<std::string>* dead) {
  return TakeBackLeases(now, owner, dead, false);
}

base::Result<int> SqliteStore::ReleaseLeases(TimePoint now, std::string_view owner,
                                             std::vector<std::string>* dead) {
  return TakeBackLeases(now, owner, dead, true);
}

Status SqliteStore::Unclaim(std::string_view job_id, std::string_view owner, TimePoint now) {
  return RunWrite([&](Connection& c) { return internal::UnclaimJob(c, job_id, owner, now); },
                  Sync::kLazy);
}

base::Result<int> SqliteStore::TakeBackLeases(TimePoint now, std::string_view owner,
                                              std::vector<std::string>* dead, bool stopped) {
  int n = 0;
  Status s = RunWrite(
      [&](Connection& c) {
        if (dead != nullptr) dead->clear();  // a retried transaction starts again
        auto r = internal::RecoverJobLeases(c, now, owner, dead, stopped);
        if (!r.ok()) return r.status();
        n = *r;
        return Status::Ok();
      },
      Sync::kLazy);
  if (!s.ok()) return s;
  return n;
}

Status SqliteStore::Retry(std::string_view job_id, TimePoint now) {
  return RunWrite([&](Connection& c) { return internal::RetryJob(c, job_id, now); });
}

Status SqliteStore::Cancel(std::string_view job_id, TimePoint now) {
  return RunWrite([&](Connection& c) { return internal::CancelJob(c, job_id, now); });
}

Status SqliteStore::KeepStoppedOutput(std::string_view job_id, const std::string& stdout_tail,
                                      const std::string& stderr_tail) {
  return RunWrite([&](Connection& c) {
    return internal::KeepStoppedOutput(c, job_id, stdout_tail, stderr_tail);
  });
}

base::Result<int> SqliteStore::PurgeInChunks(
    int chunk_size, int limit,
    const std::function<base::Result<int>(Connection&, int)>& purge_chunk) {
  int total = 0;
  // Each chunk its own op, so a large purge does not hold up the appends behind it.
  while (total < limit) {
    const int chunk = std::min(chunk_size, limit - total);
    int n = 0;
    Status s = RunWrite([&](Connection& c) {
      auto r = purge_chunk(c, chunk);
      if (!r.ok()) {
        return r.status();
      }
      n = *r;
      return Status::Ok();
    });
    if (!s.ok()) {
      return s;
    }
    total += n;
    if (n < chunk) {
      break;
    }
  }
  return total;
}

base::Result<int> SqliteStore::PurgeExpiredKeys(TimePoint now) {
  return PurgeInChunks(kPurgeChunk, std::numeric_limits<int>::max(),
                       [now](Connection& c, int n) { return internal::PurgeKeys(c, now, n); });
}

base::Result<int> SqliteStore::PurgeFinishedJobs(TimePoint finished_before, int limit) {
  return PurgeInChunks(kPurgeJobsChunk, limit, [finished_before](Connection& c, int n) {
    return internal::PurgeJobs(c, finished_before, n);
  });
}

SqliteStore::Stats SqliteStore::stats() const {
  GroupCommitterStats g = committer_->stats();
  Stats s;
  s.transactions = g.batches;
  s.commits = g.commits;
  s.failed_transactions = g.failed_batches;
  s.ops = g.ops;
  s.max_batch_ops = g.max_batch_ops;
  s.rejected = g.rejected;
  internal::Checkpointer::Stats c = checkpointer_->stats();
  s.checkpoints = c.checkpoints;
  s.failed_checkpoints = c.failed_checkpoints;
  return s;
}

}  // namespace longhaul::store::sqlite
