#include "runtime/process/process_runtime.h"

#include <sys/wait.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/duration.h"
#include "runtime/event.h"
#include "runtime/process/child_process.h"
#include "runtime/process/environment.h"
#include "runtime/process/exec_start.h"
#include "runtime/process/supervisor.h"

namespace longhaul::runtime::process {

// server.job_nice reaches ChildProcess as it is (JobNice).
static_assert(config::kJobNiceIdle == kSchedIdle);

namespace {

base::Status ExitStatus(int wait_status) {
  if (wait_status == -1) {
    return {base::Code::kUnknown, "exit status unknown"};
  }
  if (WIFEXITED(wait_status)) {
    int code = WEXITSTATUS(wait_status);
    if (code == 0) {
      return base::Status::Ok();
    }
    return {base::Code::kUnknown, "exit status " + std::to_string(code)};
  }
  if (WIFSIGNALED(wait_status)) {
    return {base::Code::kUnknown, "killed by signal " + std::to_string(WTERMSIG(wait_status))};
  }
  return {base::Code::kUnknown, "exit status unknown"};
}

base::Status TimedOut(const config::Function& fn) {
  return base::DeadlineExceeded("timed out after " + base::FormatDuration(fn.timeout));
}

}  // namespace

ProcessRuntime::ProcessRuntime(const base::Clock& clock, ChildRegistry* registry)
    : ProcessRuntime(clock, CurrentEnvironment(), registry) {}

ProcessRuntime::ProcessRuntime(const base::Clock& clock, std::vector<std::string> base_environment,
                               ChildRegistry* registry)
    : clock_(clock),
      base_environment_(InheritableEnvironment(std::move(base_environment))),
      registry_(registry) {}

Outcome ProcessRuntime::Run(const Invocation& inv, const CancelToken& cancel) {
  Outcome outcome;
  if (inv.function == nullptr || inv.function->kind != config::RuntimeKind::kCommand) {
    outcome.status = base::Internal("ProcessRuntime given a function that is not a command");
    return outcome;
  }
  const config::Function& fn = *inv.function;
  const config::CommandRuntime& cmd = fn.command;
  if (cancel.cancelled()) {
    outcome.status = base::Cancelled("cancelled");
    return outcome;
  }
  if (clock_.Now() >= inv.deadline) {
    outcome.status = TimedOut(fn);
    return outcome;
  }

  std::string event;
  std::string_view input;
  switch (cmd.stdin_mode) {
    case config::CommandRuntime::Stdin::kBody:
      input = inv.request.body;
      break;
    case config::CommandRuntime::Stdin::kEvent:
      event = EncodeEvent(inv.job_id, inv.attempt, inv.interrupted, fn.name, inv.request);
      input = event;
      break;
    case config::CommandRuntime::Stdin::kNone:
      break;
  }
  SpawnOptions spawn;
  spawn.argv = cmd.argv;
  spawn.env = BuildEnvironment(base_environment_, inv);
  spawn.working_dir = fn.working_dir;
  if (cmd.stdin_mode != config::CommandRuntime::Stdin::kNone) spawn.input = input;
  spawn.registry = registry_;
  spawn.nice = JobNice(inv);
  base::Result<ChildProcess> child = ChildProcess::Spawn(spawn);
  if (!child.ok()) {
    outcome.status = child.status();
    runtime::NotStartedIfShortage(outcome);
    return outcome;
  }

  SuperviseOptions supervise;
  supervise.output_limit = cmd.output_limit;
  supervise.deadline = inv.deadline;
  supervise.kill_grace = cmd.kill_grace;
  supervise.live = inv.live.get();
  SuperviseResult run = Supervise(*child, supervise, clock_, cancel);
  outcome.stderr_tail = std::move(run.stderr_tail);

  switch (run.stopped) {
    case StopReason::kDeadline:
      outcome.status = TimedOut(fn);
      break;
    case StopReason::kCancelled:
      outcome.status = base::Cancelled("cancelled");
      break;
    case StopReason::kNone:
      outcome.status = ExitStatus(run.wait_status);
      break;
  }
  // A failure's log shows how stdout ended, where the error usually is.
  auto log_stdout = [&run] {
    return run.stdout_truncated ? std::move(run.stdout_tail) : std::move(run.stdout_head);
  };
  if (!outcome.status.ok()) {
    outcome.stdout_tail = log_stdout();
    return outcome;
  }

  // From the Invoke API, stdout is the payload as it is, as a Lambda function's result is (an
  // object with a statusCode included); from a route, such an object is the whole response.
  base::Result<std::optional<store::Response>> mapped = IsInvokeJob(inv.route)
                                                            ? std::optional<store::Response>()
                                                            : DecodeProxyResponse(run.stdout_head);
  if (!mapped.ok()) {
    outcome.status = mapped.status();
    outcome.stdout_tail = log_stdout();
    return outcome;
  }
  if (mapped->has_value()) {
    outcome.response = std::move(**mapped);
  } else {
    outcome.response = OutputResponse(std::move(run.stdout_head));
    if (run.stdout_truncated) {
      // The result is cut: say so to whoever reads it (the sync caller, the status API).
      outcome.response.headers.emplace_back("X-Longhaul-Result-Truncated",
                                            std::to_string(cmd.output_limit));
    }
  }
  return outcome;
}

}  // namespace longhaul::runtime::process
