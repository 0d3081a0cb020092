#include "store/sqlite/internal/schema.h"

#include <string>

namespace longhaul::store::sqlite::internal {
namespace {

// Version 0 -> 1: the initial schema. Large, immutable request data lives in job_requests so
// that state changes rewrite only the small jobs row.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE jobs (
  seq              INTEGER PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  function         TEXT    NOT NULL,
  route            TEXT    NOT NULL,
  idempotency_key  TEXT    NOT NULL,
  ordering_key     TEXT    NOT NULL,
  blocked          INTEGER NOT NULL,
  state            TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'retrying',
                                   'succeeded', 'failed', 'dead', 'cancelled')),
  attempts         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  next_run_at      INTEGER NOT NULL,
  expires_at       INTEGER,
  started_at       INTEGER,
  finished_at      INTEGER,
  lease_owner      TEXT    NOT NULL,
  lease_expires_at INTEGER NOT NULL,
  last_error       TEXT    NOT NULL,
  result_status    INTEGER,
  result_headers   TEXT,
  stdout_tail      BLOB,
  stderr_tail      BLOB,
  result_body      BLOB
);
CREATE INDEX jobs_claim ON jobs (function, next_run_at, seq)
  WHERE state IN ('queued', 'retrying') AND blocked = 0;
CREATE INDEX jobs_running ON jobs (function, lease_expires_at)
  WHERE state = 'running';
CREATE INDEX jobs_ordering ON jobs (function, ordering_key, seq)
  WHERE state IN ('queued', 'running', 'retrying') AND ordering_key <> '';
CREATE INDEX jobs_function_seq ON jobs (function, seq);
CREATE INDEX jobs_state_seq ON jobs (state, seq);

CREATE TABLE job_requests (
  seq         INTEGER PRIMARY KEY,
  method      TEXT NOT NULL,
  path        TEXT NOT NULL,
  query       TEXT NOT NULL,
  remote_addr TEXT NOT NULL,
  headers     TEXT NOT NULL,
  path_params TEXT NOT NULL,
  body        BLOB NOT NULL
);

CREATE TABLE idempotency_keys (
  route      TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  job_id     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (route, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
)sql";

// Version 2: the partial indexes' conditions as ORs instead of IN lists. SQLite evaluates an
// index's WHERE on every INSERT and UPDATE of a row, and codes a constant IN list as a temporary
// table built each time (a large part of an append's cost). The queries repeat these
// conditions word for word (job_table.cc: LH_CLAIMABLE, LH_UNFINISHED).
constexpr const char* kSchemaV2 = R"sql(
DROP INDEX jobs_claim;
CREATE INDEX jobs_claim ON jobs (function, next_run_at, seq)
  WHERE (state = 'queued' OR state = 'retrying') AND blocked = 0;
DROP INDEX jobs_ordering;
CREATE INDEX jobs_ordering ON jobs (function, ordering_key, seq)
  WHERE (state = 'queued' OR state = 'running' OR state = 'retrying') AND ordering_key <> '';
)sql";

// Version 3: finished jobs by finish time, for server.retention's purge (PurgeJobs). Partial:
// unfinished jobs (finished_at NULL) are not in it, so appends and claims do not touch it.
constexpr const char* kSchemaV3 = R"sql(
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
)sql";

// Version 4: whether the job's caller waits for its result without an acknowledgement
// (NewJob::acknowledged false: a synchronous Invoke), and how many of its attempts were cut
// short (RecoverLeases: the first few do not count; a caller_waits job ends dead). Older
// rows: 0.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE jobs ADD COLUMN caller_waits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN recoveries INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 5: each route's newest failed attempt, kept when the job later succeeds, is cancelled
// or is purged (Telegram's getWebhookInfo: last_error_date is the newest error, whatever came
// after). Written by CompleteJob with the outcome; filled here from the jobs a version-4 file
// has, each route's newest retrying, failed or dead one with an error.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE route_errors (
  function TEXT    NOT NULL,
  route    TEXT    NOT NULL,
  at       INTEGER NOT NULL,
  message  TEXT    NOT NULL,
  PRIMARY KEY (function, route)
) WITHOUT ROWID;
INSERT INTO route_errors (function, route, at, message)
  SELECT function, route, updated_at, last_error FROM (
    SELECT function, route, updated_at, last_error, max(seq) FROM jobs
    WHERE (state = 'retrying' OR state = 'failed' OR state = 'dead') AND last_error <> ''
    GROUP BY function, route);
)sql";

