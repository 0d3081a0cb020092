// The Scheduler's reports of what became of jobs: to the log, to the observers (destinations),
// and, for outcomes the store could not write at first, to the store once it can (at a stop:
// shutdown.cc); and what a running attempt has written so far. The rest of the Scheduler is in
// scheduler.cc.
#include <set>
#include <string>
#include <string_view>

#include "base/time_format.h"
#include "sched/scheduler.h"

namespace longhaul::sched {

namespace {

// What a failed attempt said, for the log: the first thing an operator looks for. A command's
// last words (its stderr, else its stdout: at most kLogged bytes, from a line's start when
// that keeps most of them, else from within a long line, marked "…"); a Lambda function's,
// the same way (what it wrote during the invocation: a runtime's error with its stack trace,
// often one long JSON line); an upstream's answer's first kLogged bytes (its error page or
// JSON).
std::string LastOutput(const runtime::Outcome& outcome, config::RuntimeKind kind) {
  constexpr size_t kLogged = 1024;
  if (kind == config::RuntimeKind::kHttp) {
    return outcome.response.body.substr(0, kLogged);
  }
  std::string_view out = kind == config::RuntimeKind::kLambda ? outcome.function_output
                         : outcome.stderr_tail.empty()        ? outcome.stdout_tail
                                                              : outcome.stderr_tail;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
    out.remove_suffix(1);
  }
  if (out.size() > kLogged) {
    out = out.substr(out.size() - kLogged);
    if (size_t line = out.find('\n'); line < kLogged / 4) return std::string(out.substr(line + 1));
    return "…" + std::string(out);
  }
  return std::string(out);
}

}  // namespace

std::optional<runtime::LiveOutput::Tails> Scheduler::LiveOutputOf(const std::string& job_id) const {
  std::shared_ptr<runtime::LiveOutput> live;
  {
    base::MutexLock lock(mu_);
    auto it = running_.find(job_id);
    if (it == running_.end() || it->second.live == nullptr) return std::nullopt;
    live = it->second.live;
  }
  return live->Snapshot();
}

void Scheduler::OutcomeRecorded(const store::Job& job, const config::Function& fn,
                                const runtime::Outcome& outcome, store::Completion::Kind kind,
                                const store::Completion* c) {
  static constexpr std::string_view kEvents[] = {"job.succeeded", "job.retrying", "job.failed",
                                                 "job.dead"};
  const std::string_view event = kEvents[static_cast<int>(kind)];
  const std::string attempt = std::to_string(job.attempts - (c != nullptr && c->attempt_not_run));
  if (kind == store::Completion::Kind::kSucceeded) {
    log_.Info(
        event,
        {{"job", job.id}, {"function", fn.name}, {"route", job.route}, {"attempt", attempt, true}});
  } else {
    // A retry says when it runs (an operator's first question about a retrying job).
    const std::string next = kind == store::Completion::Kind::kRetry && c != nullptr
                                 ? base::FormatIsoMillis(c->next_run_at)
                                 : "";
    // Named: the fields only view them.
    // As the job keeps it (last_error): its kind first.
    const std::string error = outcome.status.ok() ? "" : outcome.status.ToString();
    const std::string output = LastOutput(outcome, fn.kind);
    const base::LogField fields[] = {
        {"job", job.id},  {"function", fn.name}, {"route", job.route}, {"attempt", attempt, true},
        {"error", error}, {"output", output},    {"next_run_at", next}};
    log_.Log(base::LogLevel::kWarn, event,
             std::span<const base::LogField>(fields, next.empty() ? 6 : 7));
  }
  if (c != nullptr && c->follow_up.has_value()) WakeFor(c->follow_up->function);
}

void Scheduler::ReportStarted(const store::Job& job, const config::Function& fn) {
  log_.Info("job.started", {{"job", job.id},
                            {"function", fn.name},
                            {"route", job.route},
                            {"attempt", std::to_string(job.attempts), true}});
}

