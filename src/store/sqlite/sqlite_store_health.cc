// SqliteStore's watch over its health: the job log and its write-ahead log still the files it
// opened (FileMissing, before each commit), free space, and Reopen, which the server calls
// while the store is failed. The rest of the store is in sqlite_store.cc.
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "store/sqlite/sqlite_store.h"

namespace longhaul::store::sqlite {

using base::Status;

std::optional<SqliteStore::FileId> SqliteStore::IdOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

bool SqliteStore::StillThere(const std::string& path, FileId id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno != ENOENT && errno != ENOTDIR;
  return static_cast<uint64_t>(st.st_dev) == id.dev && static_cast<uint64_t>(st.st_ino) == id.ino;
}

Status SqliteStore::FileMissing() {
  if (file_id_ && !StillThere(options_.path, *file_id_)) {
    return base::Unavailable("the job log " + options_.path +
                             " was deleted or moved while the server ran (nothing written since "
                             "is acknowledged); restart the server");
  }
  const std::string wal = options_.path + "-wal";
  if (!wal_id_) {
    wal_id_ = IdOf(wal);  // made by the first write after the open
  } else if (!StillThere(wal, *wal_id_)) {
    // What it held is still in the file the connections have open: a reopen copies it into the
    // job log as it closes them, and starts a new log.
    return base::Unavailable("the job log's write-ahead log " + wal +
                             " was deleted or moved while the server ran (nothing written since "
                             "is acknowledged); the store reopens with a new one");
  }
  return Status::Ok();
}

Status SqliteStore::Healthy() const { return committer_->failure(); }

std::optional<SqliteOptions::Space> SqliteStore::SpaceOf(const std::string& dir) {
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return std::nullopt;
  return SqliteOptions::Space{static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize,
                              static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize};
}

Status SqliteStore::Reopen() {
  if (committer_->OnCommitterThread()) {
    return base::Internal("Reopen() from the store's writer thread (a callback)");
  }
  return committer_->RunExclusive([this] {
    if (std::error_code ec; !std::filesystem::exists(options_.path, ec) && !ec) {
      // The connections stay: reads go on from the file they have open (the admin API still
      // shows the jobs), and shutting down does not wait for a reopen that never comes.
      Status gone = base::Unavailable("reopen failed: the job log " + options_.path +
                                      " is gone (deleted or moved while the server ran); restart "
                                      "the server");
      committer_->SetFailure(gone);
      return gone;
    }
    CloseConnections();
    Status s = OpenConnections(/*create=*/false);
    if (!s.ok()) {
      committer_->SetFailure(base::Unavailable("reopen failed: " + s.message()));
      return s;
    }
    std::string dir = std::filesystem::path(options_.path).parent_path().string();
    if (dir.empty()) dir = ".";
    std::optional<SqliteOptions::Space> space = options_.space ? options_.space(dir) : SpaceOf(dir);
    const uint64_t needed = space ? std::min(options_.min_free_to_recover, space->size / 8) : 0;
    if (space && space->free < needed) {
      Status full =
          base::Unavailable("disk full: " + std::to_string(space->free) + " bytes free in " + dir +
                            ", " + std::to_string(needed) + " needed to resume writing");
      committer_->SetFailure(full);
      return full;
    }
    committer_->ClearFailure();
    return Status::Ok();
  });
}

}  // namespace longhaul::store::sqlite
