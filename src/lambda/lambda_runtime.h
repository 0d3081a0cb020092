// LambdaRuntime: runs `runtime: lambda` functions the way Lambda does. Each function has a pool
// of long-lived runtime processes (lambda/runtime_process.h), each with its own loopback Runtime
// API endpoint (lambda/runtime_api.h):
// - started on demand, at most `concurrency` per function, each running one invocation at a
//   time; an idle one is reused (the most recently used first), warm;
// - stopped when idle for lambda.idle_timeout (0: after every invocation), when the function's
//   configuration changed (SIGHUP), or when it exited while idle;
// - replaced (its process group killed) when it crashes, posts /runtime/init/error, runs past
//   the deadline, or its attempt is cancelled.
// The event is the raw body for Invoke API calls and an API Gateway HTTP API 2.0 event for HTTP
// routes (lambda/invocation.h); the request id is the job id.
//
// Thread-safety: Run() is called concurrently from scheduler threads and blocks the calling
// thread (never an I/O thread). The endpoints run on the io_context given to the constructor,
// which must be running while Run() is. A janitor thread drains idle processes' output and
// stops idle ones. The destructor stops every process; no Run() may be in progress then.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "lambda/runtime_api.h"
#include "runtime/process/child_registry.h"
#include "runtime/runtime.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace longhaul::lambda {

class EndpointReaper;
class RuntimeProcess;

struct LambdaOptions {
  // AWS_ENDPOINT_URL_LAMBDA for the functions: the admin listener, where the Invoke API is
  // ("http://127.0.0.1:8081"). Empty: not set. See also LambdaRuntime::SetEndpointUrl().
  std::string endpoint_url;
  // What the processes inherit ("NAME=value"), less AWS_* variables (lambda/environment.h);
  // nullopt: the server's environment at construction.
  std::optional<std::vector<std::string>> base_environment;
  // Bytes kept of each invocation's log (stdout + stderr) and of its stdout.
  uint64_t output_limit = 256 * 1024;
  // How often the janitor looks at idle processes.
  base::Duration janitor_interval = std::chrono::seconds(1);
  // Records the runtimes' processes while they run (not owned; may be null).
  runtime::process::ChildRegistry* registry = nullptr;
};

class LambdaRuntime final : public runtime::Runtime {
 public:
  // `ioc`, `clock` and `log` (not owned) must outlive the runtime.
  LambdaRuntime(boost::asio::io_context& ioc, const base::Clock& clock, base::Logger& log,
                LambdaOptions options);
  ~LambdaRuntime() override;
  LambdaRuntime(const LambdaRuntime&) = delete;
  LambdaRuntime& operator=(const LambdaRuntime&) = delete;

  // Sets AWS_ENDPOINT_URL_LAMBDA for processes started from now on (e.g. once the admin
  // listener is bound).
  void SetEndpointUrl(std::string url);

  // Runs one invocation on a warm or new runtime process. Outcome:
  //   OK                 the runtime posted /response. From the Invoke API: the response is
  //                      200 with the payload as body; from a route: the payload mapped as
  //                      API Gateway does (lambda/apigw.h).
  //   kUnknown           the runtime posted /error ("function error: <type>: <message>") or
  //                      /runtime/init/error ("init error: ..."), its response was too large,
  //                      or the process exited first ("process exited before completing
  //                      request: exit status N"). Retried.
  //   kDeadlineExceeded  "Task timed out after N.00 seconds": inv.deadline passed.
  //   kCancelled         `cancel` fired.
  //   kInvalidArgument   the runtime cannot be started (bad bootstrap, working_dir), or its
  //                      result to an HTTP route is a malformed structured response.
  //   kResourceExhausted out of processes or descriptors; kUnavailable: no endpoint.
  // Every failure but a cancel has Lambda's error JSON as response body (status 200,
  // Content-Type application/json, X-Amz-Function-Error: Unhandled): the posted error, or
  // {"errorMessage": "RequestId: <id> Process exited before completing request"}, or
  // {"errorMessage": "<time> <id> Task timed out after N.00 seconds"}.
  // stderr_tail is the invocation's log as Lambda shows it: output from before it (init), then
  // START, stdout and stderr in arrival order, END and REPORT lines; stdout_tail is stdout.
  // A process that did not answer (exit, deadline, cancel, init error) is killed with its
  // whole process group and not used again. A warm process that exited before it took the
  // invocation did not run it: the invocation goes to a new process instead.
  runtime::Outcome Run(const runtime::Invocation& inv, const runtime::CancelToken& cancel) override;
  // Offers the invocation to an idle warm process at once, when there is one for it; when a
  // process has answered and is finishing (the caller's last invocation), the invocation is
  // next in line for it and is offered as that process is released, on the releasing thread.
  // nullptr otherwise. Run() then waits for it (or, when no process came, acquires one as
  // usual). Unused, an offered process is stopped and its slot freed.
  std::shared_ptr<runtime::Begun> Begin(const runtime::Invocation& inv) override;

