#include "base/pid_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace longhaul::base {
namespace {

// The process id the file holds, or 0.
pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

std::string ExeOf(const std::string& pid) {
  char buf[4096];
  ssize_t n = ::readlink(("/proc/" + pid + "/exe").c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

bool SameProgram(std::string_view exe, std::string_view other_exe) {
  auto path = [](std::string_view link) {
    constexpr std::string_view kDeleted = " (deleted)";
    if (link.ends_with(kDeleted)) link.remove_suffix(kDeleted.size());
    return link;
  };
  return !exe.empty() && path(exe) == path(other_exe);
}

Result<PidFile> PidFile::Create(std::string path) {
  const pid_t held = ReadPid(path);
  if (held > 0 && held != ::getpid() && ::kill(held, 0) == 0 &&
      SameProgram(ExeOf(std::to_string(held)), ExeOf("self"))) {
    return FailedPrecondition("-pidfile " + path + " names process " + std::to_string(held) +
                              ", which is running: is another instance serving?");
  }
  std::ofstream out(path, std::ios::trunc);
  out << ::getpid() << "\n";
  out.close();
  if (!out) {
    return Unavailable("cannot write -pidfile " + path + ": " + std::strerror(errno));
  }
  return PidFile(std::move(path));
}

PidFile::PidFile(PidFile&& other) noexcept : path_(std::exchange(other.path_, std::string())) {}

PidFile::~PidFile() {
  if (!path_.empty() && ReadPid(path_) == ::getpid()) ::unlink(path_.c_str());
}

}  // namespace longhaul::base
