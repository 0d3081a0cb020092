#include "runtime/process/process_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

namespace longhaul::runtime::process {
namespace {

struct Entry {
  pid_t ppid = 0;
  pid_t pgid = 0;
};

// Reads the parent and process group of `pid` from /proc/<pid>/stat ("pid (comm) S ppid pgrp
// ..."; comm may hold spaces and parentheses, so the fields are read after the last ')').
bool ReadStat(pid_t pid, Entry& e) {
  char path[32];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return false;
  std::string_view stat(buf, static_cast<size_t>(n));
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string_view::npos || close_paren + 2 >= stat.size()) return false;
  buf[n] = '\0';
  char* p = buf + close_paren + 2;           // the state letter
  if (*p == 'Z' || *p == 'X') return false;  // a zombie has nothing left to stop
  char* end = nullptr;
  e.ppid = static_cast<pid_t>(std::strtol(p + 1, &end, 10));
  if (end == p + 1) return false;
  char* end2 = nullptr;
  e.pgid = static_cast<pid_t>(std::strtol(end, &end2, 10));
  return end2 != end;
}

}  // namespace

std::vector<pid_t> DescendantGroups(pid_t root) {
  std::vector<pid_t> groups;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return groups;
  std::unordered_multimap<pid_t, std::pair<pid_t, pid_t>> children;  // ppid -> (pid, pgid)
  while (dirent* d = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(d->d_name, &end, 10);
    if (end == d->d_name || *end != '\0' || pid <= 0) continue;
    Entry e;
    if (ReadStat(static_cast<pid_t>(pid), e)) {
      children.emplace(e.ppid, std::pair(static_cast<pid_t>(pid), e.pgid));
    }
  }
  ::closedir(dir);
  std::vector<pid_t> pending{root};
  size_t seen = 0;
  while (!pending.empty() && seen++ < 100000) {  // a bound, should /proc change under us
    pid_t parent = pending.back();
    pending.pop_back();
    auto [it, last] = children.equal_range(parent);
    for (; it != last; ++it) {
      auto [pid, pgid] = it->second;
      pending.push_back(pid);
      if (pgid != root && pgid > 0 &&
          std::find(groups.begin(), groups.end(), pgid) == groups.end()) {
        groups.push_back(pgid);
      }
    }
  }
  return groups;
}

}  // namespace longhaul::runtime::process
