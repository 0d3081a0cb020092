// Scheduler: claims runnable jobs from the store within each function's concurrency limit
// (per-key FIFO and leases are the store's Claim contract), runs each attempt on its own
// thread through the function's Runtime, renews leases while it runs, and records the outcome
// (retry with backoff, dead, failed, succeeded) through the retry policy. The commit that
// records an outcome also claims the function's next job for the freed slot
// (Store::CompleteAndClaim), and the same thread runs it; the loop claims for the rest (new
// work for idle slots, retries coming due, a new configuration).
//
// Thread-safety: all public methods may be called from any thread. One internal loop thread
// claims; each running attempt has a thread of its own that calls Runtime::Run (blocking is
// fine there). Attempt threads are reused: one that finished waits up to kIdleThread for the
// next attempt before it exits, so a busy function does not pay a thread start per job.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "config/config.h"
#include "runtime/runtime.h"
#include "sched/completion_hub.h"
#include "sched/retry_policy.h"
#include "store/store.h"

namespace longhaul::sched {

struct SchedulerOptions {
  std::string node_id = "local";
  base::Duration lease = std::chrono::seconds(30);
  base::Duration poll_interval = std::chrono::seconds(1);
  base::Duration shutdown_grace = std::chrono::seconds(30);
  // Finished jobs deleted per round at most (server.retention): claims wait for a round.
  int purge_per_round = 10000;
};

// Returns the runtime for a function, or nullptr when its kind has none (the job fails).
using RuntimeResolver = std::function<runtime::Runtime*(const config::Function&)>;

// For each final outcome (succeeded, failed, dead): the job to append with it, in the same
// transaction (a destination's invocation record), or nullopt. `caller_waits`: a caller was
// waiting for this outcome (the answer of a sync or auto route). May be empty.
using FollowUpMaker = std::function<std::optional<store::NewJob>(
    const store::Job& job, const config::Function& fn, const runtime::Outcome& outcome,
    store::Completion::Kind kind, bool caller_waits)>;

// For each job a claim moved to dead because it outlived max_event_age before it ran again (no
// attempt, so no outcome): the job to append for it, or nullopt. May be empty.
using ExpiryFollowUpMaker =
    std::function<std::optional<store::NewJob>(const store::Job& job, const config::Function& fn)>;

class Scheduler {
 public:
  Scheduler(store::Store& store, const base::Clock& clock, base::Logger& log, CompletionHub& hub,
            SchedulerOptions options, RuntimeResolver runtimes);
  ~Scheduler();  // calls Shutdown()

