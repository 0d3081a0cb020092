#include "sched/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <new>
#include <system_error>
#include <utility>

#include "base/duration.h"
#include "base/thread_name.h"
#include "sched/job_records.h"
#include "sched/retry_policy.h"

namespace longhaul::sched {

using Kind = store::Completion::Kind;

namespace {

// A RequestResponse Invoke: its caller waits for it, and a run after the caller is gone would
// be one nobody asked for (Lambda never runs one twice).
bool IsSyncInvoke(const store::Job& job) {
  if (job.route != "invoke") return false;
  for (const auto& [name, value] : job.request.headers) {
    if (boost::iequals(name, "X-Amz-Invocation-Type")) return value == "RequestResponse";
  }
  return true;  // the default type
}

}  // namespace

Scheduler::Scheduler(store::Store& store, const base::Clock& clock, base::Logger& log,
                     CompletionHub& hub, SchedulerOptions options, RuntimeResolver runtimes)
    : store_(store),
      clock_(clock),
      log_(log),
      hub_(hub),
      options_(std::move(options)),
      runtimes_(std::move(runtimes)) {}

Scheduler::~Scheduler() { Shutdown(); }

base::Status Scheduler::Start(std::shared_ptr<const config::Config> config) {
  auto recovered = RecoverLeases(clock_.Now(), options_.node_id, config);
  if (!recovered.ok()) return recovered.status();
  if (*recovered > 0) {
    log_.Info("sched.recovered", {{"jobs", std::to_string(*recovered), true},
                                  {"reason", "running when the previous process stopped"}});
  }
  ReportUnconfiguredWork(*config);
  {
    base::MutexLock lock(mu_);
    config_ = std::move(config);
  }
  loop_ = std::thread([this] { Loop(); });
  return base::Status::Ok();
}

void Scheduler::SetConfig(std::shared_ptr<const config::Config> config) {
  ReportUnconfiguredWork(*config);
  base::MutexLock lock(mu_);
  config_ = std::move(config);
  wake_ = true;
  cv_.Signal();
}

void Scheduler::Wake() {
  base::MutexLock lock(mu_);
  if (wake_) return;  // the loop has not looked yet
  wake_ = true;
  cv_.Signal();
}

void Scheduler::WakeFor(const std::string& function) {
  base::MutexLock lock(mu_);
  if (wake_) return;
  if (const config::Function* fn = config_ ? config_->FindFunction(function) : nullptr) {
    auto it = running_by_function_.find(fn->name);
    if (it != running_by_function_.end() && it->second >= fn->concurrency) {
      starved_.insert(fn->name);  // the slot that frees first wakes the loop
      return;
    }
  }
  wake_ = true;
  cv_.Signal();
}

bool Scheduler::CancelLocal(const std::string& job_id) {
  base::MutexLock lock(mu_);
  bool found = false;
  if (auto it = running_.find(job_id); it != running_.end()) {
    it->second.cancel->Cancel();
    found = true;
  }
  for (auto& [blocker, d] : deferred_) {
    if (d.job.id != job_id) continue;
    d.cancel->Cancel();  // it ends as soon as it starts, without running
    found = true;
  }
  return found;
}

int Scheduler::running() const {
  base::MutexLock lock(mu_);
  return static_cast<int>(running_.size());
}

bool Scheduler::stopping() const {
  base::MutexLock lock(mu_);
  return stopping_;
}

void Scheduler::Loop() {
  base::SetThreadName("lh-scheduler");
  auto last_renew = clock_.Now();
  std::optional<base::TimePoint> last_maintenance;  // none yet: the first pass does it
  bool purge_behind = false;  // the last purge round found more than it may delete
  for (;;) {
    std::shared_ptr<const config::Config> cfg;
    {
      base::MutexLock lock(mu_);
      if (stopping_) return;
      wake_ = false;
      cfg = config_;
      if (refused_threads_ > 0) StartAttemptThreadsLocked(std::exchange(refused_threads_, 0));
    }
    RecordUnrecorded();
    ClaimOnce(cfg);

    auto now = clock_.Now();
    if (now - last_renew >= options_.lease / 3) {
      RenewLeases();
      last_renew = now;
    }
    const bool maintenance = !last_maintenance || now - *last_maintenance >= options_.lease;
    if (maintenance) {
      // Work leased by nodes that died comes back, and old idempotency keys go.
      auto r = RecoverLeases(now, "", cfg);
      if (r.ok() && *r > 0) log_.Info("sched.leases_expired", {{"jobs", std::to_string(*r), true}});
      auto p = store_.PurgeExpiredKeys(now);
      (void)p;  // a failure here also shows in Healthy(); nothing else to do
      last_maintenance = now;
    }
    // Finished jobs older than server.retention go, a bounded number per round (claims wait
    // for this loop); a round that found more is followed by another at once, so that deletes
    // keep up with any rate of finished work (QA: 10,000 a lease, 333/s, fell behind).
    if (cfg->server.retention.count() == 0) {
      purge_behind = false;  // every job is kept
    } else if (maintenance || purge_behind) {
      auto purged = store_.PurgeFinishedJobs(now - cfg->server.retention, options_.purge_per_round);
      purge_behind = purged.ok() && *purged == options_.purge_per_round;
      if (purged.ok() && *purged > 0) {
        log_.Info("store.jobs_purged",
                  {{"jobs", std::to_string(*purged), true},
                   {"retention", base::FormatDuration(cfg->server.retention)}});
      }
    }

    // Sleep until woken (an append, a finished attempt), the next retry is due, or the poll
    // interval passes. Work that is due now but was not claimed waits for a free slot, which
    // a finishing attempt announces with Wake(): looping on it would spin.
    base::Duration wait = purge_behind ? base::Duration(0) : options_.poll_interval;
    if (auto next = store_.NextRunAt(); next.ok() && next->has_value()) {
      auto until_next = std::chrono::duration_cast<base::Duration>(**next - clock_.Now());
      if (until_next.count() > 0) wait = std::min(until_next, wait);
    }
    base::MutexLock lock(mu_);
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!wake_ && !stopping_ && cv_.WaitUntil(mu_, until)) {
    }
  }
}

