// SqliteStore: the Store on one SQLite file in WAL mode.
//
// Durability: a batch holding an append (and every admin write: Retry, Cancel, key purges)
// commits with synchronous=FULL, so its WAL frames are on disk before any caller hears OK
// (except appends with NewJob::acknowledged = false, whose caller waits for the result). A
// batch of bookkeeping only (Claim, Complete, ExtendLease, RecoverLeases) commits with
// synchronous=NORMAL: written to the WAL (a killed process loses nothing: the frames are in the
// OS page cache), synced by the next FULL commit or checkpoint. What a power loss can take back
// is at most the bookkeeping since the last sync: a job returns to running/queued and runs again
// (at least once, as after any crash), never an acknowledged request.
//
// Writes: one writer thread owns the write connection. Append() queues the job (bounded) and
// returns; the writer drains everything pending (up to max_batch ops / max_batch_bytes) into
// ONE transaction (BEGIN IMMEDIATE ... COMMIT) and then completes every waiter. The blocking
// writes (Claim, Complete, ExtendLease, RecoverLeases, Retry, Cancel, PurgeExpiredKeys,
// PurgeFinishedJobs) are queued as ops too, run in the same transactions (each in a
// SAVEPOINT), and wait for the commit. Reads (Get, List, NextRunAt) use a small pool of read
// connections; WAL lets them run beside the writer and they see only committed data.
//
// Failure (STYLE.md §10): when a COMMIT fails, or any statement of a batch fails with an
// I/O-class error (IOERR, FULL, CORRUPT, CANTOPEN, NOMEM, ...), the batch is rolled back, its
// waiters get kUnavailable, and the store is failed: every later write returns kUnavailable at
// once and Healthy() returns the error. Reads keep working. Reopen() closes and reopens every
// connection (SQLite recovers from the WAL) and clears the failure when that succeeds; the
// server calls it periodically while Healthy() is not OK, so the store resumes by itself when,
// e.g., disk space returns. A batch whose commit failed is never reported as committed; if its
// sync failed after the WAL frames were written, a crash before Reopen() may still let SQLite
// recover it (the fsync-failure ambiguity every database has). Its callers were told
// kUnavailable and retry; idempotency keys turn that retry into a duplicate of the recovered job.
//
// Leases: Complete() and ExtendLease() accept the owner recorded on the running job. A lease
// that has run out but was not yet taken back by RecoverLeases() still counts as held (nobody
// else can have the job); once recovered, or cancelled, the old owner gets kAborted.
// Ordering keys: a job with an ordering key is claimable only while it is the oldest unfinished
// job of its (function, ordering_key) and no other job of that key is running. Claim() takes
// due jobs earliest next_run_at first (insertion order among equals) and moves expired ones it
// meets to dead. Append() with an empty id or function fails at once with kInvalidArgument.
//
// Callbacks given to Append() run on the writer thread (or, when the append is refused at once,
// on the calling thread before Append() returns). They must not block and must not call the
// blocking methods of this store (those return kInternal when called from the writer thread).
//
// Thread-safety: all public methods may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "store/sqlite/group_committer.h"
#include "store/store.h"

