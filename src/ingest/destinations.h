// Destinations: after the final outcome of an asynchronous invocation (an Invoke with
// X-Amz-Invocation-Type: Event, or a job from an `ack: async` route), Lambda's invocation record
// goes to the function's on_success / on_failure destination as a new durable job: of the
// destination function, or of the URL's delivery function (config: `fn:on_success`, an http
// function that POSTs the record with its own retries), so every delivery can be seen in
// `jobs list` and survives a restart. This builds those jobs; the scheduler appends them
// (Scheduler::set_follow_up: with the outcome, in its transaction; set_expiry_follow_up: for
// queued jobs that passed max_event_age, EventAgeExceeded).
// Thread-safety: all methods may be called from any thread; none blocks on network or disk.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"
#include "runtime/runtime.h"
#include "store/store.h"

namespace longhaul::ingest {

enum class RecordCondition { kSuccess, kRetriesExhausted, kEventAgeExceeded };

// Lambda's invocation record (version "1.0") for `job`'s final outcome as JSON text.
// requestPayload is what the function was invoked with: the API Gateway event for a Lambda
// function's job from a route, else the job's body as JSON when it parses, else as a string;
// responsePayload the function's response body likewise (an errorMessage object for failures
// without one).
std::string InvocationRecord(const store::Job& job, const config::Function& fn,
                             const runtime::Outcome& outcome, RecordCondition condition,
                             base::TimePoint now);

// True when the job is an asynchronous invocation (destinations apply): an Event Invoke, or a
// route's job whose outcome no caller waits for (`caller_waits` false, sched::Scheduler::
// CallerWaits: an ack: async route, Prefer: respond-async, a caller whose wait ran out or who
// hung up, any job after a restart).
bool IsAsyncInvocation(const store::Job& job, bool caller_waits);

class Destinations {
 public:
  Destinations(const base::Clock& clock, base::Logger& log,
               std::shared_ptr<const config::Config> config);

  void SetConfig(std::shared_ptr<const config::Config> config) { config_.store(std::move(config)); }
  // The scheduler's FollowUpMaker: the job that takes the invocation record of `job`'s end to
  // its on_success or on_failure (nullopt when there is none, or the invocation was not
  // asynchronous). The scheduler records it with the outcome.
  std::optional<store::NewJob> FollowUp(const store::Job& job, const config::Function& fn,
                                        const runtime::Outcome& outcome,
                                        store::Completion::Kind kind, bool caller_waits);
  // The scheduler's ExpiryFollowUpMaker: an EventAgeExceeded record to on_failure.
  std::optional<store::NewJob> ExpiryFollowUp(const store::Job& job, const config::Function& fn);

 private:
  std::optional<store::NewJob> Record(const config::Destination& dest, const store::Job& job,
                                      const config::Function& fn, const runtime::Outcome& outcome,
                                      RecordCondition condition, bool caller_waits);

  const base::Clock& clock_;
  base::Logger& log_;
  std::atomic<std::shared_ptr<const config::Config>> config_;
};

}  // namespace longhaul::ingest
