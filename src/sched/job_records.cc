#include "sched/job_records.h"

namespace longhaul::sched {

store::Job Recorded(store::Job job, const store::Completion& c) {
  using Kind = store::Completion::Kind;
  switch (c.kind) {
    case Kind::kSucceeded:
      job.state = store::JobState::kSucceeded;
      break;
    case Kind::kRetry:
      job.state = store::JobState::kRetrying;
      break;
    case Kind::kFailed:
      job.state = store::JobState::kFailed;
      break;
    case Kind::kDead:
      job.state = store::JobState::kDead;
      break;
  }
  job.updated_at = c.now;
  if (store::IsTerminal(job.state)) {
    job.finished_at = c.now;
  } else {
    job.next_run_at = c.next_run_at;
  }
  job.lease_owner.clear();
  job.lease_expires_at = {};
  job.last_error = c.error;
  job.stdout_tail = c.stdout_tail;
  job.stderr_tail = c.stderr_tail;
  job.result = c.result;
  if (c.attempt_not_run) job.attempts--;
  if (c.max_attempts > 0 && c.max_attempts < job.max_attempts) job.max_attempts = c.max_attempts;
  return job;
}

store::Completion CompletionFor(const store::Job& job, const config::Function& fn,
                                const runtime::Outcome& outcome, const Decision& d,
                                base::TimePoint now, const std::string& owner) {
  store::Completion c;
  c.job_id = job.id;
  c.owner = owner;
  c.kind = d.kind;
  c.now = now;
  c.next_run_at = d.next_run_at;
  if (outcome.status.ok() || outcome.response_is_answer || !outcome.response.body.empty()) {
    c.result = outcome.response;
  }
  if (!outcome.status.ok()) c.error = outcome.status.ToString();
  c.stdout_tail = outcome.stdout_tail;
  c.stderr_tail = outcome.stderr_tail;
  c.max_attempts = fn.retries + 1;
  c.attempt_not_run = RetriesCutIt(job, fn) || outcome.not_started;
  return c;
}

bool RetriesCutIt(const store::Job& job, const config::Function& fn) {
  return job.attempts > fn.retries + 1;
}

store::Job WithoutRequest(const store::Job& job) {
  store::Job head;
  head.id = job.id;
  head.function = job.function;
  head.route = job.route;
  head.idempotency_key = job.idempotency_key;
  head.ordering_key = job.ordering_key;
  head.state = job.state;
  head.attempts = job.attempts;
  head.max_attempts = job.max_attempts;
  head.created_at = job.created_at;
  head.next_run_at = job.next_run_at;
  head.expires_at = job.expires_at;
  head.started_at = job.started_at;
  return head;
}

}  // namespace longhaul::sched
