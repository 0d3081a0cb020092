// The job log's SQLite schema and its migrations. docs/on-disk-format.md describes every table,
// column and index; change both together.
// Thread-safety: call on the write connection only, before other use.
#pragma once

#include "base/status.h"
#include "store/sqlite/internal/connection.h"

namespace longhaul::store::sqlite::internal {

// PRAGMA user_version of a database this build writes.
inline constexpr int kSchemaVersion = 8;
// PRAGMA application_id marking the file as a longhaul job log ("LHJL").
inline constexpr int kApplicationId = 0x4C484A4C;

// kFailedPrecondition when the file is not a longhaul job log (another program's database:
// another application_id, or tables without a schema version) or is from a newer build. An
// empty database passes (version 0). Reads only. Returns its schema version (user_version).
base::Result<int> CheckOwnFile(Connection& conn);

// Brings the database to kSchemaVersion, one step per version, each in its own IMMEDIATE
// transaction that also bumps user_version (so a crash leaves the file at a whole version).
// Returns kFailedPrecondition for a file from a newer build or for a file that is not a
// longhaul job log; the SQLite error (kUnavailable for I/O) when a step fails.
base::Status Migrate(Connection& conn);

}  // namespace longhaul::store::sqlite::internal
