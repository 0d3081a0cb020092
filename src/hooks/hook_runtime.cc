#include "hooks/hook_runtime.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "base/duration.h"
#include "hooks/dispatch.h"
#include "hooks/hooks_file.h"
#include "runtime/process/child_process.h"
#include "runtime/process/environment.h"
#include "runtime/process/supervisor.h"
#include "webhook/hmac.h"

namespace longhaul::hooks {
namespace {

base::Status ExitStatus(int wait_status) {
  if (wait_status != -1 && WIFEXITED(wait_status)) {
    int code = WEXITSTATUS(wait_status);
    if (code == 0) return base::Status::Ok();
    return {base::Code::kUnknown, "exit status " + std::to_string(code)};
  }
  if (wait_status != -1 && WIFSIGNALED(wait_status)) {
    return {base::Code::kUnknown, "killed by signal " + std::to_string(WTERMSIG(wait_status))};
  }
  return {base::Code::kUnknown, "exit status unknown"};
}

bool Executable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// A private directory for one run's files, removed with them.
class TempFiles {
 public:
  TempFiles() = default;
  TempFiles(const TempFiles&) = delete;
  TempFiles& operator=(const TempFiles&) = delete;
  ~TempFiles() {
    for (const std::string& f : files_) ::unlink(f.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }

  // Writes `data` to dir/name (created 0600, never following or replacing anything) and
  // returns the path.
  base::Result<std::string> Write(const std::string& name, std::string_view data) {
    if (!IsPlainFileName(name)) {
      return base::InvalidArgument("pass-file-to-command: refusing file name `" + name + "`");
    }
    if (dir_.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string templ =
          std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/longhaul-hook-XXXXXX";
      if (mkdtemp(templ.data()) == nullptr) {
        int err = errno;
        return base::Status(base::ShortageOr(err, base::Code::kUnknown),
                            "cannot create a temp directory: " + base::ErrnoText(err));
      }
      dir_ = templ;
    }
    // Two files of one name (the same envname twice) are two files, as in webhook; the
    // variable names the last.
    std::string path = dir_ + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    for (int n = 2; fd < 0 && errno == EEXIST && n <= 100; ++n) {
      path = dir_ + "/" + name + "-" + std::to_string(n);
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
      int err = errno;
      return base::Status(err == EEXIST ? base::Code::kInvalidArgument
                                        : base::ShortageOr(err, base::Code::kUnknown),
                          "cannot create " + path + ": " + base::ErrnoText(err));
    }
    files_.push_back(path);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return base::Status(base::ShortageOr(err, base::Code::kUnknown),
                            "cannot write " + path + ": " + base::ErrnoText(err));
      }
      off += static_cast<size_t>(n);
    }
    ::close(fd);
    return path;
  }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

// Sets NAME=value in `env`, replacing an entry with the same name.
void SetEnv(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  std::string prefix = name + "=";
  for (std::string& e : env) {
    if (e.compare(0, prefix.size(), prefix) == 0) {
      e = prefix + value;
      return;
    }
  }
  env.push_back(prefix + value);
}

}  // namespace

base::Result<CommandPlan> PlanCommand(const Hook& hook, const RequestValues& values) {
  CommandPlan plan;
  plan.argv.push_back(hook.execute_command);
  for (const ValueRef& ref : hook.arguments) {
    auto v = Resolve(ref, values);
    if (v.ok()) {
      plan.argv.push_back(std::move(*v));
    } else {
      plan.argv.emplace_back();
      plan.notes.push_back("argument `" + ref.name + "`: " + v.status().message());
    }
  }
  for (const ValueRef& ref : hook.environment) {
    auto v = Resolve(ref, values);
    if (v.ok()) {
      plan.env.emplace_back(EnvVarName(ref), std::move(*v));
    } else {
      plan.notes.push_back("environment `" + EnvVarName(ref) + "`: " + v.status().message());
    }
  }
  for (const ValueRef& ref : hook.files) {
    std::string name = FileEnvName(ref);
    if (!IsPlainFileName(name)) {
      return base::InvalidArgument("pass-file-to-command: refusing file name `" + name +
                                   "` (it must not contain '/' or be '.' or '..')");
    }
    auto v = Resolve(ref, values);
    if (!v.ok()) {
      plan.notes.push_back("file `" + name + "`: " + v.status().message());
      continue;
    }
    std::string data = std::move(*v);
    if (ref.base64decode) {
      // Line breaks are skipped, as Go's decoder does: base64 is often wrapped at 76 columns.
      std::erase_if(data, [](char c) { return c == '\r' || c == '\n'; });
      auto decoded = webhook::Base64Decode(data);
      if (decoded) {
        data = std::move(*decoded);
      } else {
        plan.notes.push_back("file `" + name + "`: value is not valid base64");
        data.clear();
      }
    }
    plan.files.push_back({name, std::move(data)});
  }
  return plan;
}

std::string ResolveCommand(const std::string& command, const std::string& working_dir,
                           const std::string& path_env) {
  if (command.empty() || command[0] == '/') return command;
  // With a working directory, a relative command is that directory's file, as webhook resolves
  // it (never a PATH search: `deploy` must not run /usr/bin/deploy), named by its absolute
  // path as webhook does: a script's $0 works after it changes directory.
  if (!working_dir.empty()) {
    return (std::filesystem::absolute(working_dir) / command).lexically_normal().string();
  }
  // Relative with a slash: relative to the server's working directory, as given.
  if (command.find('/') != std::string::npos) return command;
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t colon = path_env.find(':', start);
    std::string dir =
        path_env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + command;
    if (Executable(candidate)) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return command;
}

HookRuntime::HookRuntime(const base::Clock& clock, base::Logger& log,
                         runtime::process::ChildRegistry* registry)
    : HookRuntime(clock, log, runtime::process::CurrentEnvironment(), registry) {}

HookRuntime::HookRuntime(const base::Clock& clock, base::Logger& log,
                         std::vector<std::string> base_env,
                         runtime::process::ChildRegistry* registry)
    : clock_(clock), log_(log), base_env_(std::move(base_env)), registry_(registry) {}

void HookRuntime::SetHooks(std::shared_ptr<const HookSet> hooks) { hooks_.store(std::move(hooks)); }

runtime::Outcome HookRuntime::Run(const runtime::Invocation& inv,
                                  const runtime::CancelToken& cancel) {
  runtime::Outcome outcome;
  if (inv.function == nullptr) {
    outcome.status = base::Internal("HookRuntime given no function");
    return outcome;
  }
  const config::Function& fn = *inv.function;
  std::shared_ptr<const HookSet> hooks = hooks_.load();
  const Hook* hook = hooks ? hooks->Find(fn.name) : nullptr;
  if (hook == nullptr) {
    outcome.status = base::InvalidArgument("hook `" + fn.name + "` is no longer loaded");
    return outcome;
  }
  if (cancel.cancelled()) {
    outcome.status = base::Cancelled("cancelled");
    return outcome;
  }
  if (clock_.Now() >= inv.deadline) {
    outcome.status = base::DeadlineExceeded("timed out after " + base::FormatDuration(fn.timeout));
    return outcome;
  }

  auto values = ParseRequest(inv.request, *hook);
  if (!values.ok()) {
    outcome.status =
        base::InvalidArgument("cannot parse the stored request: " + values.status().message());
    return outcome;
  }
  auto plan = PlanCommand(*hook, *values);
  if (!plan.ok()) {
    outcome.status = plan.status();
    return outcome;
  }
  for (const std::string& note : plan->notes) {
    log_.Info("hook.value_missing", {{"job", inv.job_id}, {"hook", hook->id}, {"detail", note}});
  }

  std::vector<std::string> env = runtime::process::BuildEnvironment(base_env_, inv);
  for (const auto& [name, value] : plan->env) SetEnv(env, name, value);
  TempFiles files;
  for (const CommandPlan::File& f : plan->files) {
    auto path = files.Write(f.env_name, f.data);
    if (!path.ok()) {
      outcome.status = path.status();
      runtime::NotStartedIfShortage(outcome);
      return outcome;
    }
    SetEnv(env, f.env_name, *path);
  }

  std::string path_env;
  for (const std::string& e : base_env_) {
    if (e.compare(0, 5, "PATH=") == 0) path_env = e.substr(5);
  }
  runtime::process::SpawnOptions spawn;
  spawn.argv = plan->argv;
  // argv[0] as webhook gives it: a command found in the server's PATH as written ("sh"), any
  // other by its file.
  std::string file = ResolveCommand(hook->execute_command, hook->working_dir, path_env);
  if (file != hook->execute_command && hook->working_dir.empty() &&
      hook->execute_command.find('/') == std::string::npos) {
    spawn.program = std::move(file);
  } else {
    spawn.argv[0] = std::move(file);
  }
  spawn.env = std::move(env);
  spawn.working_dir = hook->working_dir;
  spawn.merge_stderr = true;
  spawn.registry = registry_;
  spawn.nice = runtime::JobNice(inv);
  log_.Debug("hook.executing", {{"job", inv.job_id},
                                {"hook", hook->id},
                                {"command", spawn.program.empty() ? spawn.argv[0] : spawn.program},
                                {"args", std::to_string(spawn.argv.size() - 1), true}});
  auto child = runtime::process::ChildProcess::Spawn(spawn);
  if (!child.ok()) {
    outcome.status = child.status();
    if (hook->execute_command.find(' ') != std::string::npos) {
      outcome.status =
          base::Status(outcome.status.code(),
                       outcome.status.message() + " (use pass-arguments-to-command for arguments)");
    }
    runtime::NotStartedIfShortage(outcome);
    return outcome;
  }
  runtime::process::SuperviseOptions supervise;
  supervise.output_limit = fn.command.output_limit;
  supervise.deadline = inv.deadline;
  supervise.kill_grace = fn.command.kill_grace;
  supervise.keep_group_on_exit = true;  // a hook's `nohup server &` outlives it, as in webhook
  supervise.live = inv.live.get();
  runtime::process::SuperviseResult run =
      runtime::process::Supervise(*child, supervise, clock_, cancel);
  switch (run.stopped) {
    case runtime::process::StopReason::kDeadline:
      outcome.status =
          base::DeadlineExceeded("timed out after " + base::FormatDuration(fn.timeout));
      break;
    case runtime::process::StopReason::kCancelled:
      outcome.status = base::Cancelled("cancelled");
      break;
    case runtime::process::StopReason::kNone:
      outcome.status = ExitStatus(run.wait_status);
      break;
  }
  if (!outcome.status.ok()) {
    outcome.stdout_tail = std::move(run.stdout_head);
    return outcome;
  }
  outcome.response.status = KnownStatus(hook->success_code);
  outcome.response.body = std::move(run.stdout_head);
  return outcome;
}

}  // namespace longhaul::hooks
