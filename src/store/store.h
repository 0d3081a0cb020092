// Store: the durable job log. Every accepted request is appended here before it is
// acknowledged; runners claim work under leases that expire, so several nodes can share one
// database (SQLite on one machine, PostgreSQL later).
//
// Thread-safety: all methods may be called from any thread. Append() never blocks; the other
// methods block on disk and must not be called from an I/O thread.
// Failure: after the first failed commit or sync the store is failed (sticky): every later
// write returns kUnavailable and Healthy() says why. Only reopening clears it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/job.h"

namespace longhaul::store {

struct ClaimRequest {
  std::string function;
  int concurrency = 1;  // at most this many of the function's jobs running, across all owners
  int limit = 1;        // claim at most this many now
  std::string owner;    // lease owner (node id)
  Duration lease = std::chrono::seconds(30);
  TimePoint now;
  // When set, receives the jobs (with their requests) that this Claim moved to dead because
  // they passed expires_at, so the caller can report them (Lambda's EventAgeExceeded).
  std::vector<Job>* expired = nullptr;
  // CompleteAndClaim only: when set, becomes true once this claim has committed together with
  // the outcome, before `recorded` runs (it stays false when the outcome was recorded alone).
  bool* claimed_with_outcome = nullptr;
};

struct Completion {
  std::string job_id;
  std::string owner;  // must still hold the lease, else kAborted and nothing changes
  enum class Kind {
    kSucceeded,  // -> succeeded, result stored
    kRetry,      // -> retrying at next_run_at
    kFailed,     // -> failed (not retried)
    kDead,       // -> dead (retries exhausted / expired)
  } kind = Kind::kSucceeded;
  TimePoint now;
  TimePoint next_run_at;           // kRetry only
  std::optional<Response> result;  // kSucceeded; also kept for failures when present
  std::string error;               // the attempt's error, kept as last_error
  std::string stdout_tail;
  std::string stderr_tail;
  // The function's limit now, when lower than the job's max_attempts (a reload lowered its
  // retries): kept as the job's. 0: unchanged.
  int max_attempts = 0;
  // The claimed attempt did not run (a retry the lowered retries cut, or the server could not
  // start the function: runtime::Outcome::not_started): it does not count.
  bool attempt_not_run = false;
  // Appended in the same transaction as the outcome, as Append would (a destination's job,
  // on_success / on_failure): the two are on disk together or not at all.
  std::optional<NewJob> follow_up;
};

struct ListFilter {
  std::string function;           // empty = all
  std::optional<JobState> state;  // nullopt = all
  int limit = 50;                 // 1..1000
  std::string cursor;             // from JobPage::next_cursor; empty = newest first
};

struct JobPage {
  std::vector<Job> jobs;    // newest first; request bodies omitted
  std::string next_cursor;  // empty when there is no more
};

// What a sender's webhook looks like from our side (in the spirit of Telegram's
// getWebhookInfo): work not yet finished, the last delivery and the last error.
struct RouteStats {
  int64_t pending = 0;  // queued, running or retrying
  std::optional<TimePoint> last_delivery;
  // The newest failed attempt of the route's jobs (kept when the job later succeeds, is
  // cancelled or is purged, as Telegram's last_error_date is).
  std::optional<TimePoint> last_error_at;
  std::string last_error;
};

class Store {
 public:
  using AppendCallback = std::function<void(base::Result<AppendResult>)>;

  virtual ~Store() = default;

  // Queues `job` for the next group commit and returns at once. `done` runs on the store's
  // own thread after the transaction that holds the job has committed and synced (OK), or
  // failed (kUnavailable: nothing was stored; kResourceExhausted: the queue is full).
  // With an idempotency key seen within its window, nothing new is stored and `done` gets
  // the first job's id with duplicate=true. `done` must not block; post to your executor.
  // When the append is refused at once (queue full, store failed or closing), `done` runs on
  // the calling thread before Append() returns.
  virtual void Append(NewJob job, AppendCallback done) = 0;

  // Claims up to `limit` claimable jobs of a function (queued or retrying, next_run_at <= now,
  // the oldest unfinished job of their ordering key), oldest first, while fewer than
  // `concurrency` of its jobs are running. Jobs past expires_at are moved to dead instead.
  // Claimed jobs are running, attempts+1, leased to `owner` until now+lease.
  virtual base::Result<std::vector<Job>> Claim(const ClaimRequest& req) = 0;

  // Records an attempt's outcome. kAborted when `owner` no longer holds the lease (expired,
  // cancelled) - the outcome is dropped. kNotFound for an unknown id.
  virtual base::Status Complete(const Completion& c) = 0;

