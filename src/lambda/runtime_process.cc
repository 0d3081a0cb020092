#include "lambda/runtime_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

namespace longhaul::lambda {
namespace {

using runtime::process::ChildProcess;
using runtime::process::ReadAvailable;
using runtime::process::TailCapture;
using runtime::process::UniqueFd;

constexpr base::Duration kTick = std::chrono::milliseconds(50);
constexpr int kReadsPerWake = 16;
constexpr int kFinalReads = 64;

void DrainEventFd(int fd) {
  uint64_t value = 0;
  while (::read(fd, &value, sizeof value) > 0) {
  }
}

}  // namespace

EndpointReaper::~EndpointReaper() { Collect(true); }

void EndpointReaper::Retire(std::unique_ptr<http::HttpServer> server, std::weak_ptr<void> in_use) {
  base::MutexLock lock(mu_);
  retired_.push_back(Retired{std::move(server), std::move(in_use)});
}

size_t EndpointReaper::Collect(bool force) {
  std::vector<std::unique_ptr<http::HttpServer>> done;
  size_t left = 0;
  {
    base::MutexLock lock(mu_);
    auto unused = [&](const Retired& r) {
      // The server's own handler holds one reference; its accept loop and connections the rest.
      return force || r.in_use.use_count() <= 1;
    };
    for (Retired& r : retired_) {
      if (unused(r)) {
        done.push_back(std::move(r.server));
      }
    }
    std::erase_if(retired_, [](const Retired& r) { return r.server == nullptr; });
    left = retired_.size();
  }
  return left;  // `done` is destroyed here, outside the lock
}

RuntimeProcess::RuntimeProcess(const base::Clock& clock, EndpointReaper& reaper, Options options)
    : clock_(clock),
      reaper_(reaper),
      options_(std::move(options)),
      idle_output_(options_.output_limit) {}

RuntimeProcess::~RuntimeProcess() { Stop(); }

base::Result<std::unique_ptr<RuntimeProcess>> RuntimeProcess::Start(
    boost::asio::io_context& ioc, base::Logger& log, const base::Clock& clock,
    EndpointReaper& reaper, const config::Function& fn, EnvironmentInputs inputs, Options options) {
  std::unique_ptr<RuntimeProcess> proc(new RuntimeProcess(clock, reaper, std::move(options)));
  int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (efd < 0) {
    int err = errno;
    return base::Status(
        base::ShortageOr(err, base::Code::kUnavailable),
        std::string("cannot create an eventfd for the Runtime API: ") + base::ErrnoText(err));
  }
  proc->wake_ = std::make_shared<UniqueFd>(efd);
  std::shared_ptr<UniqueFd> wake = proc->wake_;
  proc->api_ = std::make_shared<RuntimeApi>(clock, [wake] {
    uint64_t one = 1;
    ssize_t n = ::write(wake->get(), &one, sizeof one);
    (void)n;  // EAGAIN: the counter is already non-zero, the runner wakes anyway
  });
  proc->in_use_ = std::make_shared<int>(0);
  std::shared_ptr<RuntimeApi> api = proc->api_;
  std::shared_ptr<void> in_use = proc->in_use_;
  proc->options_.limits.body_too_large = [api](const http::RequestHeader& head, uint64_t) {
    return api->BodyTooLarge(head);
  };
  proc->server_ = std::make_unique<http::HttpServer>(
      ioc, log, "lambda:" + fn.name, proc->options_.limits,
      [api, in_use](http::Request& req, const http::ConnInfo& info) {
        return api->Handle(req, info.trailers);
      });
  base::Result<uint16_t> port = proc->server_->Listen("127.0.0.1", 0);
  if (!port.ok()) {
    return port.status();
  }
  proc->port_ = *port;
  proc->server_->Start();

  inputs.runtime_api = "127.0.0.1:" + std::to_string(proc->port_);
  runtime::process::SpawnOptions spawn;
  spawn.argv = RuntimeArgv(fn.lambda);
  spawn.env = BuildEnvironment(fn, inputs);
  spawn.working_dir = fn.working_dir;
  spawn.registry = proc->options_.registry;
  spawn.nice = proc->options_.nice;
  base::Result<ChildProcess> child = ChildProcess::Spawn(spawn);
  if (!child.ok()) {
    return child.status();  // the destructor retires the endpoint
  }
  proc->pid_ = child->pid();
  char status_path[40];
  std::snprintf(status_path, sizeof status_path, "/proc/%d/status", static_cast<int>(proc->pid_));
  proc->memory_.status_ =
      std::make_shared<const runtime::process::UniqueFd>(::open(status_path, O_RDONLY | O_CLOEXEC));
  proc->child_.emplace(std::move(*child));
  proc->started_at_ = clock.Now();
  return proc;
}

void RuntimeProcess::Stop(bool graceful) {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  const base::Duration grace = graceful ? options_.stop_grace : base::Duration(0);
  // Nothing more comes: a runtime waiting on /next is answered (500) at once, so that it ends
  // with the SIGTERM below even when the signal came as it was starting that call (a shell
  // runs its trap only once the command it waits for has ended).
  if (api_) {
    api_->Close();
  }
  if (child_) {
    if (grace.count() > 0 && !child_->Exited()) {
      child_->SignalGroup(SIGTERM);
      const auto until = std::chrono::steady_clock::now() + grace;
      pollfd exit{child_->exit_fd(), POLLIN, 0};
      while (!child_->Exited() && std::chrono::steady_clock::now() < until) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        // Without a pidfd (an old kernel), a look every 10 ms.
        const int64_t wait_ms = exit.fd < 0 ? 10 : left.count();
        (void)::poll(&exit, 1, static_cast<int>(std::clamp<int64_t>(wait_ms, 1, left.count() + 1)));
      }
    }
    // Whatever is left of the group, the leader too if it did not end.
    child_->SignalGroup(SIGKILL);
    (void)child_->Reap();
    child_.reset();
  }
  if (server_) {
    server_->StopAccepting();
    reaper_.Retire(std::move(server_), in_use_);
  }
  in_use_.reset();
}