namespace longhaul::store::sqlite {

namespace internal {
class Checkpointer;
class Connection;
}  // namespace internal

struct SqliteOptions {
  std::string path;  // database file, e.g. data_dir + "/longhaul.db"; its directory is created
  std::string vfs;   // SQLite VFS name; empty = the default (tests pass a fault-injecting VFS)
  size_t max_queue = 10000;            // appends waiting for a commit; more -> kResourceExhausted
  size_t max_batch = 1024;             // ops (appends + blocking writes) per transaction
  size_t max_batch_bytes = 16u << 20;  // approx. bytes of appended jobs per transaction; 16 MiB
  size_t read_connections = 2;         // read pool size, at least 1
  int checkpoint_frames = 250;         // WAL frames (pages) that start a background checkpoint
  base::Duration busy_timeout = std::chrono::seconds(5);  // wait for another process's lock
  base::Clock* clock = nullptr;  // required, not owned, must outlive the store
  // Reopen() clears a failure only with this much space free for the database, or an eighth
  // of a smaller file system (it writes nothing itself, so a disk still full would otherwise
  // look healthy until the next write).
  uint64_t min_free_to_recover = 4u << 20;
  // The space of the file system holding a directory, or nullopt when unknown; empty = statvfs
  // (tests replace it).
  struct Space {
    uint64_t free = 0;  // bytes available to unprivileged writers
    uint64_t size = 0;  // bytes in all
  };
  std::function<std::optional<Space>(const std::string& dir)> space;
};

class SqliteStore final : public Store {
 public:
  struct Stats {
    uint64_t transactions = 0;  // batches attempted
    uint64_t commits = 0;       // batches committed
    uint64_t failed_transactions = 0;
    uint64_t ops = 0;  // appends and blocking writes run in batches
    uint64_t max_batch_ops = 0;
    uint64_t rejected = 0;            // refused at once (queue full, failed, closing)
    uint64_t checkpoints = 0;         // background WAL checkpoints run
    uint64_t failed_checkpoints = 0;  // of those, failed (the WAL keeps the data)
  };

  // Creates the directory and the database if missing, migrates the schema (see
  // docs/on-disk-format.md), opens the connections and starts the writer thread. Blocks.
  // kInvalidArgument for bad options; kFailedPrecondition for a file from a newer build or
  // not a longhaul job log; kUnavailable when the file cannot be opened or written.
  static base::Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);

  // Commits what is already queued, stops the writer and closes the connections. Blocks.
  ~SqliteStore() override;

  void Append(NewJob job, AppendCallback done) override;
  base::Result<std::vector<Job>> Claim(const ClaimRequest& req) override;
  base::Status Complete(const Completion& c) override;
  base::Status CompleteAndClaim(const Completion& c, const ClaimRequest& next,
                                std::vector<Job>* claimed,
                                const std::function<void()>& recorded = nullptr) override;
  base::Status ExtendLease(std::string_view job_id, std::string_view owner,
                           TimePoint until) override;
  base::Result<int> RecoverLeases(TimePoint now, std::string_view owner,
                                  std::vector<std::string>* dead = nullptr) override;
  base::Result<int> ReleaseLeases(TimePoint now, std::string_view owner,
                                  std::vector<std::string>* dead = nullptr) override;
  base::Status Unclaim(std::string_view job_id, std::string_view owner, TimePoint now) override;
  base::Status Retry(std::string_view job_id, TimePoint now) override;
  base::Status Cancel(std::string_view job_id, TimePoint now) override;
  base::Status KeepStoppedOutput(std::string_view job_id, const std::string& stdout_tail,
                                 const std::string& stderr_tail) override;
  base::Result<Job> Get(std::string_view job_id) override;
  base::Result<JobPage> List(const ListFilter& filter) override;
  base::Result<RouteStats> GetRouteStats(std::string_view function,
                                         std::string_view route) override;
  base::Result<std::optional<TimePoint>> NextRunAt() override;
  base::Result<std::vector<std::string>> QueuedFunctions() override;
  base::Result<int> PurgeExpiredKeys(TimePoint now) override;
  base::Result<int> PurgeFinishedJobs(TimePoint finished_before, int limit) override;
  base::Status Healthy() const override;

  // Closes every connection and opens them again (running SQLite's WAL recovery), between
  // batches on the writer thread; reads wait for it. On success, with min_free_to_recover bytes
  // free, the failure is cleared and writes are accepted again; on failure the store stays (or
  // becomes) failed with the new error and Reopen() may be tried again later. Blocks. May be called
  // when healthy.
  base::Status Reopen();

  // Counters of the group committer, for tests and metrics.
  Stats stats() const;

 private:
  class WriteOp;
  class AppendOp;
  class TaskOp;
  using WriteFn = std::function<base::Status(internal::Connection&)>;
  using Committer = GroupCommitter<WriteOp>;