  // Takes back this node's leftover running jobs (a crash or kill before), then starts the loop.
  base::Status Start(std::shared_ptr<const config::Config> config);
  // Replaces the configuration used for new claims (SIGHUP); running attempts keep theirs.
  void SetConfig(std::shared_ptr<const config::Config> config);
  // Asks the loop to look for work now (new job appended, job retried).
  void Wake();
  // Same, for new work of `function`; does nothing while this node already runs as many of its
  // jobs as its concurrency allows (no claim could succeed; a finishing attempt wakes the loop).
  void WakeFor(const std::string& function);
  // Direct runs, for a caller that waits for the result (a synchronous Invoke): the job skips
  // the loop's claim and runs at once when this node has a free slot for `fn`. ReserveDirect
  // takes the slot and marks `job` as claimed by this node (store::NewJob::claimed_by); it
  // returns the job as it will be stored, or nullopt (no free slot, keys, shutting down, or the
  // free slots held by a claim under way: append it as usual); `busy`, when given, is set when
  // no slot was free at all. Once the append is queued, StartDirect runs it (its runtime may begin
  // it on the calling thread: runtime::Runtime::Begin); when the append fails, CancelLocal(id)
  // stops it (it does not run if it has not started yet) and frees the slot. The slot counts
  // against this node's share of `fn.concurrency`, as the claims' own count of running jobs does
  // for a store with one node.
  std::optional<store::Job> ReserveDirect(const config::Function& fn, store::NewJob& job,
                                          bool* busy = nullptr);
  void StartDirect(store::Job job, std::shared_ptr<const config::Config> cfg,
                   const config::Function* fn);
  // Whether `job_id`'s final answer was told to its waiters (CompletionHub::NotifyAnswer) and
  // its outcome is not recorded yet: a reader that must see the outcome waits for the hub.
  bool AnsweredUnrecorded(const std::string& job_id) const;
  // What the attempt of `job_id` running on this node has written so far, or nullopt when none
  // runs here (GET /jobs/{id} while the job runs).
  std::optional<runtime::LiveOutput::Tails> LiveOutputOf(const std::string& job_id) const;
  // The jobs AnsweredUnrecorded() is true of now (usually none): a list waits for them.
  std::vector<std::string> AnsweredUnrecordedIds() const;
  // A route's caller waits for `job_id`'s outcome (from before its append), until CallerGone()
  // (its wait ran out, or it hung up); one that got the outcome stays counted until it is
  // recorded. A final outcome that no caller waits for is an asynchronous invocation's
  // (destinations), and a Lambda function's answer to nobody is kept as it is (Invocation::
  // caller_waits). After a restart no caller waits for anything.
  void CallerWaits(const std::string& job_id);
  void CallerGone(const std::string& job_id);
  bool CallerWaitsFor(const std::string& job_id) const;
  // Stops a running attempt in this process, if there is one. Returns whether there was.
  bool CancelLocal(const std::string& job_id);
  // Stops claiming, gives running attempts `shutdown_grace`, cancels the rest and puts their
  // jobs back in the queue. Blocks until every attempt thread has ended. Idempotent.
  void Shutdown();
  // Ends the grace of a Shutdown() under way (or to come) now: its running attempts are
  // cancelled at once (an operator's second SIGTERM).
  void EndGrace();

  void set_follow_up(FollowUpMaker f) { follow_up_ = std::move(f); }
  void set_expiry_follow_up(ExpiryFollowUpMaker f) { expiry_follow_up_ = std::move(f); }
  int running() const;
  // Whether Shutdown() has begun: nothing new runs (what is stored waits for the next start).
  bool stopping() const;

 private:
  struct Running {
    std::shared_ptr<runtime::CancelToken> cancel;
    std::string function;
    std::string ordering_key;                   // empty: none
    std::shared_ptr<runtime::LiveOutput> live;  // set with its invocation (InvocationFor)
  };

