// RuntimeProcess: one long-lived Lambda runtime process (an "execution environment") with its
// own Runtime API endpoint, an http::HttpServer on 127.0.0.1:0 that runs on the server's
// io_context and serves this process only. The process is started as a ChildProcess in its own
// process group (runtime/process/child_process.h), with the environment of lambda/environment.h
// and AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>; its stdout and stderr are pipes read by whoever
// holds the process: the runner during an invocation, the janitor while it is idle.
//
// EndpointReaper: an endpoint cannot be destroyed while its accept loop may still touch it, so a
// stopped process hands its server to the reaper, which destroys it once nothing uses it.
//
// Thread-safety: a RuntimeProcess is used by one thread at a time (the runner holding it, the
// thread that offers it an invocation ahead of that invocation's runner, or the pool's
// janitor); its endpoint runs on the io_context. EndpointReaper is thread-safe.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/status.h"
#include "config/config.h"
#include "http/server.h"
#include "lambda/environment.h"
#include "lambda/runtime_api.h"
#include "runtime/process/child_process.h"
#include "runtime/process/output_capture.h"
#include "runtime/runtime.h"

namespace longhaul::lambda {

class EndpointReaper {
 public:
  ~EndpointReaper();  // destroys what is left: the io_context must no longer run

  // Takes a server that has stopped accepting. `in_use` expires (or is held only by the
  // server's own handler) once its accept loop and connections have ended.
  void Retire(std::unique_ptr<http::HttpServer> server, std::weak_ptr<void> in_use);
  // Destroys the servers that nothing uses any more (StopAccepting()'s posted close holds the
  // acceptor itself, so it need not have run), or all of them with `force` (only once the
  // io_context no longer runs). Returns how many are left.
  size_t Collect(bool force);

 private:
  struct Retired {
    std::unique_ptr<http::HttpServer> server;
    std::weak_ptr<void> in_use;
  };
  base::Mutex mu_;
  std::vector<Retired> retired_ LH_GUARDED_BY(mu_);
};

// How one invocation ended, and what the process wrote meanwhile.
struct InvokeResult {
  enum class End {
    kReport,     // the runtime posted a Report (response, error, init error, too large)
    kExited,     // the process exited first; it has been reaped
    kDeadline,   // the deadline passed first
    kCancelled,  // the CancelToken fired first
  };
  End end = End::kExited;
  std::optional<Report> report;  // kReport
  int wait_status = -1;          // kExited: the waitpid() status (-1 unknown)
  bool taken = false;            // the runtime took the invocation (its /next answered with it)
  std::string idle_output;       // written while idle or initializing, before this invocation
  std::string output;            // stdout and stderr during the invocation, in arrival order
  std::string stdout_output;     // stdout alone during the invocation
};

class RuntimeProcess {
 public:
  struct Options {
    std::string key;  // identity of the configuration it was started from (reuse)
    uint64_t output_limit = 256 * 1024;  // bytes kept of each output (the last ones)
    http::ServerLimits limits;           // of the Runtime API endpoint
    runtime::process::ChildRegistry* registry = nullptr;  // records the runtime while it runs
    int nice = 0;                  // the runtime's niceness (config::Server::job_nice)
    base::Duration stop_grace{0};  // Stop(): SIGTERM, then SIGKILL this long after (kill_grace)
  };

  // Opens the endpoint, then spawns the function's runtime (lambda/environment.h), with
  // `inputs.runtime_api` set to the endpoint. Does not wait for the runtime to initialize.
  // Errors: as ChildProcess::Spawn (kInvalidArgument when the program cannot be executed or
  // the working directory entered: configuration to fix), kUnavailable when the endpoint
  // cannot listen or the wake-up descriptor cannot be made.
  static base::Result<std::unique_ptr<RuntimeProcess>> Start(
      boost::asio::io_context& ioc, base::Logger& log, const base::Clock& clock,
      EndpointReaper& reaper, const config::Function& fn, EnvironmentInputs inputs,
      Options options);

