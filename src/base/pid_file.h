// PidFile: `longhaul webhook -pidfile`: a file holding this process's id while it serves. A
// second instance started by mistake must not take over (or remove) the running one's file.
// Thread-safety: one owner.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace longhaul::base {

class PidFile {
 public:
  // Writes this process's id to `path`. kFailedPrecondition when the file names another
  // running process of the same program (a pid reused by something else is a stale file, as
  // is one that names no process); kUnavailable when it cannot be written.
  static Result<PidFile> Create(std::string path);
  // Removes the file if it still names this process.
  ~PidFile();
  PidFile(PidFile&& other) noexcept;
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;

 private:
  explicit PidFile(std::string path) : path_(std::move(path)) {}
  std::string path_;  // empty once moved from
};

// Whether /proc/PID/exe link texts name the same program file. A program replaced on disk while
// it runs (a package upgrade) reads "PATH (deleted)" and is still the program at PATH.
bool SameProgram(std::string_view exe, std::string_view other_exe);

}  // namespace longhaul::base
