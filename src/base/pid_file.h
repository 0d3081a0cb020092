// PidFile: `longhaul webhook -pidfile`: a file holding this process's id while it serves. A
// second instance started by mistake must not take over (or remove) the running one's file:
// the file is locked (flock) for as long as its process serves, whatever program it is.
// Thread-safety: one owner.
#pragma once

#include <string>

#include "base/status.h"

namespace longhaul::base {

class PidFile {
 public:
  // Locks `path` and writes this process's id to it. kFailedPrecondition when another process
  // holds it, or when it names a webhook that runs (webhook's own file: it takes no lock); one
  // that exited holds nothing, and any other process it names came after the file's writer: the
  // file is stale and taken over. kUnavailable when it cannot be written.
  static Result<PidFile> Create(std::string path);
  // Removes the file and lets it go.
  ~PidFile();
  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;

 private:
  PidFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;  // holds the lock; -1 once moved from
};

}  // namespace longhaul::base
