// HookRuntime: runs the functions Translate() made from hooks. The argv, environment and files
// of a run are built when the job runs, from the request stored with the job, exactly as
// adnanh/webhook builds them at request time:
//   argv         [execute-command, pass-arguments-to-command...]; an unresolvable value is ""
//   environment  the server's, then the LONGHAUL_* variables of process/environment.h, then
//                pass-environment-to-command (envname, else HOOK_<name>); unresolvable: omitted
//   files        pass-file-to-command values (base64-decoded when asked) written to
//                <private temp dir>/<ENVNAME> (mode 0600, the directory 0700, under $TMPDIR or
//                /tmp), the variable set to the path; all removed when the run ends
//   stdin        /dev/null
//   output       stdout and stderr combined, in order (first command.output_limit bytes)
//   directory    command-working-directory, else the server's
// The command is looked up as upstream: in PATH when it has no '/', else relative to the
// working directory; a bare name not in PATH is tried in the working directory too.
// Thread-safety: Run() may be called concurrently from any number of threads (it blocks its
// scheduler worker until the child is gone); SetHooks() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "hooks/hook.h"
#include "hooks/request_values.h"
#include "runtime/process/child_registry.h"
#include "runtime/runtime.h"

namespace longhaul::hooks {

// What one run executes.
struct CommandPlan {
  std::vector<std::string> argv;                         // argv[0] = execute-command as written
  std::vector<std::pair<std::string, std::string>> env;  // the hook's variables, in order
  struct File {
    std::string env_name;  // also the file's name in the private directory
    std::string data;
  };
  std::vector<File> files;
  std::vector<std::string> notes;  // values that could not be resolved or decoded, for logs
};

// Builds the plan for `hook` from `values`. Errors: kInvalidArgument when a file's variable
// name is not a plain file name (path traversal: "../x", "a/b"); nothing is written then.
base::Result<CommandPlan> PlanCommand(const Hook& hook, const RequestValues& values);

// The file to execute for `command` (the child changes to `working_dir` first), as webhook
// resolves it: absolute -> itself; with a working directory, relative -> that directory's file
// ("./name" for a bare name; no PATH search); without one, containing '/' -> itself, a bare name
// -> the first executable `dir/name` over `path_env` (colon-separated), else `name` (the spawn
// then reports it missing).
std::string ResolveCommand(const std::string& command, const std::string& working_dir,
                           const std::string& path_env);

class HookRuntime final : public runtime::Runtime {
 public:
  // Children inherit this process's environment as it is now. `clock` and `log` must outlive
  // the runtime; so must `registry` (may be null), which records each child while it runs.
  HookRuntime(const base::Clock& clock, base::Logger& log,
              runtime::process::ChildRegistry* registry = nullptr);
  HookRuntime(const base::Clock& clock, base::Logger& log, std::vector<std::string> base_env,
              runtime::process::ChildRegistry* registry = nullptr);

  // The hooks runs are looked up in (by function name = hook id). Set before the first Run().
  void SetHooks(std::shared_ptr<const HookSet> hooks);

  // Runs one attempt. Outcome.status:
  //   OK                 exit status 0; response = {success code or 200, combined output}
  //   kUnknown           "exit status N" / "killed by signal N" (retried if the hook allows)
  //   kDeadlineExceeded  the hook's timeout passed; the group got SIGTERM, then SIGKILL
  //   kCancelled         cancelled
  //   kInvalidArgument   the hook is no longer loaded, a file name was refused, the command
  //                      cannot be executed, or the stored request cannot be parsed: not retried
  //   kResourceExhausted / kUnknown  the system refused a temp file, process or pipe
  // stdout_tail holds the combined output when the run failed (on success it is the body).
  runtime::Outcome Run(const runtime::Invocation& inv, const runtime::CancelToken& cancel) override;

 private:
  const base::Clock& clock_;
  base::Logger& log_;
  const std::vector<std::string> base_env_;
  runtime::process::ChildRegistry* const registry_;
  std::atomic<std::shared_ptr<const HookSet>> hooks_;
};

}  // namespace longhaul::hooks
