#include "store/sqlite/internal/job_row.h"

#include <string>

#include "store/sqlite/internal/codec.h"

namespace longhaul::store::sqlite::internal {

using base::FromUnixMs;
using base::Status;
using base::TimePoint;
using base::ToUnixMs;

namespace {

constexpr const char* kGetBySeq =
    "SELECT " LH_JOB_COLUMNS ", r.body" LH_JOB_FROM "WHERE j.seq = ?1";

}  // namespace

std::optional<int64_t> ExpiresAtColumn(TimePoint t) {
  // TimePoint{} (the epoch) means "never expires", stored as NULL.
  if (t == TimePoint{}) {
    return std::nullopt;
  }
  return ToUnixMs(t);
}

Status ReadJob(const Query& q, bool with_body, Job& job) {
  job.id = q.String(1);
  job.function = q.String(2);
  job.route = q.String(3);
  job.idempotency_key = q.String(4);
  job.ordering_key = q.String(5);
  std::optional<JobState> state = ParseJobState(q.View(6));
  if (!state.has_value()) {
    return base::Internal("job " + job.id + " has unknown state '" + q.String(6) + "'");
  }
  job.state = *state;
  job.attempts = static_cast<int>(q.Int(7));
  job.max_attempts = static_cast<int>(q.Int(8));
  job.created_at = FromUnixMs(q.Int(9));
  job.updated_at = FromUnixMs(q.Int(10));
  job.next_run_at = FromUnixMs(q.Int(11));
  job.expires_at = q.IsNull(12) ? TimePoint{} : FromUnixMs(q.Int(12));
  job.started_at.reset();
  if (!q.IsNull(13)) {
    job.started_at = FromUnixMs(q.Int(13));
  }
  job.finished_at.reset();
  if (!q.IsNull(14)) {
    job.finished_at = FromUnixMs(q.Int(14));
  }
  job.lease_owner = q.String(15);
  job.lease_expires_at = FromUnixMs(q.Int(16));
  job.last_error = q.String(17);
  job.result.reset();
  if (!q.IsNull(18)) {
    Response& r = job.result.emplace();
    r.status = static_cast<int>(q.Int(18));
    LH_RETURN_IF_ERROR(DecodeHeaders(q.View(19), r.headers));
    r.body = q.String(22);
  }
  job.stdout_tail = q.String(20);
  job.stderr_tail = q.String(21);
  Request& req = job.request;
  req.method = q.String(23);
  req.path = q.String(24);
  req.query = q.String(25);
  req.remote_addr = q.String(26);
  LH_RETURN_IF_ERROR(DecodeHeaders(q.View(27), req.headers));
  LH_RETURN_IF_ERROR(DecodeHeaders(q.View(28), req.path_params));
  job.interruptions = static_cast<int>(q.Int(29));
  if (with_body) {
    req.body = q.String(30);
  } else {
    req.body.clear();
  }
  return Status::Ok();
}

Status GetBySeq(Connection& c, int64_t seq, Job& job) {
  Query q(c, kGetBySeq);
  q.Bind(1, seq);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return base::Internal("job row " + std::to_string(seq) + " vanished inside a transaction");
  }
  return ReadJob(q, /*with_body=*/true, job);
}

}  // namespace longhaul::store::sqlite::internal