// Version 6: each route's newest delivery among its purged jobs (PurgeJobs writes it as it
// deletes them), so that GET /routes keeps last_delivery_date after server.retention. Nothing
// to fill: what a version-5 file purged is gone.
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE route_deliveries (
  function TEXT    NOT NULL,
  route    TEXT    NOT NULL,
  at       INTEGER NOT NULL,
  PRIMARY KEY (function, route)
) WITHOUT ROWID;
)sql";

// Version 7: how many of a job's attempts were cut short by a stop, crash or lost lease (every
// take-back, graceful ones too; reset by Retry), told to the attempt that runs it again
// (LONGHAUL_INTERRUPTED) so that it can tell a first run from a re-run. Older rows: 0.
constexpr const char* kSchemaV7 = R"sql(
ALTER TABLE jobs ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 8: the highest seq the retention purge has deleted, below which no new job is numbered
// (an INTEGER PRIMARY KEY reuses the highest deleted numbers: a saved List() cursor then
// returned jobs newer than its page). Appends take max(this, the highest seq there) + 1.
constexpr const char* kSchemaV8 = R"sql(
CREATE TABLE seq_floor (n INTEGER NOT NULL);
INSERT INTO seq_floor SELECT ifnull(max(seq), 0) FROM jobs;
)sql";

struct Step {
  int to_version;
  const char* sql;
};

// Append new steps here (and to docs/on-disk-format.md); never edit a released one.
constexpr Step kSteps[] = {
    {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4},
    {5, kSchemaV5}, {6, kSchemaV6}, {7, kSchemaV7}, {8, kSchemaV8},
};
static_assert(sizeof(kSteps) / sizeof(kSteps[0]) == kSchemaVersion, "one step per version");

base::Status ApplyStep(Connection& conn, const Step& step) {
  LH_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  // Re-read inside the write lock: another process may have migrated meanwhile.
  auto version = conn.QueryInt("PRAGMA user_version");
  base::Status s = version.status();
  if (s.ok() && *version < step.to_version) {
    s = conn.Exec(step.sql);
    if (s.ok()) {
      std::string bump = "PRAGMA user_version=" + std::to_string(step.to_version) +
                         ";PRAGMA application_id=" + std::to_string(kApplicationId);
      s = conn.Exec(bump.c_str());
    }
  }
  if (s.ok()) {
    return conn.Exec("COMMIT");
  }
  if (conn.InTransaction()) {
    // The step's error is what matters; a failed rollback leaves the transaction to the close.
    (void)conn.Exec("ROLLBACK");
  }
  return s;
}

}  // namespace

base::Result<int> CheckOwnFile(Connection& conn) {
  auto version = conn.QueryInt("PRAGMA user_version");
  if (!version.ok()) {
    return version.status();
  }
  auto app_id = conn.QueryInt("PRAGMA application_id");
  if (!app_id.ok()) {
    return app_id.status();
  }
  if (*version > kSchemaVersion) {
    return base::FailedPrecondition("job log has schema version " + std::to_string(*version) +
                                    "; this build reads up to " + std::to_string(kSchemaVersion) +
                                    ": upgrade longhaul");
  }
  if ((*version > 0 || *app_id != 0) && *app_id != kApplicationId) {
    return base::FailedPrecondition("database is not a longhaul job log (application_id " +
                                    std::to_string(*app_id) + ")");
  }
  if (*version == 0) {
    // A new job log is empty; one with tables is another program's database, never changed.
    auto tables = conn.QueryInt("SELECT count(*) FROM sqlite_master");
    if (!tables.ok()) return tables.status();
    if (*tables > 0) {
      return base::FailedPrecondition(
          "database is not a longhaul job log (it holds another program's tables)");
    }
  }
  return static_cast<int>(*version);
}

base::Status Migrate(Connection& conn) {
  auto version = CheckOwnFile(conn);
  if (!version.ok()) return version.status();
  for (const Step& step : kSteps) {
    if (*version < step.to_version) {
      LH_RETURN_IF_ERROR(ApplyStep(conn, step));
    }
  }
  return base::Status::Ok();
}

}  // namespace longhaul::store::sqlite::internal