bool RuntimeProcess::Exited() { return !child_ || child_->Exited(); }

void RuntimeProcess::DrainOutput() {
  if (!child_) {
    return;
  }
  auto sink = [this](std::string_view data) { idle_output_.Append(data); };
  ReadAvailable(child_->stdout_fd(), kReadsPerWake, sink);
  ReadAvailable(child_->stderr_fd(), kReadsPerWake, sink);
}

std::string RuntimeProcess::TakeIdleOutput() {
  DrainOutput();
  std::string out = idle_output_.Take();
  idle_output_ = TailCapture(options_.output_limit);
  return out;
}

std::optional<int> RuntimeProcess::MemoryProbe::MaxMemoryUsedMb() const {
  if (status_ == nullptr || !status_->valid()) {
    return std::nullopt;
  }
  // One read from the start regenerates the file: no open, no stream machinery.
  char buf[4096];
  ssize_t n = ::pread(status_->get(), buf, sizeof buf - 1, 0);
  if (n <= 0) {
    return std::nullopt;  // ESRCH: the process has been reaped
  }
  buf[n] = '\0';
  const char* hwm = std::strstr(buf, "\nVmHWM:");
  if (hwm == nullptr) {
    return std::nullopt;
  }
  long kb = std::strtol(hwm + 7, nullptr, 10);
  return static_cast<int>((kb + 1023) / 1024);
}

InvokeResult RuntimeProcess::Invoke(Delivery d, const runtime::CancelToken& cancel,
                                    runtime::LiveOutput* live) {
  Offer(std::move(d));
  return Await(cancel, live);
}

void RuntimeProcess::Offer(Delivery d) {
  DrainOutput();
  offered_idle_output_ = idle_output_.Take();
  idle_output_ = TailCapture(options_.output_limit);
  offered_deadline_ = d.deadline;
  // Until the runtime takes the invocation (a cold start's init), output is init output.
  taken_after_ = api_->deliveries();
  if (child_) {
    api_->Offer(std::move(d));
  }
}