  explicit SqliteStore(const SqliteOptions& options);
  // Open() without the note on a full disk.
  static base::Result<std::unique_ptr<SqliteStore>> OpenAsIs(const SqliteOptions& options);

  base::Result<int> TakeBackLeases(TimePoint now, std::string_view owner,
                                   std::vector<std::string>* dead, bool stopped);

  // writer_ + readers; caller is the writer thread or Open(). `create`: make the database file
  // if it is missing (Open(); a reopen must find the file the server had).
  base::Status OpenConnections(bool create);
  void CloseConnections();
  Committer::BatchOutcome RunBatch(std::span<const std::unique_ptr<WriteOp>> ops);
  // Runs `fn` inside the next batch on the writer thread and waits for the commit; a kSynced
  // write's batch commits with synchronous=FULL (see Durability above).
  enum class Sync { kSynced, kLazy };
  // `committed`, when given, runs on the writer thread once the batch holding `fn` committed
  // and `fn` returned OK, before this returns.
  base::Status RunWrite(const WriteFn& fn, Sync sync = Sync::kSynced,
                        const std::function<void()>* committed = nullptr);
  // Runs `fn` on a pooled read connection. kUnavailable while the pool is closed (reopening).
  base::Status RunRead(const std::function<base::Status(internal::Connection&)>& fn);
  // RunRead for a read that yields a value: `read` (Connection& -> base::Result<T>) runs on a
  // read connection (sqlite_store_reads.cc).
  template <typename T, typename Read>
  base::Result<T> ReadValue(const Read& read);
  // Runs `purge_chunk(connection, n)` as one write op after another, each deleting at most n
  // (chunk_size, fewer for the last) rows, until one deletes fewer or `limit` rows are gone.
  base::Result<int> PurgeInChunks(
      int chunk_size, int limit,
      const std::function<base::Result<int>(internal::Connection&, int)>& purge_chunk);

  // The space of the file system holding `dir` (statvfs), or nullopt when unknown.
  static std::optional<SqliteOptions::Space> SpaceOf(const std::string& dir);

  const SqliteOptions options_;
  base::Clock* const clock_;

  std::unique_ptr<internal::Checkpointer> checkpointer_;  // WAL checkpoints off the writer
  std::unique_ptr<internal::Connection> writer_;  // used on the writer thread only (or in Open)
  bool writer_synced_ = true;  // writer_'s synchronous setting is FULL (else NORMAL); same thread
  // The database file and its write-ahead log as (re)opened, by device and inode; writer thread
  // (or Open). A batch whose file is no longer at its path (deleted or moved while the server
  // ran: its writes would go to a file nobody will open again, and a crash would lose them)
  // fails instead of committing (FileMissing()).
  struct FileId {
    uint64_t dev = 0;
    uint64_t ino = 0;
  };
  std::optional<FileId> file_id_;
  std::optional<FileId> wal_id_;                               // nullopt until the log exists
  static std::optional<FileId> IdOf(const std::string& path);  // nullopt: no such file
  // False when `path` is gone or names another file; true also when it cannot be looked at
  // (EIO, EACCES: left to SQLite's own writes to report).
  static bool StillThere(const std::string& path, FileId id);
  // Non-OK when options_.path, or its log, no longer names the file opened.
  base::Status FileMissing();

  base::Mutex read_mu_;
  base::CondVar read_cv_;
  std::vector<std::unique_ptr<internal::Connection>> read_free_ LH_GUARDED_BY(read_mu_);
  size_t read_open_ LH_GUARDED_BY(read_mu_) = 0;  // connections in the pool (free + lent out)
  size_t read_lent_ LH_GUARDED_BY(read_mu_) = 0;
  bool read_closing_ LH_GUARDED_BY(read_mu_) = false;

  std::unique_ptr<Committer> committer_;  // last: stopped first, while the rest is alive
};

}  // namespace longhaul::store::sqlite