void Scheduler::ClaimOnce(const std::shared_ptr<const config::Config>& cfg) {
  for (const auto& fn : cfg->functions) {
    int free = 0;
    {
      base::MutexLock lock(mu_);
      if (stopping_) return;
      free = fn.concurrency - running_by_function_[fn.name];
      if (free <= 0) {
        starved_.insert(fn.name);
      } else {
        starved_.erase(fn.name);
        // The free slots are held while the claim runs: a direct run reserved meanwhile
        // (ReserveDirect) is not in the store yet, so the claim would not count it.
        claiming_[fn.name] = free;
      }
    }
    if (free <= 0) continue;
    store::ClaimRequest req = ClaimRequestFor(fn, free, clock_.Now());
    std::vector<store::Job> expired;
    req.expired = &expired;
    auto jobs = store_.Claim(req);
    {
      base::MutexLock lock(mu_);  // each claimed job takes one of the held slots (Launch)
      claiming_.erase(fn.name);
      if (jobs.ok()) running_by_function_[fn.name] += static_cast<int>(jobs->size());
    }
    if (!jobs.ok()) {
      // Every function's claim fails alike while the store cannot write: one line a second.
      if (uint64_t held = 0; claim_failed_log_.Allow(&held)) {
        log_.Warn("sched.claim_failed", {{"function", fn.name},
                                         {"error", jobs.status().ToString()},
                                         {"failed_since_last", std::to_string(held + 1), true}});
      }
      continue;
    }
    ReportExpired(expired, fn);
    if (jobs->size() >= static_cast<size_t>(free)) {
      // Every free slot is taken and more may be due: the slot that frees first wakes the loop
      // (an attempt whose caller had its answer early frees its slot without claiming).
      base::MutexLock lock(mu_);
      starved_.insert(fn.name);
    }
    for (auto& job : *jobs) Launch(std::move(job), cfg, &fn);
  }
}

store::ClaimRequest Scheduler::ClaimRequestFor(const config::Function& fn, int limit,
                                               base::TimePoint now) const {
  store::ClaimRequest req;
  req.function = fn.name;
  req.concurrency = fn.concurrency;
  req.limit = limit;
  req.owner = options_.node_id;
  req.lease = options_.lease;
  req.now = now;
  return req;
}

