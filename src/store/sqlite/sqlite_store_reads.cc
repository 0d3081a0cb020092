// SqliteStore's reads (Get, List, GetRouteStats, NextRunAt, QueuedFunctions): each on a
// connection of the read pool (RunRead), never on the writer. The rest of the store is in
// sqlite_store.cc.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/internal/connection.h"
#include "store/sqlite/internal/job_reads.h"
#include "store/sqlite/sqlite_store.h"

namespace longhaul::store::sqlite {

using base::Status;
using internal::Connection;

base::Result<Job> SqliteStore::Get(std::string_view job_id) {
  std::optional<Job> job;
  Status s = RunRead([&](Connection& c) {
    auto r = internal::GetJob(c, job_id);
    if (!r.ok()) {
      return r.status();
    }
    job = std::move(*r);
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return std::move(*job);
}

base::Result<JobPage> SqliteStore::List(const ListFilter& filter) {
  std::optional<JobPage> page;
  Status s = RunRead([&](Connection& c) {
    auto r = internal::ListJobs(c, filter);
    if (!r.ok()) {
      return r.status();
    }
    page = std::move(*r);
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return std::move(*page);
}

base::Result<RouteStats> SqliteStore::GetRouteStats(std::string_view function,
                                                    std::string_view route) {
  std::optional<RouteStats> stats;
  Status s = RunRead([&](Connection& c) {
    auto r = internal::GetRouteStats(c, function, route);
    if (!r.ok()) {
      return r.status();
    }
    stats = std::move(*r);
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return std::move(*stats);
}

base::Result<std::optional<TimePoint>> SqliteStore::NextRunAt() {
  std::optional<TimePoint> next;
  Status s = RunRead([&](Connection& c) {
    auto r = internal::NextRunAt(c);
    if (!r.ok()) {
      return r.status();
    }
    next = *r;
    return Status::Ok();
  });
  if (!s.ok()) {
    return s;
  }
  return next;
}

base::Result<std::vector<std::string>> SqliteStore::QueuedFunctions() {
  std::vector<std::string> names;
  Status s = RunRead([&](Connection& c) {
    auto r = internal::QueuedFunctions(c);
    if (r.ok()) names = std::move(*r);
    return r.status();
  });
  if (!s.ok()) return s;
  return names;
}

}  // namespace longhaul::store::sqlite
