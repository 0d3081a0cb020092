#include "store/sqlite/internal/purge.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace longhaul::store::sqlite::internal {
namespace {

using base::TimePoint;
using base::ToUnixMs;

constexpr const char* kPurgeKeys =
    "DELETE FROM idempotency_keys WHERE (route, key) IN "
    "(SELECT route, key FROM idempotency_keys WHERE expires_at <= ?1 LIMIT ?2)";

// Terminal jobs only: finished_at is set when a job reaches one and cleared by Retry.
constexpr const char* kFinishedBefore =
    "SELECT seq FROM jobs INDEXED BY jobs_finished WHERE finished_at IS NOT NULL AND "
    "finished_at < ?1 AND state IN ('succeeded', 'failed', 'dead', 'cancelled') "
    "ORDER BY finished_at LIMIT ?2";
// A purged job's creation, kept as its route's newest delivery if it is (GET /routes).
constexpr const char* kKeepDelivery =
    "INSERT INTO route_deliveries (function, route, at) "
    "SELECT function, route, created_at FROM jobs WHERE seq = ?1 "
    "ON CONFLICT (function, route) DO UPDATE SET at = max(at, excluded.at)";
constexpr const char* kDeleteRequest = "DELETE FROM job_requests WHERE seq = ?1";
constexpr const char* kDeleteJob = "DELETE FROM jobs WHERE seq = ?1";
// No later job is numbered at or below a deleted one (schema.cc, version 8).
constexpr const char* kRaiseSeqFloor = "UPDATE seq_floor SET n = max(n, ?1)";

}  // namespace

base::Result<int> PurgeJobs(Connection& c, TimePoint before, int limit) {
  std::vector<int64_t> seqs;
  {
    Query q(c, kFinishedBefore);
    q.Bind(1, ToUnixMs(before)).Bind(2, limit);
    LH_RETURN_IF_ERROR(q.ForEachRow([&] { seqs.push_back(q.Int(0)); }));
  }
  for (int64_t seq : seqs) {
    for (const char* sql : {kKeepDelivery, kDeleteRequest, kDeleteJob}) {
      Query q(c, sql);
      q.Bind(1, seq);
      LH_RETURN_IF_ERROR(q.Run());
    }
  }
  if (!seqs.empty()) {
    Query q(c, kRaiseSeqFloor);
    q.Bind(1, *std::max_element(seqs.begin(), seqs.end()));
    LH_RETURN_IF_ERROR(q.Run());
  }
  return static_cast<int>(seqs.size());
}

base::Result<int> PurgeKeys(Connection& c, TimePoint now, int limit) {
  Query q(c, kPurgeKeys);
  q.Bind(1, ToUnixMs(now)).Bind(2, limit);
  LH_RETURN_IF_ERROR(q.Run());
  return c.Changes();
}

}  // namespace longhaul::store::sqlite::internal
