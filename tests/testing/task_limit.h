// Running out of processes (a tasks limit: RLIMIT_NPROC, systemd's TasksMax, a container's pids
// limit), for death tests: RLIMIT_NPROC does not bind root, so the process becomes nobody first.
// Only for a process of its own (a death test's child): it cannot become root again.
#pragma once

namespace longhaul::testing {

// Becomes nobody (from root) with no new thread or process allowed: false when that fails.
bool BecomeNobodyWithoutNewTasks();
// Allows new threads and processes again (up to the hard limit): false when that fails.
bool AllowNewTasks();

}  // namespace longhaul::testing