  void Loop();
  void ClaimOnce(const std::shared_ptr<const config::Config>& cfg);
  // Logs a recorded outcome; `c` (when given) is what was recorded: the function of its
  // follow-up job is woken.
  void OutcomeRecorded(const store::Job& job, const config::Function& fn,
                       const runtime::Outcome& outcome, store::Completion::Kind kind,
                       const store::Completion* c = nullptr);
  // Records the outcomes the store could not write when their attempts ended (unrecorded_).
  void RecordUnrecorded();
  // At Shutdown(): tries again until they are written, `grace_ends` or EndGrace(); logs the
  // ones still not written (their jobs run again at the next start).
  void RecordUnrecordedBeforeStop(std::chrono::steady_clock::time_point grace_ends);
  void RenewLeases();
  void Launch(store::Job job, std::shared_ptr<const config::Config> cfg,
              const config::Function* fn);
  // Queues the attempt of a job whose slot is taken (running_, attempts_).
  // `prepared`: the attempt's invocation, made (and maybe begun) before it was queued.
  void QueueAttemptLocked(store::Job job, std::shared_ptr<const config::Config> cfg,
                          const config::Function* fn, std::shared_ptr<runtime::CancelToken> cancel,
                          std::optional<runtime::Invocation> prepared = std::nullopt)
      LH_REQUIRES(mu_);
  // Starts the attempt of a job whose slot is taken (running_by_function_, attempts_) under
  // `cancel`, or, while an earlier attempt of the same job still runs here (cancelled, then
  // retried and claimed again before it stopped), or a cancelled job of its ordering key (the
  // store let the key's next job go at the cancel), defers it until that attempt ends: two
  // attempts of one job, or two jobs of one key, never run side by side.
  void StartOrDeferLocked(store::Job job, std::shared_ptr<const config::Config> cfg,
                          const config::Function* fn, std::shared_ptr<runtime::CancelToken> cancel)
      LH_REQUIRES(mu_);
  // The job whose attempt running here `job` must wait for (see StartOrDeferLocked), or "".
  std::string BlockerLocked(const store::Job& job, const std::string& function) const
      LH_REQUIRES(mu_);
  // The attempt of `job_id` running under `attempt` has ended (or handed its slot on): forgets
  // it, unless running_ already belongs to a later attempt, and starts a deferred one.
  void EndAttemptLocked(const std::string& job_id, const runtime::CancelToken* attempt)
      LH_REQUIRES(mu_);
  // Frees the slot of the attempt of `job_id` under `attempt` that ended or never started
  // (EndAttemptLocked), and wakes the loop to fill it unless `nothing_due` (a claim for the slot
  // found nothing) and no work waited for a slot since (starved_).
  void ReleaseSlotLocked(const std::string& job_id, const runtime::CancelToken* attempt,
                         const std::string& function, bool nothing_due) LH_REQUIRES(mu_);
  void RunAttempt(store::Job job, std::shared_ptr<const config::Config> cfg,
                  const config::Function* fn, std::shared_ptr<runtime::CancelToken> cancel,
                  std::optional<runtime::Invocation> prepared);
  // Runs `job`'s attempt and records its outcome; returns the function's next job when the
  // record claimed one for this slot (Store::CompleteAndClaim). Sets `released` when it freed
  // the slot itself (nothing was due: freed before the outcome's waiters hear of it).
  std::optional<store::Job> RunOne(const store::Job& job,
                                   const std::shared_ptr<const config::Config>& cfg,
                                   const config::Function& fn, runtime::CancelToken& cancel,
                                   bool& released, std::optional<runtime::Invocation> prepared);
  // The runtime's answer came before the attempt ended (runtime::Invocation::answered): tells
  // the waiters that take an answer and frees the slot, unless the job will be retried.
  // `job` is the job as it ran, without its request (it is not copied for the waiters).
  void Answered(const store::Job& job, const runtime::CancelToken* attempt,
                const config::Function& fn, const runtime::Outcome& answer);
  // The invocation of `job`'s attempt under `attempt`; its `answered` calls Answered() when
  // anyone waits.
  runtime::Invocation InvocationFor(const store::Job& job,
                                    const std::shared_ptr<const config::Config>& cfg,
                                    const config::Function& fn,
                                    const runtime::CancelToken* attempt);
  store::ClaimRequest ClaimRequestFor(const config::Function& fn, int limit,
                                      base::TimePoint now) const;
  void ReportStarted(const store::Job& job, const config::Function& fn);
  void ReportExpired(const std::vector<store::Job>& expired, const config::Function& fn);
  // Appends the follow-up of `for_job` when the job itself was recorded apart (expired, or
  // left dead by a recovery), then wakes its function.
  void AppendFollowUp(std::optional<store::NewJob> next, const std::string& for_job);
  // Logs each function that has queued or retrying jobs but is not in `cfg`: they wait.
  void ReportUnconfiguredWork(const config::Config& cfg);
  // store::Store::RecoverLeases (with `stopped`, ReleaseLeases: this process's shutdown), then
  // the jobs it left dead are reported as a recorded outcome is (the log, destinations).
  // Returns how many jobs it took back.
  base::Result<int> RecoverLeases(base::TimePoint now, std::string_view owner,
                                  const std::shared_ptr<const config::Config>& cfg,
                                  bool stopped = false);
  void AttemptThread();  // runs attempts from attempts_queue_ until idle for kIdleThread
  // Starts `n` attempt threads. One the system refuses (a tasks limit) leaves its attempt queued:
  // a busy thread takes it when free, and each round of Loop() tries again.
  void StartAttemptThreadsLocked(int n) LH_REQUIRES(mu_);