void Scheduler::ReportExpired(const std::vector<store::Job>& expired, const config::Function& fn) {
  for (const auto& job : expired) {
    log_.Warn("job.expired", {{"job", job.id},
                              {"function", fn.name},
                              {"route", job.route},
                              {"created_at", base::FormatIsoMillis(job.created_at)}});
    if (expiry_follow_up_) AppendFollowUp(expiry_follow_up_(job, fn), job.id);
  }
}

void Scheduler::ReportUnconfiguredWork(const config::Config& cfg) {
  auto queued = store_.QueuedFunctions();
  if (!queued.ok()) return;  // a failed store shows in Healthy()
  std::set<std::string> names(queued->begin(), queued->end());
  {
    // A job running now waits too once its attempt ends (a reload removed its function).
    base::MutexLock lock(mu_);
    for (const auto& [name, running] : running_by_function_) {
      if (running > 0) names.insert(name);
    }
  }
  for (const std::string& name : names) {
    if (cfg.FindFunction(name) != nullptr) continue;
    log_.Warn("sched.function_missing",
              {{"function", name},
               {"reason",
                "the config has no such function: its jobs (queued, retrying, and running ones "
                "once their attempt ends) wait until it has one again (or an operator cancels "
                "them)"}});
  }
}

base::Result<int> Scheduler::RecoverLeases(base::TimePoint now, std::string_view owner,
                                           const std::shared_ptr<const config::Config>& cfg,
                                           bool stopped) {
  std::vector<std::string> dead;
  auto recovered =
      stopped ? store_.ReleaseLeases(now, owner, &dead) : store_.RecoverLeases(now, owner, &dead);
  if (!recovered.ok()) return recovered;
  for (const auto& id : dead) {
    auto job = store_.Get(id);
    const config::Function* fn =
        cfg == nullptr || !job.ok() ? nullptr : cfg->FindFunction(job->function);
    if (fn == nullptr) {  // its function is gone: nothing to send it to
      if (job.ok()) {
        log_.Warn("job.dead",
                  {{"job", id}, {"function", job->function}, {"error", job->last_error}});
      }
      continue;
    }
    runtime::Outcome outcome;
    outcome.status = base::Unavailable(job->last_error);
    OutcomeRecorded(*job, *fn, outcome, store::Completion::Kind::kDead);
    // Its on_failure: appended apart from the recovery that left it dead (a crash between the
    // two loses it; an attempt's outcome commits with its follow-up).
    if (follow_up_)
      AppendFollowUp(follow_up_(*job, *fn, outcome, store::Completion::Kind::kDead, false), id);
  }
  return recovered;
}

void Scheduler::AppendFollowUp(std::optional<store::NewJob> next, const std::string& for_job) {
  if (!next) return;
  std::string target = next->function;
  store_.Append(std::move(*next), [this, for_job, target = std::move(target)](
                                      base::Result<store::AppendResult> r) {
    if (r.ok()) {
      WakeFor(target);
    } else {
      log_.Error("destination.append_failed",
                 {{"job", for_job}, {"function", target}, {"error", r.status().message()}});
    }
  });
}

void Scheduler::RecordUnrecorded() {
  std::vector<Unrecorded> pending;
  {
    base::MutexLock lock(mu_);
    pending.swap(unrecorded_);
  }
  for (Unrecorded& u : pending) {
    const store::Completion& c = u.completion;
    base::Status s = store_.Healthy();
    if (s.ok()) s = store_.Complete(c);
    if (s.ok()) {
      log_.Info("job.outcome_recorded",
                {{"job", c.job_id}, {"function", u.job.function}, {"route", u.job.route}});
      OutcomeRecorded(u.job, *u.fn, u.outcome, c.kind, &c);
      hub_.Notify(c.job_id);
    } else if (s.code() == base::Code::kAborted) {
      log_.Warn("job.outcome_dropped", {{"job", c.job_id},
                                        {"function", u.job.function},
                                        {"route", u.job.route},
                                        {"error", s.ToString()}});
      hub_.Notify(c.job_id);
    } else {
      base::MutexLock lock(mu_);
      unrecorded_.push_back(std::move(u));
    }
  }
}

}  // namespace longhaul::sched