void Scheduler::RenewLeases() {
  std::vector<std::pair<std::string, std::shared_ptr<runtime::CancelToken>>> jobs;
  {
    base::MutexLock lock(mu_);
    for (const auto& [id, r] : running_) jobs.emplace_back(id, r.cancel);
    for (const auto& [blocker, d] : deferred_) jobs.emplace_back(d.job.id, d.cancel);
    // Answered, and its slot freed: the record is still to be written (its attempt thread may
    // not have been started yet), and nobody may take the job meanwhile.
    for (const auto& id : answered_) {
      if (running_.count(id) == 0) jobs.emplace_back(id, nullptr);
    }
  }
  auto until = clock_.Now() + options_.lease;
  for (const auto& [id, cancel] : jobs) {
    base::Status s = store_.ExtendLease(id, options_.node_id, until);
    if (s.code() == base::Code::kAborted) {
      // An attempt that recorded its outcome since the list above was taken lost nothing.
      auto job = store_.Get(id);
      const bool cancelled = job.ok() && job->state == store::JobState::kCancelled;
      if (job.ok() && !cancelled && job->state != store::JobState::kQueued &&
          job->state != store::JobState::kRunning) {
        continue;
      }
      // Cancelled by an operator (job.cancelled says so), or the lease went to another node:
      // stop our copy.
      if (!cancelled) log_.Info("job.lease_lost", {{"job", id}});
      if (cancel) cancel->Cancel();
    }
  }
}

void Scheduler::Launch(store::Job job, std::shared_ptr<const config::Config> cfg,
                       const config::Function* fn) {
  base::MutexLock lock(mu_);
  attempts_++;  // its slot is counted in running_by_function_ since ClaimOnce held it
  StartOrDeferLocked(std::move(job), std::move(cfg), fn, std::make_shared<runtime::CancelToken>());
}

void Scheduler::StartOrDeferLocked(store::Job job, std::shared_ptr<const config::Config> cfg,
                                   const config::Function* fn,
                                   std::shared_ptr<runtime::CancelToken> cancel) {
  if (std::string blocker = BlockerLocked(job, fn->name); !blocker.empty()) {
    log_.Info("job.deferred",
              {{"job", job.id},
               {"function", fn->name},
               {"route", job.route},
               {"reason", blocker == job.id
                              ? "its previous attempt is still stopping"
                              : "job " + blocker + " of its ordering key is still stopping"}});
    if (auto older = deferred_.find(blocker); older != deferred_.end()) {
      // Claimed again while deferred (cancelled, retried again): only the unstarted one's slot.
      running_by_function_[older->second.fn->name]--;
      attempts_--;
    }
    deferred_[blocker] = Deferred{std::move(job), std::move(cfg), fn, std::move(cancel)};
    return;
  }
  running_[job.id] = Running{cancel, fn->name, job.ordering_key, nullptr};
  QueueAttemptLocked(std::move(job), std::move(cfg), fn, std::move(cancel));
}

std::string Scheduler::BlockerLocked(const store::Job& job, const std::string& function) const {
  if (running_.count(job.id) > 0) return job.id;
  if (job.ordering_key.empty()) return "";
  // The store runs one job of a key at a time; a cancelled one may still be stopping here.
  for (const auto& [id, r] : running_) {
    if (r.function == function && r.ordering_key == job.ordering_key) return id;
  }
  return "";
}

void Scheduler::EndAttemptLocked(const std::string& job_id, const runtime::CancelToken* attempt) {
  auto it = running_.find(job_id);
  if (it == running_.end() || it->second.cancel.get() != attempt) return;
  running_.erase(it);
  auto d = deferred_.find(job_id);
  if (d == deferred_.end()) return;
  Deferred next = std::move(d->second);
  deferred_.erase(d);
  if (stopping_) next.cancel->Cancel();  // left leased to this node for Shutdown() to requeue
  StartOrDeferLocked(std::move(next.job), std::move(next.cfg), next.fn, std::move(next.cancel));
}

void Scheduler::ReleaseSlotLocked(const std::string& job_id, const runtime::CancelToken* attempt,
                                  const std::string& function, bool nothing_due) {
  EndAttemptLocked(job_id, attempt);
  running_by_function_[function]--;
  attempts_--;
  if (!nothing_due || starved_.erase(function) > 0) {
    wake_ = true;
    cv_.Signal();
  }
  drained_.SignalAll();
}