  static constexpr base::Duration kIdleThread = std::chrono::seconds(30);

  store::Store& store_;
  const base::Clock& clock_;
  base::Logger& log_;
  CompletionHub& hub_;
  SchedulerOptions options_;
  RuntimeResolver runtimes_;
  FollowUpMaker follow_up_;
  base::LogThrottle claim_failed_log_;
  ExpiryFollowUpMaker expiry_follow_up_;

  mutable base::Mutex mu_;
  base::CondVar cv_;          // loop wake-ups
  base::CondVar drained_;     // attempts and attempt threads ending
  base::CondVar attempt_cv_;  // idle attempt threads wait here
  std::shared_ptr<const config::Config> config_ LH_GUARDED_BY(mu_);
  bool wake_ LH_GUARDED_BY(mu_) = false;
  bool stopping_ LH_GUARDED_BY(mu_) = false;
  bool stopped_ LH_GUARDED_BY(mu_) = false;
  bool grace_ended_ LH_GUARDED_BY(mu_) = false;                          // EndGrace()
  std::unordered_map<std::string, Running> running_ LH_GUARDED_BY(mu_);  // by job id
  // Attempts claimed while an earlier attempt of the same job, or a cancelled one of the same
  // ordering key, still stopped here (StartOrDeferLocked), by the id of the job they wait for
  // (BlockerLocked); each holds its slot already.
  struct Deferred {
    store::Job job;
    std::shared_ptr<const config::Config> cfg;
    const config::Function* fn;
    std::shared_ptr<runtime::CancelToken> cancel;
  };
  std::unordered_map<std::string, Deferred> deferred_ LH_GUARDED_BY(mu_);
  std::map<std::string, int> running_by_function_ LH_GUARDED_BY(mu_);
  // The free slots ClaimOnce holds for the claim it is running (by function): direct runs do
  // not take them, since the store's count cannot see a direct run before its append.
  std::map<std::string, int> claiming_ LH_GUARDED_BY(mu_);
  // Outcomes of ended attempts that the store failed to write (disk full): their jobs stay
  // running in the store, counted against the concurrency, until these are recorded. With what
  // the observer needs once they are (a destination's record).
  struct Unrecorded {
    store::Completion completion;
    store::Job job;
    runtime::Outcome outcome;
    std::shared_ptr<const config::Config> cfg;  // keeps `fn` alive
    const config::Function* fn;
  };
  std::vector<Unrecorded> unrecorded_ LH_GUARDED_BY(mu_);
  // Functions whose due work found no free slot (WakeFor, ClaimOnce): freeing one of their
  // slots wakes the loop.
  std::set<std::string> starved_ LH_GUARDED_BY(mu_);
  std::unordered_set<std::string> answered_ LH_GUARDED_BY(mu_);  // AnsweredUnrecorded()
  // Of answered_, the jobs answered while their function had work waiting (starved_): once
  // their outcome is recorded, the store counts their slot free too, and the loop must claim.
  std::unordered_set<std::string> answered_while_starved_ LH_GUARDED_BY(mu_);
  std::unordered_set<std::string> waiting_callers_ LH_GUARDED_BY(mu_);  // CallerWaits()
  // Attempts waiting for a thread.
  std::deque<std::function<void()>> attempts_queue_ LH_GUARDED_BY(mu_);
  int attempts_ LH_GUARDED_BY(mu_) = 0;             // attempts launched and not yet finished
  int threads_ LH_GUARDED_BY(mu_) = 0;              // attempt threads alive
  int idle_threads_ LH_GUARDED_BY(mu_) = 0;         // of those, waiting for an attempt
  int refused_threads_ LH_GUARDED_BY(mu_) = 0;      // attempt threads the system would not start
  bool refusal_logged_ LH_GUARDED_BY(mu_) = false;  // since the last thread that started
  std::mt19937_64 rng_ LH_GUARDED_BY(mu_){std::random_device{}()};
  std::thread loop_;
};

}  // namespace longhaul::sched
