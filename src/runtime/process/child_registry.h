// ChildRegistry: the process groups this server has started and not yet reaped, kept in a small
// file of the data dir, so that the next start after the server was killed (kill -9, the OOM
// killer, a crash) stops the children it left running before their jobs run again: without it
// a job's second attempt would run beside its first.
//
// The file is a 64-byte header ("LHCHILD1" and the boot id) followed by 16-byte slots, one per
// child (ChildSlot): CLOCK_BOOTTIME in ms just before the spawn (0 = free slot) and the pid.
// The child writes its own slot before its exec; removing it is one pwrite of the slot: no file is
// created per child, and nothing is synced (a killed process leaves its writes in the page cache; a
// power loss leaves no child). Open() reads what an earlier run left; KillLeftovers() then starts
// the file afresh and kills a leftover group only when /proc shows a process with that pid that
// leads its own group and started in the same boot within seconds after the recorded time, so a pid
// reused by an unrelated process is never signalled.
//
// Recording is best effort: a child whose slot could not be written (a full disk) runs all the
// same, as it did before this registry existed.
// Thread-safety: Reserve(), Adopt(), Release() and Remove() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "runtime/process/exec_start.h"
#include "runtime/process/unique_fd.h"

namespace longhaul::runtime::process {

class ChildRegistry {
 public:
  // Locks the directory holding `path` (the data dir: deleting the file cannot undo the lock),
  // opens (creates) and locks the file and remembers the children an earlier run recorded there
  // (KillLeftovers() empties it). kFailedPrecondition when another process holds either lock (a
  // server running on the same data dir).
  static base::Result<std::unique_ptr<ChildRegistry>> Open(const std::string& path);

  // CLOCK_BOOTTIME, in ms: the clock of a slot's spawned_at.
  static int64_t Now();
  // A slot for a child about to be spawned, stamped with the time now (CLOCK_BOOTTIME, ms): the
  // child writes itself into it before it executes anything (ExecPlan::record), so a server
  // killed at any moment after the spawn leaves it recorded. Then Adopt() with the pid of the
  // child started, or Release() when none was (a child that failed after writing its slot).
  ChildRecord Reserve();
  void Adopt(const ChildRecord& record, pid_t pid);
  void Release(const ChildRecord& record);
  // Forgets `pid` once it has been reaped.
  void Remove(pid_t pid);
  // How many children are recorded in the file now.
  size_t Recorded() const;

  // Kills (SIGKILL) the process groups an earlier run left recorded, once, then empties the
  // file. Returns how many groups were killed. For startup, before any child of this run is
  // spawned.
  int KillLeftovers();

 private:
  struct Entry {
    pid_t pid;
    int64_t spawned_at;
  };
  ChildRegistry(UniqueFd dir, UniqueFd fd, std::vector<Entry> leftovers)
      : dir_(std::move(dir)), fd_(std::move(fd)), leftovers_(std::move(leftovers)) {}

  const UniqueFd dir_;  // the data dir, locked while this server runs
  const UniqueFd fd_;
  std::vector<Entry> leftovers_;

  mutable base::Mutex mu_;
  std::unordered_map<pid_t, uint32_t> slot_of_ LH_GUARDED_BY(mu_);
  std::vector<uint32_t> free_slots_ LH_GUARDED_BY(mu_);
  uint32_t next_slot_ LH_GUARDED_BY(mu_) = 0;
};

}  // namespace longhaul::runtime::process