void Scheduler::QueueAttemptLocked(store::Job job, std::shared_ptr<const config::Config> cfg,
                                   const config::Function* fn,
                                   std::shared_ptr<runtime::CancelToken> cancel,
                                   std::optional<runtime::Invocation> prepared) {
  attempts_queue_.push_back([this, job = std::move(job), cfg = std::move(cfg), fn, cancel,
                             prepared = std::move(prepared)]() mutable {
    RunAttempt(std::move(job), std::move(cfg), fn, std::move(cancel), std::move(prepared));
  });
  if (idle_threads_ >= static_cast<int>(attempts_queue_.size())) {
    attempt_cv_.Signal();
    return;
  }
  StartAttemptThreadsLocked(1);
}

void Scheduler::StartAttemptThreadsLocked(int n) {
  for (int i = 0; i < n; ++i) {
    try {
      std::thread([this] { AttemptThread(); }).detach();
      threads_++;
      refusal_logged_ = false;
    } catch (const std::system_error& e) {
      refused_threads_++;
      if (!std::exchange(refusal_logged_, true)) {
        log_.Warn("sched.thread_refused",
                  {{"error", e.what()}, {"threads", std::to_string(threads_), true}});
      }
    }
  }
}

void Scheduler::AttemptThread() {
  base::SetThreadName("lh-attempt");
  base::MutexLock lock(mu_);
  for (;;) {
    idle_threads_++;
    const auto give_up = std::chrono::steady_clock::now() + kIdleThread;
    while (attempts_queue_.empty() && !stopping_ && attempt_cv_.WaitUntil(mu_, give_up)) {
    }
    const bool has_work = !attempts_queue_.empty() || stopping_;
    idle_threads_--;
    if (!has_work || attempts_queue_.empty()) break;  // idle too long, or shutting down
    std::function<void()> attempt = std::move(attempts_queue_.front());
    attempts_queue_.pop_front();
    lock.Unlock();
    attempt();
    attempt = nullptr;  // its captures go before the lock is taken again
    lock.Lock();
  }
  threads_--;
  drained_.SignalAll();  // the last touch of `this`: Shutdown may return once threads_ is 0
}

void Scheduler::RunAttempt(store::Job job, std::shared_ptr<const config::Config> cfg,
                           const config::Function* fn, std::shared_ptr<runtime::CancelToken> cancel,
                           std::optional<runtime::Invocation> prepared) {
  for (;;) {
    bool released = false;
    std::optional<store::Job> next =
        RunOne(job, cfg, *fn, *cancel, released, std::exchange(prepared, std::nullopt));
    base::MutexLock lock(mu_);
    if (!next || stopping_) {
      if (!released) ReleaseSlotLocked(job.id, cancel.get(), fn->name, false);
      lock.Unlock();
      // A next job claimed as the server began to stop never ran: it goes back as it was, not
      // as an attempt cut short (else Shutdown() puts it back with them).
      if (next) (void)store_.Unclaim(next->id, options_.node_id, clock_.Now());
      return;
    }
    // The slot passes to the next job: running_by_function_ and attempts_ stay as they are.
    EndAttemptLocked(job.id, cancel.get());
    cancel = std::make_shared<runtime::CancelToken>();
    if (!BlockerLocked(*next, fn->name).empty()) {
      // An earlier attempt of it (or of its ordering key) still stops on another thread: it
      // starts after that one.
      StartOrDeferLocked(std::move(*next), cfg, fn, std::move(cancel));
      return;
    }
    running_[next->id] = Running{cancel, fn->name, next->ordering_key, nullptr};
    job = std::move(*next);
  }
}

