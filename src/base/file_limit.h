// The process's limit on open files (RLIMIT_NOFILE). A server holds a descriptor per connection
// and its commands' pipes and files besides: at the soft limit many service managers set (1024)
// an accept or a spawn fails, and a job's attempt with it.
// Thread-safety: any thread (the limit is the process's).
#pragma once

#include <cstdint>

namespace longhaul::base {

// Raises the soft limit to the hard one (at most kMaxFiles), as Go's runtime does for webhook.
// Returns the soft limit in force afterwards.
uint64_t RaiseFileLimit();
// The soft limit this process started with, which the programs it starts get back (as Go gives
// the commands it runs): a program that uses select() or closes every descriptor up to the
// limit expects the usual one. Negative when RaiseFileLimit() raised nothing.
int64_t StartingFileLimit();
inline constexpr uint64_t kMaxFiles = 1 << 20;

// `max_connections` of each of `listeners`, lowered so that together they leave kReservedFiles
// of `file_limit` for everything else (the store, commands' pipes, Lambda runtimes):
// connections beyond it get 503, and jobs still start.
int ConnectionsWithin(int max_connections, uint64_t file_limit, int listeners);
inline constexpr uint64_t kReservedFiles = 256;

}  // namespace longhaul::base
