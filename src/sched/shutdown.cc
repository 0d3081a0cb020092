// The Scheduler's stop: running attempts get the grace, the rest are cancelled and put back
// for the next start, and outcomes the store could not write get the grace to be written. The
// rest of the Scheduler is in scheduler.cc.
#include <algorithm>
#include <vector>

#include "sched/scheduler.h"

namespace longhaul::sched {

void Scheduler::EndGrace() {
  base::MutexLock lock(mu_);
  grace_ended_ = true;
  drained_.SignalAll();
}

void Scheduler::Shutdown() {
  {
    base::MutexLock lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    cv_.Signal();
  }
  if (loop_.joinable()) loop_.join();
  base::MutexLock lock(mu_);
  const auto grace_ends = std::chrono::steady_clock::now() + options_.shutdown_grace;
  while (attempts_ != 0 && !grace_ended_ && drained_.WaitUntil(mu_, grace_ends)) {
  }
  if (attempts_ != 0) {
    log_.Warn("sched.shutdown_cancelling", {{"running", std::to_string(attempts_), true}});
    for (auto& [id, r] : running_) r.cancel->Cancel();
    while (attempts_ != 0) drained_.Wait(mu_);
  }
  attempt_cv_.SignalAll();  // idle attempt threads see stopping_ and exit
  while (threads_ != 0) drained_.Wait(mu_);
  std::shared_ptr<const config::Config> cfg = config_;
  lock.Unlock();
  RecordUnrecordedBeforeStop(grace_ends);
  // Attempts cut short stay leased to us; put them back so a restart runs them at once.
  auto r = RecoverLeases(clock_.Now(), options_.node_id, cfg, /*stopped=*/true);
  if (r.ok() && *r > 0) log_.Info("sched.requeued", {{"jobs", std::to_string(*r), true}});
}

void Scheduler::RecordUnrecordedBeforeStop(std::chrono::steady_clock::time_point grace_ends) {
  // The store reopens by itself once it can write again (the server's watch goes on through
  // the drain): each try finds out.
  for (;;) {
    RecordUnrecorded();
    base::MutexLock lock(mu_);
    if (unrecorded_.empty() || grace_ended_) break;
    const auto now = std::chrono::steady_clock::now();
    if (now >= grace_ends) break;
    (void)drained_.WaitUntil(mu_, std::min(grace_ends, now + std::chrono::milliseconds(100)));
  }
  std::vector<Unrecorded> lost;
  {
    base::MutexLock lock(mu_);
    lost.swap(unrecorded_);
  }
  for (const Unrecorded& u : lost) {
    log_.Warn("job.outcome_lost",
              {{"job", u.job.id},
               {"function", u.fn->name},
               {"route", u.job.route},
               {"reason",
                "the store could not write its outcome before the server stopped; the job is "
                "treated as cut short at the next start"}});
  }
}

}  // namespace longhaul::sched