std::optional<store::Job> Scheduler::RunOne(const store::Job& job,
                                            const std::shared_ptr<const config::Config>& cfg,
                                            const config::Function& fn,
                                            runtime::CancelToken& cancel, bool& released,
                                            std::optional<runtime::Invocation> prepared) {
  // A retry scheduled before a reload lowered the function's retries below it does not run.
  const bool retries_lowered = RetriesCutIt(job, fn);
  if (!retries_lowered) ReportStarted(job, fn);
  runtime::Outcome outcome;
  runtime::Runtime* rt = runtimes_(fn);
  if (retries_lowered) {
    // It ends with what its last attempt said, as an expired job does.
    outcome.status =
        base::Aborted("not run again: the function's retries were lowered to " +
                      std::to_string(fn.retries) + "; the last attempt: " + job.last_error);
    outcome.stdout_tail = job.stdout_tail;
    outcome.stderr_tail = job.stderr_tail;
    if (job.result) outcome.response = *job.result;
  } else if (cancel.cancelled()) {
    // Stopped before it started (a direct run whose record was not written): nothing runs.
    outcome.status = base::Cancelled("stopped before it started");
  } else if (rt == nullptr) {
    outcome.status = base::FailedPrecondition("no runtime for function " + fn.name);
  } else {
    runtime::Invocation inv =
        prepared ? std::move(*prepared) : InvocationFor(job, cfg, fn, &cancel);
    try {
      outcome = rt->Run(inv, cancel);
    } catch (const std::bad_alloc&) {  // a limit on the server's memory: the server goes on
      outcome = {};
      outcome.status = base::ResourceExhausted("out of memory while running the attempt");
    }
  }

  std::vector<store::Job> claimed;
  std::vector<store::Job> expired;
  base::Status unrecorded;         // why the outcome could not be written
  bool answered_early = false;     // Answered() told the waiters and freed the slot
  bool wake_after_record = false;  // and work was waiting for the slot then
  double jitter = 0;
  bool take_next = false;
  bool stopped_sync_invoke = false;
  {
    base::MutexLock lock(mu_);
    jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    answered_early = answered_.count(job.id) > 0;
    wake_after_record = answered_while_starved_.erase(job.id) > 0;
    released = released || answered_early;
    // Under a new configuration the loop claims with the new limits. A slot freed by the
    // answer is no longer this thread's to fill.
    take_next = !stopping_ && config_ == cfg && !released;
    if (stopping_ && cancel.cancelled() && IsSyncInvoke(job)) {
      // Stopped by the shutdown: recorded as failed, not left to run again after the restart.
      outcome.status = base::Cancelled("the server stopped during the invocation");
      stopped_sync_invoke = true;
    }
  }
  if (!cancel.cancelled() || stopped_sync_invoke) {
    auto now = clock_.Now();
    const base::Duration retry_after =
        outcome.response_is_answer ? RetryAfter(outcome.response, now).value_or(base::Duration(0))
                                   : base::Duration(0);
    Decision d = outcome.not_started ? DecideNotStarted(IsSyncInvoke(job), now, jitter)
                                     : Decide(outcome.status, job.attempts, job.max_attempts, fn,
                                              now, jitter, retry_after);
    store::Completion c = CompletionFor(job, fn, outcome, d, now, options_.node_id);
    bool caller_waits = false;
    {
      base::MutexLock lock(mu_);
      caller_waits = d.kind == Kind::kRetry ? waiting_callers_.count(job.id) > 0
                                            : waiting_callers_.erase(job.id) > 0;
    }
    if (follow_up_) {
      // A destination's record counts the attempts made: one claimed and not run is not.
      c.follow_up = c.attempt_not_run
                        ? follow_up_(Recorded(job, c), fn, outcome, d.kind, caller_waits)
                        : follow_up_(job, fn, outcome, d.kind, caller_waits);
    }
    base::Status s;
    // Waiters hear of the outcome as soon as it is committed, from the store's writer thread
    // (one thread hand-off less than waking this one first). The job as recorded is built here,
    // not on the writer; a waiter that subscribes meanwhile reads it back below.
    std::shared_ptr<const store::Job> recorded;
    if (hub_.HasWaiters(job.id)) recorded = std::make_shared<const store::Job>(Recorded(job, c));
    bool claimed_with_outcome = false;
    auto tell_waiters = [&] {
      if (answered_early) {
        base::MutexLock lock(mu_);
        answered_.erase(job.id);
      } else if (claimed_with_outcome && claimed.empty()) {
        // Nothing was due for this slot when the outcome committed: free it before anyone
        // hears of the outcome, so that a caller's next request finds it free (and the loop
        // is woken only if work waits for it).
        base::MutexLock lock(mu_);
        ReleaseSlotLocked(job.id, &cancel, fn.name, true);
        released = true;
      }
      if (recorded) hub_.Notify(job.id, store::IsTerminal(recorded->state) ? recorded : nullptr);
    };
    if (take_next) {
      // This slot's next job comes with the outcome's commit (no round through the loop).
      store::ClaimRequest req = ClaimRequestFor(fn, 1, now);
      req.expired = &expired;
      req.claimed_with_outcome = &claimed_with_outcome;
      s = store_.CompleteAndClaim(c, req, &claimed, tell_waiters);
    } else {
      s = store_.Complete(c);
      if (s.ok()) tell_waiters();
    }
    // Aborted: the lease was lost, the outcome is not ours. Else the store cannot write (disk
    // full): the loop records it once it can, before the lease runs out (RecordUnrecorded).
    if (!s.ok()) {
      const std::string error = s.ToString();
      const bool lost = s.code() == base::Code::kAborted;
      log_.Warn(lost ? "job.outcome_dropped" : "job.outcome_unrecorded",
                {{"job", job.id}, {"function", fn.name}, {"route", job.route}, {"error", error}});
      if (!lost) {
        unrecorded = s;
        base::MutexLock lock(mu_);
        unrecorded_.push_back(Unrecorded{c, job, outcome, cfg, &fn});
      }
    } else {
      OutcomeRecorded(job, fn, outcome, d.kind, &c);
    }
    // The loop's next sleep must end at the retry; or, the slot freed by an early answer was
    // not yet free in the store (this outcome was unrecorded) when the loop tried to fill it.
    if (d.kind == Kind::kRetry || wake_after_record) Wake();
  } else {
    log_.Info("job.stopped", {{"job", job.id}, {"function", fn.name}, {"route", job.route}});
    CallerGone(job.id);
    // Cancelled: what it wrote until then stays with the job (how far did it get?).
    if (!outcome.stdout_tail.empty() || !outcome.stderr_tail.empty()) {
      (void)store_.KeepStoppedOutput(job.id, outcome.stdout_tail, outcome.stderr_tail);
    }
  }
  if (answered_early) {
    base::MutexLock lock(mu_);
    answered_.erase(job.id);  // recorded, or never will be by this attempt
  }
  if (!unrecorded.ok()) {
    // A caller waiting for the outcome hears that it is not recorded (503), not, once its wait
    // is over, that the job keeps running.
    hub_.NotifyUnrecorded(job.id, base::Unavailable("job " + job.id +
                                                    " ran, but its outcome could not be "
                                                    "recorded, and is once the store can write "
                                                    "again: " +
                                                    unrecorded.ToString()));
  } else {
    // Waiters the commit did not tell (the attempt was stopped, or they subscribed meanwhile)
    // get the job as the store has it.
    std::shared_ptr<const store::Job> read;
    if (hub_.HasWaiters(job.id)) {
      if (auto r = store_.Get(job.id); r.ok()) {
        read = std::make_shared<const store::Job>(std::move(*r));
      }
    }
    hub_.Notify(job.id, read && store::IsTerminal(read->state) ? read : nullptr);
  }
  ReportExpired(expired, fn);
  if (claimed.empty()) return std::nullopt;
  return std::move(claimed.front());
}

runtime::Invocation Scheduler::InvocationFor(const store::Job& job,
                                             const std::shared_ptr<const config::Config>& cfg,
                                             const config::Function& fn,
                                             const runtime::CancelToken* attempt) {
  runtime::Invocation inv;
  inv.job_id = job.id;
  inv.attempt = job.attempts;
  inv.interrupted = job.interruptions;
  inv.config = cfg;
  inv.function = &fn;
  inv.request = job.request;
  inv.route = job.route;
  inv.deadline = clock_.Now() + fn.timeout;
  inv.caller_waits = [this, id = job.id] { return CallerWaitsFor(id); };
  inv.live = std::make_shared<runtime::LiveOutput>();
  if (hub_.HasWaiters(job.id)) {
    // `fn` lives as long as `inv.config`.
    inv.answered = [this, head = WithoutRequest(job), attempt, fn = &fn](
                       const runtime::Outcome& answer) { Answered(head, attempt, *fn, answer); };
  }
  base::MutexLock lock(mu_);
  if (auto it = running_.find(job.id); it != running_.end()) it->second.live = inv.live;
  return inv;
}

}  // namespace longhaul::sched
