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
  return job;
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
