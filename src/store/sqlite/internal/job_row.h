// What the job queries share: the SQL fragments for whole jobs and for the partial-index
// conditions, and reading a job row back (job_table.cc writes, job_reads.cc reads).
// Thread-safety: as Connection: one thread at a time per connection.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"
#include "base/status.h"
#include "store/job.h"
#include "store/sqlite/internal/connection.h"

// Column list shared by every query that returns whole jobs; ReadJob() reads it by position.
#define LH_JOB_COLUMNS                                                                         \
  "j.seq, j.id, j.function, j.route, j.idempotency_key, j.ordering_key, j.state, j.attempts, " \
  "j.max_attempts, j.created_at, j.updated_at, j.next_run_at, j.expires_at, j.started_at, "    \
  "j.finished_at, j.lease_owner, j.lease_expires_at, j.last_error, j.result_status, "          \
  "j.result_headers, j.stdout_tail, j.stderr_tail, j.result_body, r.method, r.path, r.query, " \
  "r.remote_addr, r.headers, r.path_params, j.interruptions"
// The same positions for a listing (Store::List): the result's status but not its headers or
// body, no output tails, and of the request only its line.
#define LH_JOB_SUMMARY_COLUMNS                                                                 \
  "j.seq, j.id, j.function, j.route, j.idempotency_key, j.ordering_key, j.state, j.attempts, " \
  "j.max_attempts, j.created_at, j.updated_at, j.next_run_at, j.expires_at, j.started_at, "    \
  "j.finished_at, j.lease_owner, j.lease_expires_at, j.last_error, j.result_status, "          \
  "NULL, NULL, NULL, NULL, r.method, r.path, r.query, r.remote_addr, NULL, NULL, j.interruptions"
#define LH_JOB_FROM " FROM jobs j JOIN job_requests r ON r.seq = j.seq "
// Must match the WHERE of indexes jobs_ordering and jobs_claim word for word, or SQLite will
// not use it. ORs, not IN lists: SQLite codes a constant IN list as a temporary table that it
// builds again on every INSERT and UPDATE of a job (schema.cc, version 2).
#define LH_UNFINISHED "(state = 'queued' OR state = 'running' OR state = 'retrying')"
#define LH_CLAIMABLE "(state = 'queued' OR state = 'retrying') AND blocked = 0"

namespace longhaul::store::sqlite::internal {

// The expires_at column for `t`: NULL for TimePoint{} (never expires).
std::optional<int64_t> ExpiresAtColumn(base::TimePoint t);
// Reads the LH_JOB_COLUMNS row (+ body at column 30 when `with_body`) into `job`.
base::Status ReadJob(const Query& q, bool with_body, Job& job);
// The whole job (with its request body) at `seq`; kInternal when there is none.
base::Status GetBySeq(Connection& c, int64_t seq, Job& job);

}  // namespace longhaul::store::sqlite::internal
