// Runtime: runs one attempt of a job. Implementations: process/ (spawned commands),
// forward/ (HTTP forwarding), lambda/ (Lambda runtime processes).
// Thread-safety: Run() is called concurrently from scheduler worker threads, one thread per
// running attempt; it blocks until the attempt ends, and returns early when `cancel` fires.
// Begin() is called concurrently from I/O threads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "runtime/live_output.h"
#include "store/job.h"

namespace longhaul::runtime {

// Set by the scheduler to stop a running attempt (operator cancel, shutdown, lease lost).
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct Outcome;

// What a runtime began of an invocation ahead of its attempt (Runtime::Begin). Destroyed
// without Run() having taken it (the attempt was stopped first), it gives back or stops what it
// holds.
class Begun {
 public:
  virtual ~Begun() = default;
};

struct Invocation {
  std::string job_id;
  int attempt = 1;      // 1-based
  int interrupted = 0;  // earlier attempts cut short by a stop or crash (Job::interruptions)
  std::shared_ptr<const config::Config> config;  // keeps `function` alive
  const config::Function* function = nullptr;
  store::Request request;
  std::string route;         // store::Job::route: the route key ("POST /hooks/{name}"), or "invoke"
  base::TimePoint deadline;  // the attempt is stopped (SIGTERM, then SIGKILL) at this time
  // Optional. A runtime that learns the function's answer before its attempt is over (a Lambda
  // runtime posts its response, then the logs are gathered) calls this once, from any thread,
  // with the outcome's status and response and no logs; Run() still returns the whole outcome,
  // with the same status and response. Must be quick: it runs on an I/O thread.
  std::function<void(const Outcome& answer)> answered;
  // Optional. Whether a caller on the job's route waits for this answer now (it gets the result
  // as an HTTP answer); null: none does.
  std::function<bool()> caller_waits;
  std::shared_ptr<Begun> begun;  // from Runtime::Begin(), for Run()
  // Optional. Where a runtime copies its processes' output as it reads it (what GET /jobs/{id}
  // shows while the attempt runs).
  std::shared_ptr<LiveOutput> live;
};

// The niceness the processes of an invocation start at, above the server's (server.job_nice),
// or config::kJobNiceIdle (SCHED_IDLE).
inline int JobNice(const Invocation& inv) {
  return inv.config != nullptr ? inv.config->server.job_nice : 0;
}

// True when the job of route key `route` (store::Job::route) came from the Invoke API ("invoke")
// or is a destination's invocation record ("destination"): its body is the payload, and its
// stored request line and headers are the Invoke call's, not a sender's.
inline bool IsInvokeJob(std::string_view route) {
  return route == "invoke" || route == "destination";
}

struct Outcome {
  // OK: success, `response` is the result. Otherwise the failure, which the scheduler maps to
  // retry or not (kDeadlineExceeded on timeout, kUnknown for a non-zero exit or an upstream
  // 5xx, kInvalidArgument for an upstream 4xx, kCancelled when cancelled).
  base::Status status;
  store::Response response;
  // The response is the function's answer even though the outcome failed (an upstream's 3xx,
  // 4xx or 5xx): it is kept with the job, and a waiting caller gets it as it is.
  bool response_is_answer = false;
  // The function never started: the server itself was out of processes, memory, descriptors or
  // disk space (status kResourceExhausted). Not the function's failure: the attempt does not
  // count, and the job waits for the server instead (sched::DecideNotStarted).
  bool not_started = false;
  std::string stdout_tail;
  std::string stderr_tail;
  // A Lambda runtime's failed invocation: what the function wrote during it and the platform's
  // error line, without the START/END/REPORT lines around them (the log's `output`).
  std::string function_output;
};

// Marks `outcome` as not started when its status is the server's own shortage.
inline void NotStartedIfShortage(Outcome& outcome) {
  outcome.not_started = outcome.status.code() == base::Code::kResourceExhausted;
}

class Runtime {
 public:
  virtual ~Runtime() = default;
  // Called for a job whose caller waits (a direct run), on the thread that submits it (an I/O
  // thread), before an attempt thread calls Run() with the result in `inv.begun`: a runtime that
  // can hand the invocation over without blocking (to a warm process) does it here, a thread
  // hand-off sooner. Must not block. May return nullptr (Run() then does it all).
  virtual std::shared_ptr<Begun> Begin(const Invocation&) { return nullptr; }
  virtual Outcome Run(const Invocation& inv, const CancelToken& cancel) = 0;
};

}  // namespace longhaul::runtime
