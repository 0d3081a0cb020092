// SqliteStore's reads (Get, List, GetRouteStats, NextRunAt, QueuedFunctions): each on a
// connection of the read pool (RunRead), never on the writer. The rest of the store is in
// sqlite_store.cc and sqlite_store_health.cc.
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

template <typename T, typename Read>
base::Result<T> SqliteStore::ReadValue(const Read& read) {
  std::optional<base::Result<T>> out;
  Status s = RunRead([&](Connection& c) {
    out.emplace(read(c));
    return out->status();
  });
  if (!s.ok()) return s;
  return std::move(*out);
}

base::Result<Job> SqliteStore::Get(std::string_view job_id) {
  return ReadValue<Job>([&](Connection& c) { return internal::GetJob(c, job_id); });
}

base::Result<JobPage> SqliteStore::List(const ListFilter& filter) {
  return ReadValue<JobPage>([&](Connection& c) { return internal::ListJobs(c, filter); });
}

base::Result<RouteStats> SqliteStore::GetRouteStats(std::string_view function,
                                                    std::string_view route) {
  return ReadValue<RouteStats>(
      [&](Connection& c) { return internal::GetRouteStats(c, function, route); });
}

base::Result<std::optional<TimePoint>> SqliteStore::NextRunAt() {
  return ReadValue<std::optional<TimePoint>>([](Connection& c) { return internal::NextRunAt(c); });
}

base::Result<std::vector<std::string>> SqliteStore::QueuedFunctions() {
  return ReadValue<std::vector<std::string>>(
      [](Connection& c) { return internal::QueuedFunctions(c); });
}

}  // namespace longhaul::store::sqlite
