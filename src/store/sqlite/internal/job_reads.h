// The Store's reads of jobs as SQL over one connection (any connection: a reader's, or the
// writer's inside its transaction).
// Thread-safety: as Connection: one thread at a time per connection.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/job.h"
#include "store/sqlite/internal/connection.h"
#include "store/store.h"

namespace longhaul::store::sqlite::internal {

base::Result<Job> GetJob(Connection& c, std::string_view job_id);
base::Result<JobPage> ListJobs(Connection& c, const ListFilter& filter);
base::Result<std::optional<base::TimePoint>> NextRunAt(Connection& c);
base::Result<std::vector<std::string>> QueuedFunctions(Connection& c);
base::Result<RouteStats> GetRouteStats(Connection& c, std::string_view function,
                                       std::string_view route);

}  // namespace longhaul::store::sqlite::internal
