// ChildRegistry: the process groups this server has started and not yet reaped, kept as one
// entry per child in a directory of the data dir, so that the next start after the server was
// killed (kill -9, the OOM killer, a crash) stops the children it left running before their
// jobs run again: without it a job's second attempt would run beside its first.
//
// An entry is a symlink named after the child's pid whose target is "<boot id> <time>": the
// boot it started in and CLOCK_BOOTTIME in ms just before the spawn. One syscall to add, one to
// remove. KillLeftovers() kills a leftover group only when /proc shows a process with that pid
// that leads its own group and started in that boot within seconds after that time, so a pid
// reused by an unrelated process is never signalled.
//
// Recording is best effort: a child whose entry could not be written (a full disk) runs all the
// same, as it did before this registry existed.
// Thread-safety: Add() and Remove() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace longhaul::runtime::process {

class ChildRegistry {
 public:
  // Creates `dir` (and its parents) when missing.
  static base::Result<std::unique_ptr<ChildRegistry>> Open(std::string dir);

  // The time to record for a child about to be spawned (CLOCK_BOOTTIME, ms).
  static int64_t Now();
  // Records `pid`, spawned at `spawned_at` (Now() just before the spawn) as a group leader.
  void Add(pid_t pid, int64_t spawned_at);
  // Forgets `pid` once it has been reaped.
  void Remove(pid_t pid);

  // Kills (SIGKILL) the process groups that entries left by an earlier run still name, and
  // removes every entry. Returns how many groups were killed. For startup, before any child of
  // this run is spawned.
  int KillLeftovers();

  const std::string& dir() const { return dir_; }

 private:
  ChildRegistry(std::string dir, std::string boot_id)
      : dir_(std::move(dir)), boot_id_(std::move(boot_id)) {}
  std::string PathOf(pid_t pid) const;

  const std::string dir_;
  const std::string boot_id_;
};

}  // namespace longhaul::runtime::process
