// The process groups a command's descendants moved to. A command runs as the leader of its own
// process group, and stopping it signals that group; but a descendant may leave it (coreutils
// `timeout` calls setpgid, `setsid` starts a session) and would outlive the attempt, running
// beside the next one. Found by walking /proc from the leader, while it is alive (a descendant
// whose parent has exited belongs to init, and is found no more).
// Thread-safety: pure functions of /proc.
#pragma once

#include <sys/types.h>

#include <vector>

namespace longhaul::runtime::process {

// The process group ids of the living descendants of `root`, other than `root`'s own group
// (`root` leads it), each once. Empty when `root` has none or /proc cannot be read.
std::vector<pid_t> DescendantGroups(pid_t root);

}  // namespace longhaul::runtime::process