  // Complete(c), then Claim(next) for the slot the attempt leaves, in one transaction where the
  // store can: a finishing attempt takes its function's next job without another commit.
  // Returns Complete's status; the claim runs either way (also when the outcome was dropped),
  // and its jobs go to *claimed (left empty when the claim failed). `recorded`, when given, is
  // called once the outcome is committed and before this returns, only when this returns OK;
  // it may run on the store's writer thread, so it must not block (waiters hear of the outcome
  // without waiting for the calling thread to wake up).
  virtual base::Status CompleteAndClaim(const Completion& c, const ClaimRequest& next,
                                        std::vector<Job>* claimed,
                                        const std::function<void()>& recorded = nullptr) {
    base::Status s = Complete(c);
    if (s.ok() && recorded) recorded();
    auto jobs = Claim(next);
    if (jobs.ok()) *claimed = std::move(*jobs);
    return s;
  }

  // Extends a running job's lease to `until`. kAborted when `owner` no longer holds it.
  virtual base::Status ExtendLease(std::string_view job_id, std::string_view owner,
                                   TimePoint until) = 0;

  // Takes back running jobs: those whose lease expired before `now`, and, when `owner` is
  // given, all of that owner's (a node that stopped or restarted). The attempt cut short does
  // not count: each job runs again at once, as it was before the attempt, except one whose
  // caller waited without an acknowledgement (NewJob::acknowledged false), which ends dead.
  // Returns how many jobs it took back; the ids of those that ended dead go to *dead when given
  // (their end is told to nobody else: the caller reports it).
  virtual base::Result<int> RecoverLeases(TimePoint now, std::string_view owner,
                                          std::vector<std::string>* dead = nullptr) = 0;
  // As RecoverLeases, for a graceful stop of `owner` that stopped its own attempts: they never
  // count, nor use up the free ones (a job whose caller waited still ends dead).
  virtual base::Result<int> ReleaseLeases(TimePoint now, std::string_view owner,
                                          std::vector<std::string>* dead = nullptr) = 0;
  // Puts back a job `owner` claimed and never started (the runner began to stop as it was
  // claimed) exactly as it was before the claim: no attempt, no interruption, no error.
  // kAborted when it is not running under `owner`'s lease; kNotFound for an unknown id.
  virtual base::Status Unclaim(std::string_view job_id, std::string_view owner, TimePoint now) = 0;

  // Terminal job -> queued again (attempts reset, error kept). kFailedPrecondition when the
  // job is not terminal; kNotFound for an unknown id.
  virtual base::Status Retry(std::string_view job_id, TimePoint now) = 0;
  // Queued/retrying/running job -> cancelled. kFailedPrecondition when already terminal.
  virtual base::Status Cancel(std::string_view job_id, TimePoint now) = 0;
  // A cancelled job keeps what its stopped attempt wrote: its output tails (for the operator
  // to see how far it got). kFailedPrecondition when the job is no longer cancelled (retried);
  // kNotFound never (an unknown id is not cancelled either).
  virtual base::Status KeepStoppedOutput(std::string_view job_id, const std::string& stdout_tail,
                                         const std::string& stderr_tail) = 0;

  virtual base::Result<Job> Get(std::string_view job_id) = 0;  // kNotFound
  // Summaries: the jobs without their result's headers and body (its status is there), their
  // output tails, and their request's headers, parameters and body (Get() has them all).
  virtual base::Result<JobPage> List(const ListFilter& filter) = 0;

  // Stats of the jobs that `route` (NewJob::route) created for `function`.
  virtual base::Result<RouteStats> GetRouteStats(std::string_view function,
                                                 std::string_view route) = 0;

  // Earliest next_run_at over queued/retrying jobs, or nullopt when there are none.
  virtual base::Result<std::optional<TimePoint>> NextRunAt() = 0;
  // The functions that have queued or retrying jobs, by name.
  virtual base::Result<std::vector<std::string>> QueuedFunctions() = 0;

  // Removes idempotency keys whose window has passed. Returns how many.
  virtual base::Result<int> PurgeExpiredKeys(TimePoint now) = 0;
  // Deletes up to `limit` jobs that reached a terminal state before `finished_before`, oldest
  // first, with their requests and results (server.retention). Returns how many.
  virtual base::Result<int> PurgeFinishedJobs(TimePoint finished_before, int limit) = 0;

  // OK while the store can write; the sticky error after a failed commit.
  virtual base::Status Healthy() const = 0;
};

}  // namespace longhaul::store
