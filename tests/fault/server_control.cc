#include "fault/server_control.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace longhaul::fault {
namespace {

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) {
    return "exit " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "signal " + std::to_string(WTERMSIG(status));
  }
  return "status " + std::to_string(status);
}

// Children of `parent` (by /proc/<pid>/stat's ppid).
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> out;
  const pid_t self = parent;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) {
    return out;
  }
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') {
      continue;
    }
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    std::getline(f, stat);
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) {
      continue;
    }
    std::istringstream rest(stat.substr(paren + 1));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == self) {
      out.push_back(static_cast<pid_t>(pid));
    }
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

ServerControl::ServerControl(std::string binary, std::string work_dir, std::string config_template)
    : binary_(std::move(binary)),
      work_dir_(std::move(work_dir)),
      config_template_(std::move(config_template)) {}

ServerControl::~ServerControl() {
  if (pid_ > 0) {
    Kill();
  }
}

bool ServerControl::BecomeSubreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

std::string ServerControl::Start(int gen, std::chrono::seconds timeout) {
  gen_ = gen;
  {
    std::ofstream f(config_path(), std::ios::trunc);
    f << ReplaceAll(config_template_, "@GEN@", std::to_string(gen));
  }
  const std::string out_path = work_dir_ + "/gen-" + std::to_string(gen) + ".out";
  const std::string err_path = log_path(gen);
  const std::string config = config_path();
  pid_t pid = ::fork();
  if (pid < 0) {
    return "fork failed";
  }
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0 || err < 0) {
      _exit(126);
    }
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execl(binary_.c_str(), binary_.c_str(), "serve", "--config", config.c_str(),
            static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  // The ready line: "longhaul ready listen=127.0.0.1:P admin=127.0.0.1:Q".
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::ifstream f(out_path);
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("longhaul ready", 0) != 0 || line.find("admin=") == std::string::npos) {
        continue;
      }
      auto port_after = [&](const std::string& key) {
        size_t p = line.find(key) + key.size();
        size_t end = line.find(' ', p);
        std::string hp = line.substr(p, end == std::string::npos ? std::string::npos : end - p);
        return static_cast<uint16_t>(std::stoi(hp.substr(hp.rfind(':') + 1)));
      };
      port_ = port_after("listen=");
      admin_port_ = port_after("admin=");
      return "";
    }
    std::string how;
    if (ExitedOnItsOwn(&how)) {
      return "generation " + std::to_string(gen) + " exited before it was ready (" + how +
             "); log:\n" + Tail(err_path);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      Kill();
      return "generation " + std::to_string(gen) + " not ready in time; log:\n" + Tail(err_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool ServerControl::ExitedOnItsOwn(std::string* how) {
  if (pid_ <= 0) {
    *how = "not running";
    return true;
  }
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    *how = DescribeWaitStatus(status);
    pid_ = -1;
    return true;
  }
  return false;
}

int ServerControl::Kill() {
  if (pid_ > 0) {
    // Everything dies at the same instant, as in a power cut: freeze the server (no new
    // children), kill its children's process groups, then the server itself.
    ::kill(pid_, SIGSTOP);
    for (pid_t c : ChildrenOf(pid_)) {
      ::kill(-c, SIGKILL);
      ::kill(c, SIGKILL);
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  return KillOrphans();
}

int ServerControl::KillOrphans() {
  // The server is reaped, so its children are already ours (exit reparents them first).
  // Function processes run in their own process groups; kill the group, then the process,
  // and repeat until nothing is left (a group's members may be reparented to us in turn).
  std::set<pid_t> killed;
  for (int round = 0; round < 50; ++round) {
    std::vector<pid_t> children = ChildrenOf(::getpid());
    if (children.empty()) {
      break;
    }
    for (pid_t c : children) {
      ::kill(-c, SIGKILL);
      ::kill(c, SIGKILL);
      killed.insert(c);
    }
    for (pid_t c : children) {
      int status = 0;
      while (::waitpid(c, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  return static_cast<int>(killed.size());
}

int ServerControl::Terminate(std::chrono::seconds timeout) {
  if (pid_ <= 0) {
    return -1;
  }
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      Kill();
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  KillOrphans();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace longhaul::fault
