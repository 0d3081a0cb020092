#include "runtime/process/child_registry.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace longhaul::runtime::process {
namespace {

constexpr char kMagic[8] = {'L', 'H', 'C', 'H', 'I', 'L', 'D', '1'};
constexpr size_t kHeaderSize = 64;  // magic, then the boot id, zero padded
constexpr size_t kSlotSize = sizeof(ChildSlot);
using Slot = ChildSlot;

off_t OffsetOf(uint32_t slot) { return static_cast<off_t>(kHeaderSize + slot * kSlotSize); }
uint32_t SlotAt(off_t offset) {
  return static_cast<uint32_t>((static_cast<size_t>(offset) - kHeaderSize) / kSlotSize);
}

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

base::Result<std::unique_ptr<ChildRegistry>> ChildRegistry::Open(const std::string& path) {
  std::string boot_id = ReadFirstLine("/proc/sys/kernel/random/boot_id");
  if (boot_id.empty() || boot_id.size() > kHeaderSize - sizeof kMagic) {
    return base::Unavailable("cannot read /proc/sys/kernel/random/boot_id");
  }
  // One server per data dir: a second one would kill the first one's children as leftovers and
  // take back the jobs they run. The locks go with the process (kill -9 included); children do
  // not inherit them (O_CLOEXEC). The directory's lock holds when the file is deleted (a
  // second server would otherwise make a new one and lock that); the file's is what servers
  // before the directory's lock took.
  auto lock = [](const UniqueFd& fd, const std::string& what) -> base::Status {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return base::Status::Ok();
    if (errno == EWOULDBLOCK) {
      return base::FailedPrecondition("the data dir is in use by another running longhaul (" +
                                      what + " is locked); one server per data_dir");
    }
    return base::Unavailable("cannot lock " + what + ": " + base::ErrnoText(errno));
  };
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) {
    return base::Unavailable("cannot open " + dir + ": " + base::ErrnoText(errno));
  }
  LH_RETURN_IF_ERROR(lock(dir_fd, dir));
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return base::Unavailable("cannot open " + path + ": " + base::ErrnoText(errno));
  }
  LH_RETURN_IF_ERROR(lock(fd, path));
  char header[kHeaderSize] = {};
  std::memcpy(header, kMagic, sizeof kMagic);
  std::memcpy(header + sizeof kMagic, boot_id.data(), boot_id.size());

  // What an earlier run of this boot left: a header from another boot (or none) names nothing.
  // The slots stay in the file until KillLeftovers() has killed them: a server killed before
  // that leaves them to the next start.
  std::vector<Entry> leftovers;
  char old_header[kHeaderSize];
  const bool same_boot =
      ::pread(fd.get(), old_header, kHeaderSize, 0) == static_cast<ssize_t>(kHeaderSize) &&
      std::memcmp(old_header, header, kHeaderSize) == 0;
  if (same_boot) {
    Slot slots[256];
    for (off_t at = kHeaderSize;;) {
      ssize_t n = ::pread(fd.get(), slots, sizeof slots, at);
      if (n <= 0) break;
      for (size_t i = 0; i < static_cast<size_t>(n) / kSlotSize; ++i) {
        if (slots[i].spawned_at != 0 && slots[i].pid > 1) {
          leftovers.push_back({slots[i].pid, slots[i].spawned_at});
        }
      }
      at += n;
    }
  }
  if (!same_boot && (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), header, kHeaderSize, 0) !=
                                                          static_cast<ssize_t>(kHeaderSize))) {
    return base::Unavailable("cannot write " + path + ": " + base::ErrnoText(errno));
  }
  return std::unique_ptr<ChildRegistry>(
      new ChildRegistry(std::move(dir_fd), std::move(fd), std::move(leftovers)));
}

int64_t ChildRegistry::Now() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

ChildRecord ChildRegistry::Reserve() {
  base::MutexLock lock(mu_);
  uint32_t slot = next_slot_;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    ++next_slot_;
  }
  return ChildRecord{fd_.get(), OffsetOf(slot), Now()};
}

void ChildRegistry::Adopt(const ChildRecord& record, pid_t pid) {
  // The child has written the slot; written again here, best effort (see the header), in case
  // its own write failed.
  const Slot entry{record.spawned_at, pid, 0};
  (void)::pwrite(fd_.get(), &entry, kSlotSize, record.offset);
  base::MutexLock lock(mu_);
  slot_of_[pid] = SlotAt(record.offset);
}

void ChildRegistry::Release(const ChildRecord& record) {
  const Slot empty{};
  (void)::pwrite(fd_.get(), &empty, kSlotSize, record.offset);
  base::MutexLock lock(mu_);
  free_slots_.push_back(SlotAt(record.offset));
}

void ChildRegistry::Remove(pid_t pid) {
  base::MutexLock lock(mu_);
  auto it = slot_of_.find(pid);
  if (it == slot_of_.end()) return;
  const Slot empty{};
  (void)::pwrite(fd_.get(), &empty, kSlotSize, OffsetOf(it->second));
  free_slots_.push_back(it->second);
  slot_of_.erase(it);
}

size_t ChildRegistry::Recorded() const {
  base::MutexLock lock(mu_);
  size_t n = 0;
  Slot slot{};
  for (uint32_t i = 0; i < next_slot_; ++i) {
    if (::pread(fd_.get(), &slot, kSlotSize, OffsetOf(i)) == static_cast<ssize_t>(kSlotSize) &&
        slot.spawned_at != 0) {
      ++n;
    }
  }
  return n;
}

int ChildRegistry::KillLeftovers() {
  int killed = 0;
  for (const Entry& e : leftovers_) {
    if (IsTheRecordedChild(e.pid, e.spawned_at)) {
      ::kill(-e.pid, SIGKILL);
      ::kill(e.pid, SIGKILL);
      ++killed;
    }
  }
  leftovers_.clear();
  // Now this run's table: the header alone (best effort: an old slot left names a process
  // that /proc no longer shows as the recorded one).
  (void)::ftruncate(fd_.get(), kHeaderSize);
  return killed;
}

}  // namespace longhaul::runtime::process
