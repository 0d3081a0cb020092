// The Scheduler's direct runs (a caller waits for the job: it runs at once when a slot is
// free, without a claim) and early answers (the caller hears the result before the attempt
// has recorded it). The rest of the Scheduler is in scheduler.cc.
#include "sched/job_records.h"
#include "sched/retry_policy.h"
#include "sched/scheduler.h"

namespace longhaul::sched {

using Kind = store::Completion::Kind;

std::optional<store::Job> Scheduler::ReserveDirect(const config::Function& fn, store::NewJob& job,
                                                   bool* busy) {
  if (!job.idempotency_key.empty() || !job.ordering_key.empty()) return std::nullopt;
  {
    base::MutexLock lock(mu_);
    if (stopping_) return std::nullopt;
    int& running = running_by_function_[fn.name];
    if (running >= fn.concurrency) {
      if (busy != nullptr) *busy = true;
      return std::nullopt;
    }
    // Slots held by a claim under way may all be taken by it: the job is queued instead.
    if (auto claiming = claiming_.find(fn.name);
        claiming != claiming_.end() && running + claiming->second >= fn.concurrency) {
      return std::nullopt;
    }
    running++;
    attempts_++;
    running_[job.id] = Running{std::make_shared<runtime::CancelToken>(), fn.name, "", nullptr};
  }
  job.claimed_by = options_.node_id;
  job.claim_lease = options_.lease;
  // As the store keeps it (store::NewJob::claimed_by).
  store::Job claimed;
  claimed.id = job.id;
  claimed.function = job.function;
  claimed.route = job.route;
  claimed.state = store::JobState::kRunning;
  claimed.attempts = 1;
  claimed.max_attempts = job.max_attempts;
  claimed.created_at = job.created_at;
  claimed.updated_at = job.created_at;
  claimed.next_run_at = job.created_at;
  claimed.expires_at = job.expires_at;
  claimed.started_at = job.created_at;
  claimed.lease_owner = job.claimed_by;
  claimed.lease_expires_at = job.created_at + job.claim_lease;
  claimed.request = job.request;
  return claimed;
}

void Scheduler::StartDirect(store::Job job, std::shared_ptr<const config::Config> cfg,
                            const config::Function* fn) {
  std::shared_ptr<runtime::CancelToken> cancel;
  {
    base::MutexLock lock(mu_);
    auto it = running_.find(job.id);
    if (it == running_.end()) return;
    cancel = it->second.cancel;
  }
  // The runtime may hand the invocation over from here, before an attempt thread wakes for it.
  runtime::Invocation inv = InvocationFor(job, cfg, *fn, cancel.get());
  if (runtime::Runtime* rt = runtimes_(*fn)) inv.begun = rt->Begin(inv);
  base::MutexLock lock(mu_);
  QueueAttemptLocked(std::move(job), std::move(cfg), fn, std::move(cancel), std::move(inv));
}

void Scheduler::Answered(const store::Job& job, const runtime::CancelToken* attempt,
                         const config::Function& fn, const runtime::Outcome& answer) {
  base::TimePoint now = clock_.Now();
  // Retry or not does not depend on the jitter; only a final answer is told.
  Decision d = Decide(answer.status, job.attempts, job.max_attempts, fn, now, 0.0);
  if (d.kind == Kind::kRetry) return;
  auto told = std::make_shared<const store::Job>(
      Recorded(job, CompletionFor(job, fn, answer, d, now, options_.node_id)));
  {
    base::MutexLock lock(mu_);
    answered_.insert(job.id);
    if (starved_.count(fn.name) > 0) answered_while_starved_.insert(job.id);
    // The function is done with the job: a caller's next request may take the slot while this
    // attempt gathers its logs and records the outcome (the runtime itself hands its process
    // over only once that is done).
    ReleaseSlotLocked(job.id, attempt, fn.name, true);
  }
  hub_.NotifyAnswer(job.id, std::move(told));
}

bool Scheduler::AnsweredUnrecorded(const std::string& job_id) const {
  base::MutexLock lock(mu_);
  return answered_.count(job_id) > 0;
}

std::vector<std::string> Scheduler::AnsweredUnrecordedIds() const {
  base::MutexLock lock(mu_);
  return {answered_.begin(), answered_.end()};
}

void Scheduler::CallerWaits(const std::string& job_id) {
  base::MutexLock lock(mu_);
  waiting_callers_.insert(job_id);
}

void Scheduler::CallerGone(const std::string& job_id) {
  base::MutexLock lock(mu_);
  waiting_callers_.erase(job_id);
}

bool Scheduler::CallerWaitsFor(const std::string& job_id) const {
  base::MutexLock lock(mu_);
  return waiting_callers_.count(job_id) > 0;
}

}  // namespace longhaul::sched
