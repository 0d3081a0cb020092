#include "runtime/process/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "base/file_limit.h"
#include "runtime/process/exec_start.h"
#include "runtime/process/process_tree.h"

namespace longhaul::runtime::process {
namespace {

base::Status SystemError(std::string_view what, int err) {
  return {base::ShortageOr(err, base::Code::kUnknown),
          std::string(what) + ": " + base::ErrnoText(err)};
}

// Moves `fd` to a number above 2, so that the child's dup2() onto 0..2 never meets one of our
// own pipe ends. Returns -1 (errno set) on failure; `fd` is consumed either way.
int AboveStdio(int fd) {
  if (fd > 2) {
    return fd;
  }
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

base::Status MakePipe(Pipe& p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return SystemError("cannot create a pipe", errno);
  }
  p.read.Reset(AboveStdio(fds[0]));
  p.write.Reset(AboveStdio(fds[1]));
  if (!p.read.valid() || !p.write.valid()) {
    return SystemError("cannot create a pipe", errno);
  }
  return base::Status::Ok();
}

// A memory file (close-on-exec) holding `input`, read from its start.
base::Result<UniqueFd> InputFile(std::string_view input) {
  const int created = ::memfd_create("longhaul-stdin", MFD_CLOEXEC);
  if (created < 0) return SystemError("cannot create the stdin file", errno);
  UniqueFd fd(AboveStdio(created));
  if (!fd.valid()) return SystemError("cannot create the stdin file", errno);
  while (!input.empty()) {
    ssize_t n = ::write(fd.get(), input.data(), input.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return SystemError("cannot write the stdin file", n < 0 ? errno : ENOSPC);
    input.remove_prefix(static_cast<size_t>(n));
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0)
    return SystemError("cannot rewind the stdin file", errno);
  return fd;
}

base::Status SetNonBlocking(const UniqueFd& fd) {
  int flags = fcntl(fd.get(), F_GETFL);
  if (flags < 0 || fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return SystemError("cannot make a pipe non-blocking", errno);
  }
  return base::Status::Ok();
}

// The program could not be executed (errno `err`).
base::Status ExecError(const std::string& file, int err) {
  switch (err) {
    case ENOENT:
    case EACCES:
    case EPERM:
    case ENOEXEC:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case E2BIG:
      return base::InvalidArgument("cannot execute " + file + ": " + base::ErrnoText(err));
    case ETXTBSY:  // being written (a deploy): the next attempt may find it done
      return base::Unavailable("cannot execute " + file + ": " + base::ErrnoText(err) +
                               " (it is being written)");
    default:
      return SystemError("cannot start " + file, err);
  }
}

// The PATH of the child's own environment (a function's `environment: {PATH: ...}` is where
// its programs are), if it has one.
std::optional<std::string_view> OwnPath(const SpawnOptions& options) {
  std::optional<std::string_view> path;
  for (const std::string& entry : options.env) {
    if (entry.starts_with("PATH=")) path = std::string_view(entry).substr(5);
  }
  return path;
}

// The PATH a program name is looked up in: the child's own, else the server's.
std::string_view SearchPath(const SpawnOptions& options) {
  if (std::optional<std::string_view> own = OwnPath(options)) return *own;
  const char* server_path = std::getenv("PATH");
  return server_path != nullptr ? server_path : "/usr/bin:/bin";
}

// The file to execute for `options.argv[0]`: as written when it names a path ('/') (a relative
// one from the working directory, where the child starts, else from the server's), else the
// first executable regular file of that name in SearchPath(), relative entries from the
// working directory. nullopt: not found there.
std::optional<std::string> ProgramFile(const SpawnOptions& options) {
  const std::string& name = options.argv[0];
  if (name.find('/') != std::string::npos) {
    if (name.front() == '/' || options.working_dir.empty() ||
        access((options.working_dir + "/" + name).c_str(), F_OK) == 0 ||
        access(name.c_str(), F_OK) != 0) {
      return name;
    }
    return (std::filesystem::current_path() / name).lexically_normal().string();
  }
  std::string_view path = SearchPath(options);
  while (true) {
    const size_t colon = path.find(':');
    std::string dir(path.substr(0, colon));
    if (dir.empty()) dir = ".";  // an empty entry is the working directory, as for execvp
    std::string candidate = dir + "/" + name;
    std::string checked = candidate.front() == '/' || options.working_dir.empty()
                              ? candidate
                              : options.working_dir + "/" + candidate;
    struct stat st {};
    if (stat(checked.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(checked.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) return std::nullopt;
    path.remove_prefix(colon + 1);
  }
}

}  // namespace

std::string ProgramProblem(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) return "the command is empty";
  const std::string_view path = SearchPath(options);
  std::optional<std::string> file = ProgramFile(options);
  if (!file) return options.argv[0] + ": not found in the PATH (" + std::string(path) + ")";
  const std::string checked = file->front() == '/' || options.working_dir.empty()
                                  ? *file
                                  : options.working_dir + "/" + *file;
  struct stat st {};
  if (stat(checked.c_str(), &st) != 0) return checked + ": " + base::ErrnoText(errno);
  if (!S_ISREG(st.st_mode)) return checked + ": not a regular file";
  if (access(checked.c_str(), X_OK) != 0) return checked + ": not executable";
  return "";
}

namespace {

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) {
    out.push_back(const_cast<char*>(s.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

// `env` with PWD naming `working_dir` (absolute) when the child starts there: the server's
// own PWD would send a program that reads $PWD (Node, Python) to the wrong directory.
std::vector<std::string> WithWorkingDir(const std::vector<std::string>& env,
                                        const std::string& working_dir) {
  if (working_dir.empty()) return env;
  std::vector<std::string> out;
  out.reserve(env.size() + 1);
  for (const std::string& entry : env) {
    if (!entry.starts_with("PWD=")) out.push_back(entry);
  }
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(working_dir, ec);
  out.push_back("PWD=" + (ec ? working_dir : dir.lexically_normal().string()));
  return out;
}

}  // namespace

base::Result<ChildProcess> ChildProcess::Spawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return base::InvalidArgument("the command is empty");
  }
  // exec would end each string at its first NUL: the command would get a shorter value than
  // the one a rule checked.
  for (size_t i = 0; i < options.argv.size(); ++i) {
    if (options.argv[i].find('\0') != std::string::npos) {
      return base::InvalidArgument("argument " + std::to_string(i) + " contains a NUL byte");
    }
  }
  for (const std::string& entry : options.env) {
    if (entry.find('\0') != std::string::npos) {
      return base::InvalidArgument("environment variable " + entry.substr(0, entry.find('=')) +
                                   " contains a NUL byte");
    }
  }
  UniqueFd in;
  if (options.input) {
    base::Result<UniqueFd> file = InputFile(*options.input);
    if (!file.ok()) return file.status();
    in = std::move(*file);
  }
  Pipe out;
  Pipe err;
  LH_RETURN_IF_ERROR(MakePipe(out));
  LH_RETURN_IF_ERROR(MakePipe(err));
  LH_RETURN_IF_ERROR(SetNonBlocking(out.read));
  LH_RETURN_IF_ERROR(SetNonBlocking(err.read));

  const std::optional<std::string> program =
      options.program.empty() ? ProgramFile(options) : options.program;
  if (!program) {
    if (!OwnPath(options)) return ExecError(options.argv[0], ENOENT);
    return base::InvalidArgument("cannot execute " + options.argv[0] +
                                 ": not found in the PATH of its environment");
  }
  std::vector<char*> argv = CStrings(options.argv);
  const std::vector<std::string> env = WithWorkingDir(options.env, options.working_dir);
  std::vector<char*> envp = CStrings(env);
  ExecPlan plan;
  plan.program = program->c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.stdin_fd = in.valid() ? in.get() : -1;
  plan.stdout_fd = out.write.get();
  plan.stderr_fd = options.merge_stderr ? out.write.get() : err.write.get();
  plan.working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  plan.nice = options.nice;
  plan.file_limit = base::StartingFileLimit();
  ChildRecord record;
  if (options.registry != nullptr) {
    record = options.registry->Reserve();
    plan.record = &record;
  }
  const ExecStart started = StartExec(plan);
  if (options.registry != nullptr) {
    if (started.step == ExecStart::Step::kNone) {
      options.registry->Adopt(record, started.pid);
    } else {
      options.registry->Release(record);
    }
  }
  switch (started.step) {
    case ExecStart::Step::kNone:
      break;
    case ExecStart::Step::kWorkingDir:
      return base::InvalidArgument("cannot change to working directory " + options.working_dir +
                                   ": " + base::ErrnoText(started.err));
    case ExecStart::Step::kExec:
      return ExecError(options.argv[0], started.err);
    case ExecStart::Step::kStart:
    case ExecStart::Step::kSetup:
      return SystemError("cannot start " + options.argv[0], started.err);
  }
  const pid_t pid = started.pid;

  ChildProcess child;
  child.pid_ = pid;
  child.reaped_ = false;
  child.registry_ = options.registry;
  child.stdout_ = std::move(out.read);
  child.stderr_ = std::move(err.read);
  // glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++; the raw call avoids it.
  child.pidfd_.Reset(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      reaped_(std::exchange(other.reaped_, true)),
      registry_(std::exchange(other.registry_, nullptr)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)),
      pidfd_(std::move(other.pidfd_)),
      escaped_groups_(std::move(other.escaped_groups_)) {}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    SignalGroup(SIGKILL);
    (void)Reap();
  }
}

void ChildProcess::SignalGroup(int sig) {
  if (reaped_) {
    return;
  }
  // While the leader lives, its descendants are found under it: those that left its group are
  // stopped with it, and their groups are remembered for the stop's SIGKILL.
  if (!Exited()) {
    for (pid_t group : DescendantGroups(pid_)) {
      if (std::find(escaped_groups_.begin(), escaped_groups_.end(), group) ==
          escaped_groups_.end()) {
        escaped_groups_.push_back(group);
      }
    }
  }
  ::kill(-pid_, sig);
  // The leader itself only when it left its group (setsid): a signal twice would run its
  // handler twice (a graceful stop cut short by what looks like a second request to stop).
  if (::getpgid(pid_) != pid_) ::kill(pid_, sig);
  for (pid_t group : escaped_groups_) ::kill(-group, sig);
}

void ChildProcess::KillLeftInGroup(base::Duration grace) {
  if (pid_ <= 0) return;
  const auto give_up = std::chrono::steady_clock::now() + grace;
  while (::kill(-pid_, 0) == 0) {  // ESRCH: the group is empty; EPERM: not ours to kill
    if (std::chrono::steady_clock::now() >= give_up) {
      ::kill(-pid_, SIGKILL);
      return;
    }
    struct timespec step {
      0, 2'000'000
    };
    nanosleep(&step, nullptr);
  }
}

bool ChildProcess::Exited() {
  if (reaped_) {
    return true;
  }
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    // ECHILD: someone else reaped it (SIGCHLD ignored); there is nothing left to wait for.
    return errno == ECHILD;
  }
  return info.si_pid != 0;
}

int ChildProcess::Reap() {
  int status = -1;
  if (reaped_) {
    return status;
  }
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  reaped_ = true;
  if (registry_ != nullptr) registry_->Remove(pid_);
  return status;
}

}  // namespace longhaul::runtime::process
