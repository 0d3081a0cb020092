#include "runtime/process/child_registry.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace longhaul::runtime::process {
namespace {

// How far a process's start may lie after the recorded spawn time: the spawn itself, on a
// machine so loaded that the spawning thread waits its turn. Generous: a pid is reused within
// it only if the kernel ran through every pid meanwhile.
constexpr int64_t kStartWindowMs = 10'000;

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Whether /proc shows `pid` as the leader of its own group, started within the window after
// `spawned_at` (CLOCK_BOOTTIME ms) in this boot.
bool IsTheRecordedChild(pid_t pid, int64_t spawned_at) {
  std::string stat = ReadFirstLine("/proc/" + std::to_string(pid) + "/stat");
  // "pid (comm) state ppid pgrp ... starttime(22nd field) ...": comm may hold spaces and ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(stat.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string field; fields >> field && f.size() < 20;) f.push_back(field);
  if (f.size() < 20) return false;
  pid_t pgrp = 0;
  uint64_t start_ticks = 0;
  if (!ParseNumber(std::string_view(f[2]), pgrp) ||
      !ParseNumber(std::string_view(f[19]), start_ticks)) {
    return false;
  }
  if (pgrp != pid || f[0] == "Z") return false;
  long hz = sysconf(_SC_CLK_TCK);
  if (hz <= 0) return false;
  int64_t started_ms = static_cast<int64_t>(start_ticks * 1000 / static_cast<uint64_t>(hz));
  // The tick rounds down: allow one tick before the recorded time.
  return started_ms + 1000 / hz >= spawned_at && started_ms <= spawned_at + kStartWindowMs;
}

}  // namespace

base::Result<std::unique_ptr<ChildRegistry>> ChildRegistry::Open(std::string dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return base::Unavailable("cannot create " + dir + ": " + ec.message());
  }
  std::string boot_id = ReadFirstLine("/proc/sys/kernel/random/boot_id");
  if (boot_id.empty()) {
    return base::Unavailable("cannot read /proc/sys/kernel/random/boot_id");
  }
  return std::unique_ptr<ChildRegistry>(new ChildRegistry(std::move(dir), std::move(boot_id)));
}

int64_t ChildRegistry::Now() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

std::string ChildRegistry::PathOf(pid_t pid) const { return dir_ + "/" + std::to_string(pid); }

void ChildRegistry::Add(pid_t pid, int64_t spawned_at) {
  std::string target = boot_id_ + " " + std::to_string(spawned_at);
  (void)symlink(target.c_str(), PathOf(pid).c_str());  // best effort (see the header)
}

void ChildRegistry::Remove(pid_t pid) { (void)unlink(PathOf(pid).c_str()); }

int ChildRegistry::KillLeftovers() {
  int killed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string path = entry.path().string();
    pid_t pid = 0;
    char target[128];
    ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
    if (n > 0 && ParseNumber(std::string_view(entry.path().filename().string()), pid) && pid > 1) {
      std::string_view t(target, static_cast<size_t>(n));
      size_t space = t.find(' ');
      int64_t spawned_at = 0;
      if (space != std::string_view::npos && t.substr(0, space) == boot_id_ &&
          ParseNumber(t.substr(space + 1), spawned_at) && IsTheRecordedChild(pid, spawned_at)) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        ++killed;
      }
    }
    (void)unlink(path.c_str());
  }
  return killed;
}

}  // namespace longhaul::runtime::process