InvokeResult RuntimeProcess::Await(const runtime::CancelToken& cancel, runtime::LiveOutput* live) {
  InvokeResult result;
  result.idle_output = std::move(offered_idle_output_);
  offered_idle_output_.clear();
  if (!child_) {
    result.end = InvokeResult::End::kExited;
    return result;
  }
  base::TimePoint deadline = offered_deadline_;  // until the runtime takes it (see Delivery)
  TailCapture output(options_.output_limit);
  TailCapture stdout_output(options_.output_limit);
  const uint64_t taken_after = taken_after_;
  bool taken = false;
  auto out_sink = [&](std::string_view data) {
    if (!taken && api_->deliveries() == taken_after) {
      idle_output_.Append(data);
      return;
    }
    taken = true;
    output.Append(data);
    stdout_output.Append(data);
    if (live != nullptr) {
      live->Append(runtime::LiveOutput::Stream::kStdout, data);
      live->Append(runtime::LiveOutput::Stream::kStderr, data);
    }
  };
  auto err_sink = [&](std::string_view data) {
    if (!taken && api_->deliveries() == taken_after) {
      idle_output_.Append(data);
      return;
    }
    taken = true;
    output.Append(data);
    if (live != nullptr) live->Append(runtime::LiveOutput::Stream::kStderr, data);
  };

  for (;;) {
    // A report first: a runtime may answer and exit at once.
    if (std::optional<Report> report = api_->TakeReport()) {
      result.end = InvokeResult::End::kReport;
      result.report = std::move(report);
      break;
    }
    if (child_->Exited()) {
      if (std::optional<Report> report = api_->TakeReport()) {
        result.end = InvokeResult::End::kReport;
        result.report = std::move(report);
      } else {
        result.end = InvokeResult::End::kExited;
      }
      break;
    }
    if (cancel.cancelled()) {
      result.end = InvokeResult::End::kCancelled;
      break;
    }
    if (api_->deliveries() != taken_after) {
      if (std::optional<base::TimePoint> taken = api_->delivered_deadline()) deadline = *taken;
    }
    base::TimePoint now = clock_.Now();
    if (now >= deadline) {
      result.end = InvokeResult::End::kDeadline;
      break;
    }
    std::array<pollfd, 4> fds{};
    nfds_t n = 0;
    for (int fd :
         {child_->stdout_fd().get(), child_->stderr_fd().get(), wake_->get(), child_->exit_fd()}) {
      if (fd >= 0) {
        fds[n++] = pollfd{fd, POLLIN, 0};
      }
    }
    int timeout_ms =
        static_cast<int>(std::clamp<int64_t>((deadline - now).count(), 1, kTick.count()));
    if (::poll(fds.data(), n, timeout_ms) < 0 && errno != EINTR) {
      timespec tick{0, kTick.count() * 1'000'000};
      nanosleep(&tick, nullptr);
    }
    ReadAvailable(child_->stdout_fd(), kReadsPerWake, out_sink);
    ReadAvailable(child_->stderr_fd(), kReadsPerWake, err_sink);
    DrainEventFd(wake_->get());
  }

  if (result.end != InvokeResult::End::kReport) {
    api_->Abandon();
    // A report that came in before the invocation was dropped is its answer (and may have been
    // told already: Delivery::on_answer).
    if (std::optional<Report> report = api_->TakeReport()) {
      result.end = InvokeResult::End::kReport;
      result.report = std::move(report);
    }
  }
  if (result.end == InvokeResult::End::kExited) {
    // The leader is a zombie, so its group id is still ours: end what it left running.
    child_->SignalGroup(SIGKILL);
  }
  // What the runtime wrote before it answered is in the pipes by now.
  ReadAvailable(child_->stdout_fd(), kFinalReads, out_sink);
  ReadAvailable(child_->stderr_fd(), kFinalReads, err_sink);
  if (result.end == InvokeResult::End::kExited) {
    result.wait_status = child_->Reap();
  }
  result.taken = api_->deliveries() != taken_after;
  result.idle_output += idle_output_.Take();
  idle_output_ = TailCapture(options_.output_limit);
  result.output = output.Take();
  result.stdout_output = stdout_output.Take();
  return result;
}

}  // namespace longhaul::lambda
