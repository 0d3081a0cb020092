#include "lambda/lambda_runtime.h"

#include <sys/wait.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <span>
#include <utility>

#include "base/thread_name.h"
#include "config/function_key.h"
#include "lambda/apigw.h"
#include "lambda/environment.h"
#include "lambda/invocation.h"
#include "lambda/runtime_process.h"
#include "runtime/process/environment.h"

namespace longhaul::lambda {
namespace json = boost::json;

namespace {

constexpr base::Duration kAcquireTick = std::chrono::milliseconds(50);
// The least a cold start's init may take (Lambda's Init phase limit).
constexpr base::Duration kInitLimit = std::chrono::seconds(10);
// Larger than kMaxPayloadBytes, so the Runtime API itself answers an oversized post with
// Lambda's 413 instead of the server's generic one.
constexpr uint64_t kEndpointBodyLimit = 32 * 1024 * 1024;

http::ServerLimits EndpointLimits() {
  http::ServerLimits limits;
  limits.header_limit = 64 * 1024;
  limits.body_limit = kEndpointBodyLimit;
  limits.header_timeout = std::chrono::seconds(10);
  limits.body_timeout = std::chrono::seconds(60);
  // A runtime keeps one connection open across invocations.
  limits.idle_timeout = std::chrono::minutes(15);
  limits.max_connections = 64;
  // Only the runtime (our child, our user) may take its invocations and answer them.
  limits.this_user_only = true;
  return limits;
}

std::string ExitText(int wait_status) {
  if (wait_status != -1 && WIFEXITED(wait_status)) {
    return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (wait_status != -1 && WIFSIGNALED(wait_status)) {
    return "signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "exit status unknown";
}

// Stops a process that holds no invocation, and logs it with the end of what it wrote since
// its last one (after that one's response: in Lambda, that invocation's log; here, with no
// next invocation to show it, the server's).
void StopIdle(base::Logger& log, std::string_view function, RuntimeProcess& p,
              std::string_view reason) {
  constexpr size_t kLogged = 1024;
  std::string output = p.TakeIdleOutput();
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  if (output.size() > kLogged) output = "…" + output.substr(output.size() - kLogged);
  const std::string pid = std::to_string(p.pid());  // named: the fields only view it
  const base::LogField fields[] = {
      {"function", function}, {"pid", pid, true}, {"reason", reason}, {"output", output}};
  log.Log(base::LogLevel::kInfo, "lambda.process_stopped",
          std::span<const base::LogField>(fields, output.empty() ? 3 : 4));
  p.Stop();
}

}  // namespace

class LambdaRuntime::Started : public runtime::Begun {
 public:
  // Of an invocation next in line for a finishing process (Pool::next): Release() sets
  // kHanded, offers the event, then sets proc_; kGaveUp: Run() stopped waiting for one.
  enum class Wait { kNext, kHanded, kGaveUp };

  Started(LambdaRuntime& runtime, const runtime::Invocation& inv)
      : runtime_(runtime), config_(inv.config), fn_(*inv.function) {}
  ~Started() override {
    if (!proc_) return;  // Run() took it, or no process came
    // The attempt never ran: the runtime may be working on the offered event, so the process
    // cannot go back to the pool. Stopped at once (on any thread), no answer can come any more.
    proc_->Stop(/*graceful=*/false);
    runtime_.Release(fn_, std::move(proc_), false, answer_->outcome.has_value());
  }

  // Set before Begin() returns. Without it, proc_ has the event from the start.
  bool next_in_line_ = false;
  Wait wait_ = Wait::kNext;               // guarded by LambdaRuntime::mu_
  std::unique_ptr<RuntimeProcess> proc_;  // guarded by LambdaRuntime::mu_ when next_in_line_
  std::shared_ptr<Answer> answer_ = std::make_shared<Answer>();
  base::TimePoint offered_at_;
  std::chrono::microseconds offered_us_{0};  // the same, Clock::Monotonic() (REPORT's Duration)
  // kNext: what Release() offers, and the configuration the process must have been started from.
  std::optional<Delivery> delivery_;
  std::string key_;

 private:
  LambdaRuntime& runtime_;
  std::shared_ptr<const config::Config> config_;  // keeps fn_ alive
  const config::Function& fn_;
};

LambdaRuntime::LambdaRuntime(boost::asio::io_context& ioc, const base::Clock& clock,
                             base::Logger& log, LambdaOptions options)
    : ioc_(ioc),
      clock_(clock),
      log_(log),
      options_(std::move(options)),
      base_environment_(options_.base_environment ? *options_.base_environment
                                                  : runtime::process::CurrentEnvironment()),
      reaper_(std::make_unique<EndpointReaper>()),
      endpoint_url_(options_.endpoint_url) {
  janitor_ = std::thread([this] { JanitorLoop(); });
}

LambdaRuntime::~LambdaRuntime() {
  {
    base::MutexLock lock(mu_);
    stopping_ = true;
  }
  janitor_cv_.SignalAll();
  if (janitor_.joinable()) {
    janitor_.join();
  }
  std::vector<std::unique_ptr<RuntimeProcess>> all;
  {
    base::MutexLock lock(mu_);
    for (auto& [name, pool] : pools_) {
      for (auto& p : pool.idle) {
        all.push_back(std::move(p));
      }
      pool.idle.clear();
    }
  }
  for (auto& p : all) {
    p->Stop();
  }
  all.clear();
  // While the io_context runs, let the endpoints' accept loops and connections end first.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!ioc_.stopped() && reaper_->Collect(false) > 0 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  reaper_->Collect(true);
}

void LambdaRuntime::SetEndpointUrl(std::string url) {
  base::MutexLock lock(mu_);
  endpoint_url_ = std::move(url);
}

int LambdaRuntime::ProcessCountForTest(const std::string& function) const {
  base::MutexLock lock(mu_);
  auto it = pools_.find(function);
  if (it == pools_.end()) {
    return 0;
  }
  return it->second.busy + static_cast<int>(it->second.idle.size());
}

base::Result<std::unique_ptr<RuntimeProcess>> LambdaRuntime::Acquire(
    const config::Function& fn, const std::string& key, base::TimePoint deadline,
    const runtime::CancelToken& cancel) {
  // Idle processes of another configuration (a reload changed the function), or that exited:
  // stopped, and logged, after the lock is released.
  struct Stale {
    base::Logger& log;
    const std::string& function;
    std::vector<std::unique_ptr<RuntimeProcess>> procs;
    ~Stale() {
      for (auto& p : procs) {
        StopIdle(log, function, *p,
                 p->Exited() ? "exited while idle" : "its configuration changed");
      }
    }
  } stale{log_, fn.name, {}};
  base::MutexLock lock(mu_);
  idle_timeouts_[fn.name] = fn.lambda.idle_timeout;
  for (;;) {
    Pool& pool = pools_[fn.name];
    while (!pool.idle.empty()) {
      std::unique_ptr<RuntimeProcess> p = std::move(pool.idle.back());
      pool.idle.pop_back();
      if (p->key() != key || p->Exited()) {
        stale.procs.push_back(std::move(p));
        continue;
      }
      pool.busy++;
      return p;
    }
    if (pool.busy < fn.concurrency && pool.finishing == 0) {
      pool.busy++;
      return std::unique_ptr<RuntimeProcess>();
    }
    if (cancel.cancelled()) {
      return base::Cancelled("cancelled");
    }
    if (clock_.Now() >= deadline) {
      return base::DeadlineExceeded(TimeoutMessage(fn.timeout));
    }
    released_.WaitFor(mu_, kAcquireTick);
  }
}

void LambdaRuntime::Release(const config::Function& fn, std::unique_ptr<RuntimeProcess> proc,
                            bool keep, bool answered) {
  std::shared_ptr<Started> next;  // the begun invocation that gets `proc`
  {
    base::MutexLock lock(mu_);
    Pool& pool = pools_[fn.name];
    pool.busy--;
    if (answered) pool.finishing--;
    if (proc && keep && fn.lambda.idle_timeout.count() > 0 && !stopping_) {
      while (!pool.next.empty() && next == nullptr) {
        std::shared_ptr<Started> s = pool.next.front().lock();
        pool.next.pop_front();
        if (s && s->wait_ == Started::Wait::kNext && s->key_ == proc->key() && !proc->Exited()) {
          s->wait_ = Started::Wait::kHanded;
          pool.busy++;  // the slot goes with the process
          next = std::move(s);
        } else if (s && s->wait_ == Started::Wait::kNext) {
          pool.next.push_front(std::move(s));  // another configuration: it waits on
          break;
        }
      }
      if (next == nullptr) {
        proc->idle_since = clock_.Now();
        pool.idle.push_back(std::move(proc));
      }
    }
  }
  if (next != nullptr) {
    // Outside mu_: a runtime's answer takes the API's lock, then mu_ (DeliveryFor).
    next->offered_at_ = clock_.Now();
    next->offered_us_ = clock_.Monotonic();
    proc->Offer(std::move(*next->delivery_));
    base::MutexLock lock(mu_);
    next->proc_ = std::move(proc);
  }
  released_.SignalAll();
  if (proc) {
    proc->Stop();
  }
}

std::shared_ptr<const LambdaRuntime::Inherited> LambdaRuntime::InheritedLocked(
    const std::shared_ptr<const config::Config>& config) {
  if (inherited_ != nullptr && inherited_->config == config) return inherited_;
  auto made = std::make_shared<Inherited>();
  made->config = config;
  made->environment = runtime::process::WithoutSecrets(base_environment_, config.get());
  made->withheld = WithheldNames(base_environment_, made->environment);
  inherited_ = made;
  return made;
}

Delivery LambdaRuntime::DeliveryFor(const runtime::Invocation& inv,
                                    const std::shared_ptr<Answer>& answer) {
  Delivery delivery = MakeDelivery(inv);
  if (inv.answered) {
    // Runs on the I/O thread that receives the answer, before the runner can see the report.
    delivery.on_answer = [this, answer, name = inv.function->name, told = inv.answered,
                          invoke_job = IsInvokeJob(inv.route),
                          caller_waits = inv.caller_waits](const Report& report) {
      answer->outcome = AnswerFor(ResultAsFor(invoke_job, caller_waits), report);
      {
        base::MutexLock lock(mu_);
        pools_[name].finishing++;  // before the caller may send its next invocation
      }
      told(*answer->outcome);
    };
  }
  return delivery;
}

std::shared_ptr<runtime::Begun> LambdaRuntime::Begin(const runtime::Invocation& inv) {
  if (inv.function == nullptr || inv.function->kind != config::RuntimeKind::kLambda) {
    return nullptr;
  }
  const config::Function& fn = *inv.function;
  const auto access_key = inv.config ? config::FunctionAccessKey(inv.config->server) : std::nullopt;
  auto started = std::make_shared<Started>(*this, inv);
  Delivery delivery = DeliveryFor(inv, started->answer_);
  {
    base::MutexLock lock(mu_);
    if (stopping_) return nullptr;
    Pool& pool = pools_[fn.name];
    std::string key =
        ProcessKey(fn, endpoint_url_, access_key, InheritedLocked(inv.config)->withheld);
    // The most recently used process, if it is still there and was started for this
    // configuration; else the next one to finish (the caller's last invocation); anything
    // else is left to Run(), which may wait or start one.
    if (pool.idle.empty() || pool.idle.back()->key() != key || pool.idle.back()->Exited()) {
      // A finishing process is kept only with an idle timeout (0: stopped after each use).
      if (pool.finishing == 0 || fn.lambda.idle_timeout.count() == 0) return nullptr;
      std::erase_if(pool.next, [](const std::weak_ptr<Started>& w) { return w.expired(); });
      started->next_in_line_ = true;
      started->delivery_ = std::move(delivery);
      started->key_ = std::move(key);
      pool.next.push_back(started);
      return started;
    }
    started->proc_ = std::move(pool.idle.back());
    pool.idle.pop_back();
    pool.busy++;
  }
  started->offered_at_ = clock_.Now();
  started->offered_us_ = clock_.Monotonic();
  started->proc_->Offer(std::move(delivery));
  return started;
}

runtime::Outcome LambdaRuntime::Run(const runtime::Invocation& inv,
                                    const runtime::CancelToken& cancel) {
  bool untaken = false;
  runtime::Outcome out = RunOnce(inv, cancel, /*first=*/true, untaken);
  if (untaken) {
    // The warm process it was offered to exited before it took it (a runtime may end after
    // its last answer): the event never ran, so it goes to a new process, as in Lambda.
    runtime::Outcome next = RunOnce(inv, cancel, /*first=*/false, untaken);
    next.stderr_tail = out.stderr_tail + next.stderr_tail;
    out = std::move(next);
  }
  return out;
}

runtime::Outcome LambdaRuntime::RunOnce(const runtime::Invocation& inv,
                                        const runtime::CancelToken& cancel, bool first,
                                        bool& untaken) {
  untaken = false;
  runtime::Outcome out;
  if (inv.function == nullptr || inv.function->kind != config::RuntimeKind::kLambda) {
    out.status = base::Internal("LambdaRuntime given a function that is not a lambda");
    return out;
  }
  const config::Function& fn = *inv.function;
  const std::string& id = inv.job_id;
  if (cancel.cancelled()) {
    out.status = base::Cancelled("cancelled");
    return out;
  }
  if (clock_.Now() >= inv.deadline) {
    Fail(out, base::Code::kDeadlineExceeded, TimeoutMessage(fn.timeout),
         TimeoutBody(clock_.Now(), id, fn.timeout));
    return out;
  }
  std::unique_ptr<RuntimeProcess> proc;
  std::shared_ptr<Answer> answer;  // with `proc`: the invocation was offered by Begin()
  base::TimePoint begin;
  std::chrono::microseconds begin_us{0};  // the REPORT's Duration, to the µs
  if (auto* started = first ? dynamic_cast<Started*>(inv.begun.get()) : nullptr) {
    if (started->next_in_line_) {
      // Next in line for a finishing process: it comes with the event offered, unless the
      // process is not kept (then finishing drops to 0 without it) or time runs out.
      base::MutexLock lock(mu_);
      Pool& pool = pools_[fn.name];
      while (started->wait_ == Started::Wait::kNext && pool.finishing > 0 && !stopping_ &&
             !cancel.cancelled() && clock_.Now() < inv.deadline) {
        released_.WaitFor(mu_, kAcquireTick);
      }
      if (started->wait_ == Started::Wait::kNext) {
        started->wait_ = Started::Wait::kGaveUp;
        std::erase_if(pool.next, [&](const std::weak_ptr<Started>& w) {
          return w.expired() || w.lock().get() == started;  // (any other is not the last owner)
        });
      }
      // kHanded: Release() is offering the event, outside the lock; the process follows.
      while (started->wait_ == Started::Wait::kHanded && !started->proc_) released_.Wait(mu_);
    }
    if (started->proc_) {
      proc = std::move(started->proc_);
      answer = started->answer_;
      begin = started->offered_at_;
      begin_us = started->offered_us_;
    }
  }
  bool cold = false;
  if (!proc) {
    std::string endpoint_url;
    std::shared_ptr<const Inherited> inherited;
    {
      base::MutexLock lock(mu_);
      endpoint_url = endpoint_url_;
      inherited = InheritedLocked(inv.config);
    }
    const auto access_key =
        inv.config ? config::FunctionAccessKey(inv.config->server) : std::nullopt;
    std::string key = ProcessKey(fn, endpoint_url, access_key, inherited->withheld);
    base::Result<std::unique_ptr<RuntimeProcess>> acquired = Acquire(fn, key, inv.deadline, cancel);
    if (!acquired.ok()) {
      if (acquired.status().code() == base::Code::kDeadlineExceeded) {
        Fail(out, base::Code::kDeadlineExceeded, acquired.status().message(),
             TimeoutBody(clock_.Now(), id, fn.timeout));
      } else {
        out.status = acquired.status();
      }
      return out;
    }
    proc = std::move(*acquired);
    cold = proc == nullptr;
    if (cold) {
      EnvironmentInputs inputs;
      inputs.base = inherited->environment;
      inputs.endpoint_url = endpoint_url;
      inputs.access_key = access_key;
      {
        base::MutexLock lock(mu_);
        inputs.log_stream = LogStreamName(base::ToUnixMs(clock_.Now()), rng_(), rng_());
      }
      RuntimeProcess::Options po;
      po.key = key;
      po.output_limit = options_.output_limit;
      po.limits = EndpointLimits();
      po.registry = options_.registry;
      po.nice = runtime::JobNice(inv);
      po.stop_grace = fn.lambda.kill_grace;
      base::Result<std::unique_ptr<RuntimeProcess>> started =
          RuntimeProcess::Start(ioc_, log_, clock_, *reaper_, fn, std::move(inputs), std::move(po));
      if (!started.ok()) {
        Release(fn, nullptr, false);
        log_.Warn("lambda.start_failed",
                  {{"function", fn.name}, {"error", started.status().ToString()}});
        Fail(out, started.status().code(), started.status().message(),
             json::serialize(
                 json::object{{"errorMessage", started.status().message()},
                              {"errorType", started.status().code() == base::Code::kInvalidArgument
                                                ? "Runtime.InvalidEntrypoint"
                                                : "Runtime.Unknown"}}));
        runtime::NotStartedIfShortage(out);
        return out;
      }
      proc = std::move(*started);
      log_.Info("lambda.process_started",
                {{"function", fn.name},
                 {"pid", std::to_string(proc->pid()), true},
                 {"runtime_api", "127.0.0.1:" + std::to_string(proc->port())}});
    }
  }

  InvokeResult r;
  if (answer) {
    r = proc->Await(cancel, inv.live.get());
  } else {
    answer = std::make_shared<Answer>();
    begin = clock_.Now();
    begin_us = clock_.Monotonic();
    Delivery delivery = DeliveryFor(inv, answer);
    if (cold) {
      // As in Lambda, init does not count against the timeout (which starts when the runtime
      // takes the invocation), and init may take as long as the timeout, at least 10 s.
      delivery.deadline = begin + std::max<base::Duration>(fn.timeout, kInitLimit);
    }
    r = proc->Invoke(std::move(delivery), cancel, inv.live.get());
  }
  base::TimePoint end = clock_.Now();
  const std::chrono::microseconds end_us = clock_.Monotonic();
  // Set on the I/O thread that received the answer, before Invoke() could see the report.
  const bool answered = answer->outcome.has_value();

  bool keep = false;
  std::string platform_line;
  std::string report_status;
  std::string stop_reason;
  switch (r.end) {
    case InvokeResult::End::kReport: {
      Report& report = *r.report;
      switch (report.kind) {
        case Report::Kind::kResponse:
        case Report::Kind::kError:
        case Report::Kind::kTooLarge:
          keep = true;
          out = answered ? std::move(*answer->outcome)
                         : AnswerFor(ResultAsFor(IsInvokeJob(inv.route), inv.caller_waits),
                                     std::move(report));
          break;
        case Report::Kind::kInitError:
          stop_reason = "init error";
          report_status = "error";
          platform_line = "RequestId: " + id + " Error: " + ErrorText(report) + "\n";
          Fail(out, base::Code::kUnknown, "init error: " + ErrorText(report),
               std::move(report.body));
          break;
      }
      break;
    }
    case InvokeResult::End::kExited:
      untaken = first && !cold && !r.taken;
      stop_reason = ExitText(r.wait_status);
      report_status = "error";
      platform_line =
          "RequestId: " + id + " Error: Runtime exited with error: " + stop_reason + "\n";
      Fail(out, base::Code::kUnknown,
           "process exited before completing request: " + ExitText(r.wait_status),
           ProcessExitedBody(id));
      break;
    case InvokeResult::End::kDeadline: {
      stop_reason = "timeout";
      report_status = "timeout";
      platform_line = TimeoutLine(end, id, fn.timeout) + "\n";
      Fail(out, base::Code::kDeadlineExceeded, TimeoutMessage(fn.timeout),
           TimeoutBody(end, id, fn.timeout));
      break;
    }
    case InvokeResult::End::kCancelled:
      stop_reason = "cancelled";
      out.status = base::Cancelled("cancelled");
      break;
  }

  ReportInfo info;
  info.request_id = id;
  info.duration = end_us - begin_us;
  info.memory_mb = fn.lambda.memory_mb;
  if (cold) {
    if (std::optional<base::TimePoint> init = proc->initialized_at()) {
      info.init_duration = *init - proc->started_at();
      info.duration = end - std::max(begin, *init);
    }
  }
  info.status = report_status;
  // A warm process goes back to the pool before the rest of this bookkeeping: a caller's next
  // invocation waits for it (Pool::finishing). Its memory is read afterwards, through the probe.
  const RuntimeProcess::MemoryProbe memory = proc->memory_probe();
  if (!keep) {
    info.max_memory_used_mb = memory.MaxMemoryUsedMb();  // before Release() stops it
    log_.Info("lambda.process_stopped", {{"function", fn.name},
                                         {"pid", std::to_string(proc->pid()), true},
                                         {"reason", stop_reason}});
  }
  Release(fn, std::move(proc), keep, answered);
  if (untaken) {
    out.stderr_tail = std::move(r.idle_output) + "RequestId: " + id +
                      " The idle runtime exited before taking the invocation: " + stop_reason +
                      "; it goes to a new process\n";
    return out;
  }
  if (keep) info.max_memory_used_mb = memory.MaxMemoryUsedMb();
  // What a runtime that never took the invocation wrote is the reason (a failed init).
  if (!out.status.ok()) {
    out.function_output = (cold || !r.taken ? r.idle_output : "") + r.output + platform_line;
  }
  out.stderr_tail = std::move(r.idle_output);
  out.stderr_tail += StartLine(id);
  out.stderr_tail += r.output;
  if (!out.stderr_tail.empty() && out.stderr_tail.back() != '\n') {
    out.stderr_tail += '\n';
  }
  out.stderr_tail += platform_line;
  out.stderr_tail += EndLine(id);
  out.stderr_tail += ReportLine(info);
  out.stdout_tail = std::move(r.stdout_output);
  return out;
}

void LambdaRuntime::JanitorLoop() {
  base::SetThreadName("lh-lambda-reap");
  base::MutexLock lock(mu_);
  while (!stopping_) {
    const auto tick = std::chrono::steady_clock::now() + options_.janitor_interval;
    while (!stopping_ && janitor_cv_.WaitUntil(mu_, tick)) {
    }
    if (stopping_) {
      break;
    }
    struct ToStop {
      std::unique_ptr<RuntimeProcess> proc;
      std::string function;
      const char* reason;
    };
    std::vector<ToStop> to_stop;
    base::TimePoint now = clock_.Now();
    for (auto& [name, pool] : pools_) {
      base::Duration idle_timeout = idle_timeouts_[name];
      for (auto& p : pool.idle) {
        p->DrainOutput();
        if (p->Exited()) {
          to_stop.push_back({std::move(p), name, "exited while idle"});
        } else if (now - p->idle_since >= idle_timeout) {
          to_stop.push_back({std::move(p), name, "idle"});
        }
      }
      std::erase_if(pool.idle, [](const auto& p) { return p == nullptr; });
    }
    lock.Unlock();
    for (ToStop& t : to_stop) StopIdle(log_, t.function, *t.proc, t.reason);
    to_stop.clear();
    reaper_->Collect(false);
    lock.Lock();
  }
}

}  // namespace longhaul::lambda
