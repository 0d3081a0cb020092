#include "store/sqlite/internal/job_reads.h"

#include <optional>
#include <string>
#include <utility>

#include "store/sqlite/internal/codec.h"
#include "store/sqlite/internal/job_row.h"

namespace longhaul::store::sqlite::internal {
namespace {

using base::FromUnixMs;
using base::Status;
using base::TimePoint;
using base::ToUnixMs;

constexpr const char* kGetById = "SELECT " LH_JOB_COLUMNS ", r.body" LH_JOB_FROM "WHERE j.id = ?1";
constexpr const char* kList = "SELECT " LH_JOB_SUMMARY_COLUMNS ", NULL" LH_JOB_FROM
                              "WHERE j.seq < ?1 ORDER BY j.seq DESC LIMIT ?2";
constexpr const char* kListFunction = "SELECT " LH_JOB_SUMMARY_COLUMNS ", NULL" LH_JOB_FROM
                                      "WHERE j.function = ?3 AND j.seq < ?1 "
                                      "ORDER BY j.seq DESC LIMIT ?2";
constexpr const char* kListState = "SELECT " LH_JOB_SUMMARY_COLUMNS ", NULL" LH_JOB_FROM
                                   "WHERE j.state = ?4 AND j.seq < ?1 "
                                   "ORDER BY j.seq DESC LIMIT ?2";
constexpr const char* kListFunctionState = "SELECT " LH_JOB_SUMMARY_COLUMNS ", NULL" LH_JOB_FROM
                                           "WHERE j.function = ?3 AND j.state = ?4 AND "
                                           "j.seq < ?1 ORDER BY j.seq DESC LIMIT ?2";

// Skip-scan over the functions that have claimable jobs (one probe of jobs_claim each), then
// the earliest next_run_at of each: O(functions * log n). INDEXED BY: without ANALYZE data the
// planner would walk jobs_state_seq over every queued row instead.
#define LH_CLAIMABLE_FUNCTIONS                                                        \
  "WITH RECURSIVE fns(name) AS ("                                                     \
  " SELECT (SELECT MIN(function) FROM jobs INDEXED BY jobs_claim WHERE " LH_CLAIMABLE \
  ")"                                                                                 \
  " UNION ALL"                                                                        \
  " SELECT (SELECT MIN(function) FROM jobs INDEXED BY jobs_claim WHERE " LH_CLAIMABLE \
  " AND function > fns.name)"                                                         \
  " FROM fns WHERE fns.name IS NOT NULL)"
constexpr const char* kNextRunAt = LH_CLAIMABLE_FUNCTIONS
    " SELECT MIN((SELECT MIN(next_run_at) FROM jobs INDEXED BY jobs_claim WHERE " LH_CLAIMABLE
    " AND function = fns.name)) FROM fns WHERE fns.name IS NOT NULL";
// The functions that have claimable jobs (QueuedFunctions).
constexpr const char* kQueuedFunctions =
    LH_CLAIMABLE_FUNCTIONS " SELECT name FROM fns WHERE name IS NOT NULL";

}  // namespace

base::Result<Job> GetJob(Connection& c, std::string_view job_id) {
  Query q(c, kGetById);
  q.BindText(1, job_id);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return base::NotFound("no job " + std::string(job_id));
  }
  Job job;
  LH_RETURN_IF_ERROR(ReadJob(q, /*with_body=*/true, job));
  return job;
}

base::Result<JobPage> ListJobs(Connection& c, const ListFilter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) {
    return base::InvalidArgument("list limit must be 1..1000");
  }
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!filter.cursor.empty()) {
    auto seq = DecodeCursor(filter.cursor);
    if (!seq.ok()) {
      return seq.status();
    }
    before = *seq;
  }
  const bool by_function = !filter.function.empty();
  const bool by_state = filter.state.has_value();
  const char* sql = by_function ? (by_state ? kListFunctionState : kListFunction)
                                : (by_state ? kListState : kList);
  Query q(c, sql);
  q.Bind(1, before).Bind(2, filter.limit + 1);
  if (by_function) {
    q.BindText(3, filter.function);
  }
  if (by_state) {
    q.BindText(4, ToString(*filter.state));
  }
  JobPage page;
  page.jobs.reserve(static_cast<size_t>(filter.limit));
  int64_t last_seq = 0;
  for (;;) {
    auto row = q.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      break;
    }
    if (static_cast<int>(page.jobs.size()) == filter.limit) {
      page.next_cursor = EncodeCursor(last_seq);
      break;
    }
    last_seq = q.Int(0);
    LH_RETURN_IF_ERROR(ReadJob(q, /*with_body=*/false, page.jobs.emplace_back()));
  }
  return page;
}

base::Result<std::optional<TimePoint>> NextRunAt(Connection& c) {
  Query q(c, kNextRunAt);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row || q.IsNull(0)) {
    return std::optional<TimePoint>();
  }
  return std::optional<TimePoint>(FromUnixMs(q.Int(0)));
}

base::Result<std::vector<std::string>> QueuedFunctions(Connection& c) {
  Query q(c, kQueuedFunctions);
  std::vector<std::string> names;
  LH_RETURN_IF_ERROR(q.ForEachRow([&] { names.push_back(q.String(0)); }));
  return names;
}

// Unfinished jobs are counted through the partial indexes, which hold only unfinished rows:
// claimable (jobs_claim), running (jobs_running), and blocked behind their ordering key
// (jobs_ordering, blocked = 1; the other two hold none of those; a running job marked blocked by
// a retry of an older one of its key is counted as running). Finished jobs, however many,
// are never visited. The newest delivery walks the function's jobs from the newest; a purged
// one's is in route_deliveries.
constexpr const char* kRouteStats =
    "SELECT"
    " (SELECT count(*) FROM jobs INDEXED BY jobs_claim WHERE function = ?1 AND " LH_CLAIMABLE
    "   AND route = ?2)"
    " + (SELECT count(*) FROM jobs INDEXED BY jobs_running WHERE function = ?1 AND"
    "   state = 'running' AND route = ?2)"
    " + (SELECT count(*) FROM jobs INDEXED BY jobs_ordering WHERE function = ?1 AND " LH_UNFINISHED
    "   AND ordering_key <> '' AND blocked = 1 AND state <> 'running' AND route = ?2),"
    " (SELECT created_at FROM jobs WHERE function = ?1 AND route = ?2 ORDER BY seq DESC LIMIT 1),"
    " (SELECT at FROM route_deliveries WHERE function = ?1 AND route = ?2)";
// The route's newest failed attempt (CompleteJob keeps it in route_errors).
constexpr const char* kRouteLastError =
    "SELECT at, message FROM route_errors WHERE function = ?1 AND route = ?2";

base::Result<RouteStats> GetRouteStats(Connection& c, std::string_view function,
                                       std::string_view route) {
  RouteStats stats;
  {
    Query q(c, kRouteStats);
    q.BindText(1, function).BindText(2, route);
    auto row = q.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (*row) {
      stats.pending = q.Int(0);
      std::optional<int64_t> newest = q.OptionalInt(1);
      if (auto purged = q.OptionalInt(2); purged && (!newest || *purged > *newest)) {
        newest = purged;
      }
      if (newest) stats.last_delivery = FromUnixMs(*newest);
    }
  }
  Query q(c, kRouteLastError);
  q.BindText(1, function).BindText(2, route);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (*row) {
    stats.last_error_at = FromUnixMs(q.Int(0));
    stats.last_error = q.String(1);
  }
  return stats;
}

}  // namespace longhaul::store::sqlite::internal
