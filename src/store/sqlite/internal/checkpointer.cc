#include "store/sqlite/internal/checkpointer.h"

#include <utility>

#include "base/thread_name.h"

namespace longhaul::store::sqlite::internal {

Checkpointer::Checkpointer(ConnectionOptions options, int frames)
    : options_(std::move(options)), frames_(frames), thread_([this] { Loop(); }) {}

Checkpointer::~Checkpointer() {
  {
    base::MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.Signal();
  thread_.join();
  base::MutexLock lock(conn_mu_);
  conn_.reset();
}

void Checkpointer::Watch(Connection& writer) {
  // Also turns off SQLite's own checkpoint in COMMIT (sqlite3_wal_autocheckpoint is a WAL hook).
  sqlite3_wal_hook(writer.handle(), &Checkpointer::OnCommit, this);
}

void Checkpointer::Unwatch(Connection& writer) {
  sqlite3_wal_hook(writer.handle(), nullptr, nullptr);
}

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* /*name*/, int frames) {
  auto* c = static_cast<Checkpointer*>(self);
  if (frames < c->last_frames_) c->requested_at_ = 0;  // the WAL started over
  c->last_frames_ = frames;
  if (frames >= kBackstop * c->frames_) {
    // The WAL only starts over once a checkpoint has caught up before the next write, which
    // a steady stream of commits can keep from happening: finish here, like SQLite's own
    // checkpoint. The thread has copied nearly everything already, so this is short.
    (void)sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  // Once per `frames` new frames: each checkpoint walks the whole WAL.
  if (frames - c->requested_at_ >= c->frames_) {
    c->requested_at_ = frames;
    {
      base::MutexLock lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.Signal();
  }
  return SQLITE_OK;
}

void Checkpointer::Suspend() {
  {
    base::MutexLock lock(mu_);
    suspended_ = true;
  }
  base::MutexLock lock(conn_mu_);
  conn_.reset();
}

void Checkpointer::Resume() {
  base::MutexLock lock(mu_);
  suspended_ = false;
}

Checkpointer::Stats Checkpointer::stats() const {
  base::MutexLock lock(mu_);
  return stats_;
}

void Checkpointer::Loop() {
  base::SetThreadName("lh-checkpoint");
  for (;;) {
    {
      base::MutexLock lock(mu_);
      while (!stopping_ && !(wanted_ && !suspended_)) cv_.Wait(mu_);
      if (stopping_) return;
      wanted_ = false;
    }
    bool ok = false;
    {
      base::MutexLock conn_lock(conn_mu_);
      bool suspended = false;
      {
        base::MutexLock lock(mu_);
        suspended = suspended_;
      }
      if (suspended) continue;  // Suspend() came between: the store is reopening
      if (conn_ == nullptr) {
        auto opened = Connection::Open(options_);
        if (opened.ok()) conn_ = std::move(*opened);
      }
      if (conn_ != nullptr) {
        int log_frames = 0;
        int copied = 0;
        int rc = sqlite3_wal_checkpoint_v2(conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &log_frames, &copied);
        // SQLITE_BUSY: another connection holds the checkpoint lock (the writer's backstop
        // above); the WAL is being copied all the same, so that is not a failure.
        ok = rc == SQLITE_OK || rc == SQLITE_BUSY;
        if (!ok) conn_.reset();  // open afresh next time
      }
    }
    base::MutexLock lock(mu_);
    stats_.checkpoints++;
    if (!ok) stats_.failed_checkpoints++;
  }
}

}  // namespace longhaul::store::sqlite::internal
