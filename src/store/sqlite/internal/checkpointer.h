// Checkpointer: copies the WAL back into the database file on a thread and connection of its
// own, so the writer's commits never wait for a checkpoint. SQLite's automatic checkpoint runs
// inside the COMMIT that crosses the WAL limit and, with synchronous=FULL, syncs the database
// file there: a stall of tens to hundreds of milliseconds for every append waiting on that
// commit. Watch() replaces it on the write connection (a WAL hook): every `frames` new frames
// in the WAL ask this thread for a PASSIVE checkpoint, which runs beside the writer and the
// readers without blocking them. Should the WAL still reach kBackstop * `frames` frames
// (commits so steady that no checkpoint catches up before the next one, so the WAL never
// starts over), the writer finishes a checkpoint itself in that commit.
// Failure: a failed checkpoint leaves the data in the WAL (still durable) and is tried again
// at the next request; the count of failures is in stats().
// Thread-safety: Watch(), Suspend(), Resume() and failures() from any thread; the WAL hook runs
// on the writer thread and never blocks.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <thread>

#include "base/mutex.h"
#include "store/sqlite/internal/connection.h"

namespace longhaul::store::sqlite::internal {

class Checkpointer {
 public:
  struct Stats {
    uint64_t checkpoints = 0;         // PASSIVE checkpoints run
    uint64_t failed_checkpoints = 0;  // of those, failed (or the connection would not open)
  };

  Checkpointer(ConnectionOptions options, int frames);
  ~Checkpointer();  // stops the thread and closes its connection
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the WAL hook on `writer`; Unwatch() removes it (before `writer` or this goes).
  void Watch(Connection& writer);
  static void Unwatch(Connection& writer);
  // Closes the connection (after a running checkpoint) and opens none until Resume(): the
  // store closes every connection to reopen the file.
  void Suspend();
  void Resume();
  Stats stats() const;

 private:
  static constexpr int kBackstop = 8;

  static int OnCommit(void* self, sqlite3* db, const char* name, int frames);
  void Loop();

  const ConnectionOptions options_;
  const int frames_;
  int last_frames_ = 0;   // writer thread only: WAL frames after the last commit
  int requested_at_ = 0;  // writer thread only: WAL frames when a checkpoint was last asked

  mutable base::Mutex mu_;
  base::CondVar cv_;
  bool wanted_ LH_GUARDED_BY(mu_) = false;
  bool stopping_ LH_GUARDED_BY(mu_) = false;
  bool suspended_ LH_GUARDED_BY(mu_) = false;
  Stats stats_ LH_GUARDED_BY(mu_);

  base::Mutex conn_mu_;  // held while a checkpoint runs
  std::unique_ptr<Connection> conn_ LH_GUARDED_BY(conn_mu_);
  std::thread thread_;
};

}  // namespace longhaul::store::sqlite::internal
