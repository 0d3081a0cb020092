// The job record: one durable invocation of a function, and the request that caused it.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace longhaul::store {

using base::Duration;
using base::TimePoint;
using Headers = std::vector<std::pair<std::string, std::string>>;

enum class JobState {
  kQueued,     // waiting for a runner; claimable once next_run_at <= now
  kRunning,    // claimed under a lease; the lease owner reports the outcome
  kRetrying,   // an attempt failed; claimable again at next_run_at
  kSucceeded,  // terminal: result holds the function's response
  kFailed,     // terminal: failed with an error that is not retried (e.g. invalid input)
  kDead,       // terminal: retries exhausted or max_event_age passed; last_error says which
  kCancelled,  // terminal: an operator cancelled it
};

std::string_view ToString(JobState s);
std::optional<JobState> ParseJobState(std::string_view s);
bool IsTerminal(JobState s);

// The HTTP request (or Invoke call) that created the job, as the runtimes need it.
struct Request {
  std::string method;
  std::string path;   // decoded-free raw path, without the query
  std::string query;  // raw query string without '?'
  Headers headers;
  Headers path_params;
  std::string remote_addr;
  std::string body;
};

// A function's result, mapped to an HTTP response for sync/auto routes and /jobs/{id}/result.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

struct NewJob {
  std::string id;  // base::NewJobId()
  std::string function;
  std::string route;            // route key, scope of the idempotency key ("POST /tg")
  std::string idempotency_key;  // empty = no deduplication
  Duration idempotency_window = std::chrono::hours(24);
  std::string ordering_key;  // empty = no ordering; same key runs one at a time, FIFO
  int max_attempts = 3;
  TimePoint created_at;  // TimePoint{} = the store's clock at commit
  // created_at + max_event_age: still queued or retrying when reached -> dead (as Lambda's
  // maximum event age, it covers retries too); TimePoint{} = never.
  TimePoint expires_at;
  Request request;
  // false: the caller answers with the job's result, never with an acknowledgement (a
  // synchronous Invoke), so the append need not wait for a sync of its own: it commits to the
  // WAL (safe from a killed process) and reaches the disk with the next synced commit.
  bool acknowledged = true;
  // Non-empty: the job starts running, its first attempt leased to this owner until
  // created_at + claim_lease, instead of queued for a Claim (Scheduler::ReserveDirect: the
  // owner has a free slot and runs it at once). Only for jobs without idempotency or ordering
  // keys.
  std::string claimed_by;
  Duration claim_lease{};
};

struct AppendResult {
  std::string job_id;
  bool duplicate = false;  // true: the key was seen within the window; job_id is the first job's
};

struct Job {
  std::string id;
  std::string function;
  std::string route;
  std::string idempotency_key;
  std::string ordering_key;
  JobState state = JobState::kQueued;
  int attempts = 0;  // attempts started so far
  int max_attempts = 3;
  TimePoint created_at;
  TimePoint updated_at;
  TimePoint next_run_at;
  TimePoint expires_at;
  std::optional<TimePoint> started_at;   // first attempt started
  std::optional<TimePoint> finished_at;  // reached a terminal state
  std::string lease_owner;
  TimePoint lease_expires_at;
  Request request;
  std::optional<Response> result;
  std::string last_error;
  std::string stdout_tail;
  std::string stderr_tail;
  // Attempts cut short by a stop, a crash or a lost lease, graceful stops' too (counted or not
  // in `attempts`); reset by Retry. Non-zero: the job may have done part of its work before.
  int interruptions = 0;
};

}  // namespace longhaul::store