  ~RuntimeProcess();  // Stop()
  RuntimeProcess(const RuntimeProcess&) = delete;
  RuntimeProcess& operator=(const RuntimeProcess&) = delete;

  // Hands `d` to the runtime and blocks until it reports, the process exits, d.deadline passes
  // (by `clock`) or `cancel` fires; `cancel` and the deadline are checked at least every 50 ms.
  // A report that comes in while the invocation is being given up still ends it as kReport.
  // Does not stop the process: after kExited, kDeadline or kCancelled the caller Stop()s it.
  // `live`, when given, gets a copy of the invocation's output as it is read: stdout, and the
  // log (stdout and stderr in arrival order) as stderr, as the outcome has them.
  InvokeResult Invoke(Delivery d, const runtime::CancelToken& cancel,
                      runtime::LiveOutput* live = nullptr);
  // Invoke() in two steps, which may run on two threads one after the other: Offer() hands `d`
  // to the runtime without blocking; Await() blocks until the invocation ends, as Invoke().
  void Offer(Delivery d);
  InvokeResult Await(const runtime::CancelToken& cancel, runtime::LiveOutput* live = nullptr);

  // Asks the process group to end (SIGTERM: a bootstrap's `trap ... EXIT` removes its
  // temporary files, which on AWS go with the execution environment), kills it (SIGKILL) once
  // the process has exited or Options::stop_grace has passed (at once when not `graceful`), and
  // reaps the process; closes the Runtime API (a waiting /next gets 500) and retires the
  // endpoint. Blocks until reaped. Idempotent.
  void Stop(bool graceful = true);
  // True once the process has exited (does not reap). Does not block.
  bool Exited();
  // Reads what the idle process wrote, keeping the last output_limit bytes for the next
  // invocation's log. Does not block.
  void DrainOutput();
  // What the idle process wrote since its last invocation (the last output_limit bytes), taken:
  // for a process stopped before another invocation could show it. Does not block.
  std::string TakeIdleOutput();
  // Reads the process's peak resident memory (VmHWM) through /proc/<pid>/status, opened when
  // it started: a probe taken before the process changes hands may be read afterwards (off the
  // next invocation's path) and never reads another process that got the same pid.
  class MemoryProbe {
   public:
    // In MB; nullopt once the process is gone (or /proc could not be read).
    std::optional<int> MaxMemoryUsedMb() const;

   private:
    friend class RuntimeProcess;
    std::shared_ptr<const runtime::process::UniqueFd> status_;
  };
  MemoryProbe memory_probe() const { return memory_; }

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  const std::string& key() const { return options_.key; }
  base::TimePoint started_at() const { return started_at_; }
  // When the runtime first asked for work (end of its init); nullopt before.
  std::optional<base::TimePoint> initialized_at() const { return api_->initialized_at(); }
  // Bookkeeping for the pool: when it was last released.
  base::TimePoint idle_since;

 private:
  RuntimeProcess(const base::Clock& clock, EndpointReaper& reaper, Options options);

  const base::Clock& clock_;
  EndpointReaper& reaper_;
  Options options_;
  std::shared_ptr<RuntimeApi> api_;
  std::shared_ptr<void> in_use_;  // held by the endpoint's handler copies
  std::unique_ptr<http::HttpServer> server_;
  std::shared_ptr<runtime::process::UniqueFd> wake_;  // eventfd written on each Report
  std::optional<runtime::process::ChildProcess> child_;
  runtime::process::TailCapture idle_output_;
  MemoryProbe memory_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  base::TimePoint started_at_;
  bool stopped_ = false;
  // Of the invocation offered and not yet awaited.
  std::string offered_idle_output_;
  base::TimePoint offered_deadline_;
  uint64_t taken_after_ = 0;
};

}  // namespace longhaul::lambda