  // Processes alive (idle or running) for `function`; for tests and status.
  int ProcessCountForTest(const std::string& function) const;

 private:
  class Started;  // a runtime::Begun: the process an invocation was offered to ahead of Run()
  // One try of Run(): the first takes what Begin() offered; sets `untaken` when a warm
  // process exited before it took the invocation (then nothing ran).
  runtime::Outcome RunOnce(const runtime::Invocation& inv, const runtime::CancelToken& cancel,
                           bool first, bool& untaken);
  // The invocation's answer, once the runtime has posted it (Delivery::on_answer).
  struct Answer {
    std::optional<runtime::Outcome> outcome;
  };

  struct Pool {
    std::vector<std::unique_ptr<RuntimeProcess>> idle;  // most recently released last
    int busy = 0;                                       // running an invocation, or being started
    // Of the busy, those whose invocation has been answered: idle again in a moment, so a new
    // invocation waits for one of them instead of starting a process.
    int finishing = 0;
    // Begun invocations next in line for a finishing process (Started::Wait::kNext), oldest
    // first; Release() hands a kept process to the first that matches its key.
    std::deque<std::weak_ptr<Started>> next;
  };

  // Takes an idle process started from `key` (nullptr with a slot reserved: start one).
  // Waits while `fn.concurrency` are busy or one is finishing, until the deadline or cancel.
  base::Result<std::unique_ptr<RuntimeProcess>> Acquire(const config::Function& fn,
                                                        const std::string& key,
                                                        base::TimePoint deadline,
                                                        const runtime::CancelToken& cancel);
  // Gives the slot back; keeps `proc` warm when `keep` (and idle_timeout > 0), else stops it.
  // A kept process goes to the first begun invocation next in line for it (slot and all), and
  // is offered that invocation here. `answered`: the invocation's answer was told early
  // (counted in Pool::finishing).
  void Release(const config::Function& fn, std::unique_ptr<RuntimeProcess> proc, bool keep,
               bool answered = false);
  // The delivery for `inv`; when `inv.answered` is set, the answer is kept in `answer`, the
  // process counted as finishing, and `inv.answered` told, all as soon as it is posted.
  Delivery DeliveryFor(const runtime::Invocation& inv, const std::shared_ptr<Answer>& answer);
  void JanitorLoop();
  // The server's environment as a process started under `config` inherits it (without the
  // config's secrets), and the names withheld, for ProcessKey: remade when a reload brings
  // another config, so that a warm process holding a variable that became secret is not reused.
  struct Inherited {
    std::shared_ptr<const config::Config> config;
    std::vector<std::string> environment;
    std::string withheld;
  };
  std::shared_ptr<const Inherited> InheritedLocked(
      const std::shared_ptr<const config::Config>& config) LH_REQUIRES(mu_);

  boost::asio::io_context& ioc_;
  const base::Clock& clock_;
  base::Logger& log_;
  const LambdaOptions options_;
  const std::vector<std::string> base_environment_;
  std::unique_ptr<EndpointReaper> reaper_;

  mutable base::Mutex mu_;
  base::CondVar released_;  // a slot or process came back
  base::CondVar janitor_cv_;
  std::string endpoint_url_ LH_GUARDED_BY(mu_);
  std::shared_ptr<const Inherited> inherited_ LH_GUARDED_BY(mu_);  // for the latest config
  std::map<std::string, Pool> pools_ LH_GUARDED_BY(mu_);           // by function name
  // By function name, latest config.
  std::map<std::string, base::Duration> idle_timeouts_ LH_GUARDED_BY(mu_);
  std::mt19937_64 rng_ LH_GUARDED_BY(mu_){std::random_device{}()};  // log stream names
  bool stopping_ LH_GUARDED_BY(mu_) = false;
  std::thread janitor_;
};

}  // namespace longhaul::lambda
