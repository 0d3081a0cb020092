// What server.retention and the idempotency windows let the store forget, as SQL over one
// connection, inside the caller's transaction (the writer's batch), as job_table.h's writes.
// Thread-safety: as Connection: one thread at a time per connection.
#pragma once

#include "base/clock.h"
#include "base/status.h"
#include "store/sqlite/internal/connection.h"

namespace longhaul::store::sqlite::internal {

// Deletes at most `limit` idempotency keys whose window ended at or before `now`.
base::Result<int> PurgeKeys(Connection& c, base::TimePoint now, int limit);
// Deletes at most `limit` terminal jobs that finished before `before`, with their requests; a
// route's newest delivery among them is kept (route_deliveries, for GET /routes).
base::Result<int> PurgeJobs(Connection& c, base::TimePoint before, int limit);

}  // namespace longhaul::store::sqlite::internal
