#include "base/pid_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <utility>

namespace longhaul::base {
namespace {

// The process id the file holds, or 0.
long ReadPid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  return pid;
}

// The name of process `pid`'s program (/proc/PID/comm), or "" when it does not run.
std::string CommandName(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

Status CannotWrite(const std::string& path, int err) {
  return Unavailable("cannot write -pidfile " + path + ": " + ErrnoText(err));
}

}  // namespace

Result<PidFile> PidFile::Create(std::string path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return CannotWrite(path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK) return CannotWrite(path, err);
    return FailedPrecondition("-pidfile " + path + " is held by process " +
                              std::to_string(ReadPid(path)) +
                              ", which is running: is another instance serving?");
  }
  // webhook's own pid file (it takes no lock) while that webhook still serves: refused, as
  // webhook refuses (QA: it was overwritten). Any other process it names is not the one that
  // wrote it (a number reused since): the file is stale.
  if (const long pid = ReadPid(path); pid > 0 && CommandName(pid) == "webhook") {
    ::close(fd);
    return FailedPrecondition("-pidfile " + path + " is held by process " + std::to_string(pid) +
                              " (webhook), which is running: is another instance serving?");
  }
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int err = errno;
    ::close(fd);
    return CannotWrite(path, err);
  }
  return PidFile(std::move(path), fd);
}

PidFile::PidFile(PidFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

PidFile::~PidFile() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // still ours: nobody else could take the lock
  ::close(fd_);
}

}  // namespace longhaul::base
