#include "testing/task_limit.h"

#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

namespace longhaul::testing {

bool BecomeNobodyWithoutNewTasks() {
  const passwd* nobody = getpwnam("nobody");
  rlimit limit{};
  if (nobody == nullptr || getrlimit(RLIMIT_NPROC, &limit) != 0) return false;
  limit.rlim_cur = 1;  // this process is one already
  return setgid(nobody->pw_gid) == 0 && setuid(nobody->pw_uid) == 0 &&
         setrlimit(RLIMIT_NPROC, &limit) == 0;
}

bool AllowNewTasks() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NPROC, &limit) != 0) return false;
  limit.rlim_cur = limit.rlim_max;
  return setrlimit(RLIMIT_NPROC, &limit) == 0;
}

}  // namespace longhaul::testing
