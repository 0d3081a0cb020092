// Destinations: after the final outcome of an asynchronous invocation (an Invoke with
// X-Amz-Invocation-Type: Event, or a job from an `ack: async` route), sends Lambda's invocation
// record to the function's on_success / on_failure destination: another function (a new job
// appended through the store, as an Event invoke of it: durable) or an HTTP URL (POSTed by one
// worker thread, up to 4 tries with 1 s, 2 s, 4 s backoff; failures are logged and dropped).
// Hooked into Scheduler::set_observer, so it sees outcomes of attempts run on this node.
// Limitation: jobs that go dead by max_event_age while queued (in Claim) never reach an attempt,
// so no EventAgeExceeded record is sent for them.
// Thread-safety: Observe() and SetConfig() may be called from any thread. The URL queue holds at
// most kMaxQueued records; when full, new records are dropped with an error log.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"
#include "runtime/runtime.h"
#include "sched/scheduler.h"
#include "store/store.h"

namespace longhaul::ingest {

enum class RecordCondition { kSuccess, kRetriesExhausted, kEventAgeExceeded };

// Lambda's invocation record (version "1.0") for `job`'s final outcome as JSON text.
// requestPayload is the job's body as JSON when it parses, else as a string; responsePayload the
// same for the function's response body (null when empty).
std::string InvocationRecord(const store::Job& job, const config::Function& fn,
                             const runtime::Outcome& outcome, RecordCondition condition,
                             base::TimePoint now);

// True when the job is an asynchronous invocation (destinations apply): an Event Invoke, or a
// job of a route with ack: async.
bool IsAsyncInvocation(const store::Job& job, const config::Config& cfg);

class Destinations {
 public:
  static constexpr size_t kMaxQueued = 1000;

  Destinations(store::Store& store, sched::Scheduler& scheduler, const base::Clock& clock,
               base::Logger& log, std::shared_ptr<const config::Config> config);
  ~Destinations();  // stops the worker; records still queued are dropped

  void SetConfig(std::shared_ptr<const config::Config> config) { config_.store(std::move(config)); }
  // The scheduler's OutcomeObserver. Does not block on network or disk.
  void Observe(const store::Job& job, const config::Function& fn, const runtime::Outcome& outcome,
               store::Completion::Kind kind);

 private:
  struct Post {
    std::string url;
    std::string body;
    std::string job_id;
  };
  void Send(const config::Destination& dest, const std::string& record, const std::string& job_id);
  void Worker();

  store::Store& store_;
  sched::Scheduler& scheduler_;
  const base::Clock& clock_;
  base::Logger& log_;
  std::atomic<std::shared_ptr<const config::Config>> config_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Post> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  std::thread worker_;
};

}  // namespace longhaul::ingest
