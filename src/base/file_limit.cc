#include "base/file_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>

namespace longhaul::base {

namespace {
// The soft limit before RaiseFileLimit() raised it (the server raises it once, at the start);
// RLIM_INFINITY: not raised.
std::atomic<rlim_t> starting_soft{RLIM_INFINITY};
}  // namespace

uint64_t RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return kMaxFiles;
  const rlim_t want = limit.rlim_max == RLIM_INFINITY
                          ? static_cast<rlim_t>(kMaxFiles)
                          : std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(kMaxFiles));
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < want) {
    rlimit raised = limit;
    raised.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      starting_soft.store(limit.rlim_cur);
      limit = raised;
    }
  }
  return limit.rlim_cur == RLIM_INFINITY ? kMaxFiles : static_cast<uint64_t>(limit.rlim_cur);
}

int64_t StartingFileLimit() {
  const rlim_t soft = starting_soft.load();
  return soft == RLIM_INFINITY ? -1 : static_cast<int64_t>(soft);
}

int ConnectionsWithin(int max_connections, uint64_t file_limit, int listeners) {
  const uint64_t usable = file_limit > 2 * kReservedFiles ? file_limit - kReservedFiles
                                                          : std::max<uint64_t>(file_limit / 2, 1);
  const uint64_t each =
      std::max<uint64_t>(usable / static_cast<uint64_t>(std::max(listeners, 1)), 1);
  return static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(max_connections), each));
}

}  // namespace longhaul::base
