#include "store/sqlite/internal/job_table.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/internal/codec.h"
#include "store/sqlite/internal/job_row.h"

namespace longhaul::store::sqlite::internal {
namespace {

using base::FromUnixMs;
using base::Status;
using base::TimePoint;
using base::ToUnixMs;

// A key whose job was purged (server.retention shortened after it was stored) names nothing:
// it is as good as expired, and the new job takes it.
constexpr const char* kFindKey =
    "SELECT k.job_id, k.expires_at FROM idempotency_keys k WHERE k.route = ?1 AND k.key = ?2 "
    "AND EXISTS (SELECT 1 FROM jobs WHERE id = k.job_id)";
constexpr const char* kUpsertKey =
    "INSERT INTO idempotency_keys (route, key, job_id, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (route, key) DO UPDATE SET "
    "job_id = excluded.job_id, created_at = excluded.created_at, expires_at = excluded.expires_at";
constexpr const char* kKeyHasUnfinished =
    "SELECT 1 FROM jobs WHERE function = ?1 AND ordering_key = ?2 AND " LH_UNFINISHED
    " AND ordering_key <> '' LIMIT 1";
// A new job's seq: above every job there and every one the purge deleted (schema version 8).
#define LH_NEXT_SEQ "(SELECT max(n, ifnull((SELECT max(seq) FROM jobs), 0)) + 1 FROM seq_floor)"
constexpr const char* kInsertJob =
    "INSERT INTO jobs (seq, id, function, route, idempotency_key, ordering_key, blocked, state, "
    "attempts, max_attempts, created_at, updated_at, next_run_at, expires_at, lease_owner, "
    "lease_expires_at, last_error, caller_waits) "
    "VALUES (" LH_NEXT_SEQ
    ", ?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7, ?8, ?8, ?8, ?9, '', 0, '', "
    "?10)";
constexpr const char* kInsertClaimedJob =
    "INSERT INTO jobs (seq, id, function, route, idempotency_key, ordering_key, blocked, state, "
    "attempts, max_attempts, created_at, updated_at, next_run_at, expires_at, started_at, "
    "lease_owner, lease_expires_at, last_error, caller_waits) "
    "VALUES (" LH_NEXT_SEQ
    ", ?1, ?2, ?3, '', '', 0, 'running', 1, ?4, ?5, ?5, ?5, ?6, ?5, ?7, ?8, "
    "'', ?9)";
constexpr const char* kInsertRequest =
    "INSERT INTO job_requests (seq, method, path, query, remote_addr, headers, path_params, body) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr const char* kCountRunning =
    "SELECT COUNT(*) FROM jobs INDEXED BY jobs_running WHERE function = ?1 AND state = 'running'";
constexpr const char* kClaimCandidates =
    "SELECT seq, expires_at, ordering_key FROM jobs WHERE function = ?1 AND " LH_CLAIMABLE
    " AND next_run_at <= ?2 ORDER BY next_run_at, seq LIMIT ?3";
constexpr const char* kClaimRow =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
    "started_at = COALESCE(started_at, ?2), lease_owner = ?3, lease_expires_at = ?4, "
    "updated_at = ?2 WHERE seq = ?1";
// The last attempt's error, if any, stays after the reason.
constexpr const char* kExpireRow =
    "UPDATE jobs SET state = 'dead', last_error = CASE WHEN last_error = '' THEN ?2 ELSE ?2 || "
    "'; the last attempt: ' || last_error END, finished_at = ?3, updated_at = ?3 WHERE seq = ?1";
constexpr const char* kKeyHead =
    "SELECT MIN(seq) FROM jobs WHERE function = ?1 AND ordering_key = ?2 AND " LH_UNFINISHED
    " AND ordering_key <> ''";
// Unblocks the oldest unfinished job of a key unless another job of that key is running
// (possible only after Retry() put an older job back in front of a running one).
constexpr const char* kPromoteHead =
    "UPDATE jobs SET blocked = 0 WHERE seq = (SELECT MIN(seq) FROM jobs WHERE function = ?1 AND "
    "ordering_key = ?2 AND " LH_UNFINISHED
    " AND ordering_key <> '') AND blocked = 1 AND "
    "NOT EXISTS (SELECT 1 FROM jobs INDEXED BY jobs_running WHERE function = ?1 AND "
    "state = 'running' AND ordering_key = ?2)";
constexpr const char* kBlockRow = "UPDATE jobs SET blocked = 1 WHERE seq = ?1";

constexpr const char* kFindForUpdate =
    "SELECT seq, state, lease_owner, function, ordering_key FROM jobs WHERE id = ?1";
constexpr const char* kComplete =
    "UPDATE jobs SET state = ?2, updated_at = ?3, finished_at = ?4, "
    "next_run_at = COALESCE(?5, next_run_at), lease_owner = '', lease_expires_at = 0, "
    "last_error = ?6, stdout_tail = ?7, stderr_tail = ?8, result_status = ?9, "
    "result_headers = ?10, result_body = ?11, attempts = attempts - ?12, "
    "max_attempts = CASE WHEN ?13 > 0 AND ?13 < max_attempts THEN ?13 ELSE max_attempts END "
    "WHERE seq = ?1";
// The route's newest failed attempt or expiry (schema.cc, version 5).
constexpr const char* kRecordRouteError =
    "INSERT INTO route_errors (function, route, at, message) "
    "SELECT function, route, ?2, ?3 FROM jobs WHERE seq = ?1 "
    "ON CONFLICT (function, route) DO UPDATE SET at = excluded.at, message = excluded.message";
constexpr const char* kExtendLease =
    "UPDATE jobs SET lease_expires_at = ?3 WHERE id = ?1 AND state = 'running' AND "
    "lease_owner = ?2";
// An attempt cut short (the runner stopped or restarted, or its lease ran out) does not count:
// the job is put back as it was before it, to run again at once (at least once). Only the first
// LH_FREE_RECOVERIES of a job are free, so that a job that kills its server each time it runs
// does not run forever: after them a cut-short attempt counts, and the last one leaves the job
// dead. A job whose caller waited for its result without an acknowledgement (NewJob::acknowledged
// false: a synchronous Invoke) ends dead at once, as nobody waits for it any more.
#define LH_FREE_RECOVERIES "3"
#define LH_COUNTED "(caller_waits OR recoveries >= " LH_FREE_RECOVERIES ")"
#define LH_ENDS_DEAD \
  "(caller_waits OR (recoveries >= " LH_FREE_RECOVERIES " AND attempts >= max_attempts))"
// Takes running jobs back; `counted` says whether the attempt counts, `ends_dead` whether the
// job ends there, `recoveries` adds to the count of free ones; every take-back adds to
// `interruptions` (told to the next attempt: LONGHAUL_INTERRUPTED). next_run_at stays (it is not
// after now): the job keeps its place in its function's queue instead of going to the back.
#define LH_TAKE_BACK(counted, ends_dead, recoveries, which)                                       \
  "UPDATE jobs INDEXED BY jobs_running SET "                                                      \
  "state = CASE WHEN " ends_dead " THEN 'dead' WHEN " counted                                     \
  " OR attempts > 1 "                                                                             \
  "THEN 'retrying' ELSE 'queued' END, "                                                           \
  "attempts = CASE WHEN " counted                                                                 \
  " THEN attempts ELSE MAX(attempts - 1, 0) END, "                                                \
  "started_at = CASE WHEN " counted                                                               \
  " OR attempts > 1 THEN started_at END, "                                                        \
  "finished_at = CASE WHEN " ends_dead                                                            \
  " THEN ?1 END, interruptions = interruptions + 1, " recoveries                                  \
  "next_run_at = MIN(next_run_at, ?1), updated_at = ?1, lease_owner = '', lease_expires_at = 0, " \
  "last_error = ?2 "                                                                              \
  "WHERE state = 'running' AND " which " RETURNING function, ordering_key, id, state"
#define LH_RECOVER_LEASES(which) \
  LH_TAKE_BACK(LH_COUNTED, LH_ENDS_DEAD, "recoveries = recoveries + 1, ", which)
constexpr const char* kRecoverExpired = LH_RECOVER_LEASES("lease_expires_at < ?1");
constexpr const char* kRecoverOwner = LH_RECOVER_LEASES("lease_owner = ?3");
// A graceful stop's own attempts, which it stopped itself: never counted, and not among the
// free ones either (a deploy a day must not use them up); a caller_waits job ends dead.
constexpr const char* kReleaseOwner =
    LH_TAKE_BACK("caller_waits", "caller_waits", "", "lease_owner = ?3");
// A claim undone (Store::Unclaim): the job is as the claim found it (ClaimJobs), queued for a
// first attempt or retrying a later one, its error and counts untouched.
constexpr const char* kUnclaim =
    "UPDATE jobs SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'queued' END, "
    "started_at = CASE WHEN attempts > 1 THEN started_at END, attempts = MAX(attempts - 1, 0), "
    "updated_at = ?3, lease_owner = '', lease_expires_at = 0 "
    "WHERE id = ?1 AND state = 'running' AND lease_owner = ?2 RETURNING function, ordering_key";
constexpr const char* kRequeue =
    "UPDATE jobs SET state = 'queued', attempts = 0, recoveries = 0, interruptions = 0, "
    "blocked = ?3, "
    "next_run_at = ?2, "
    "updated_at = ?2, started_at = NULL, finished_at = NULL, lease_owner = '', "
    "lease_expires_at = 0, "
    "expires_at = CASE WHEN expires_at IS NULL THEN NULL ELSE ?2 + (expires_at - created_at) END, "
    "result_status = NULL, result_headers = NULL, result_body = NULL WHERE seq = ?1";
constexpr const char* kCancel =
    "UPDATE jobs SET state = 'cancelled', finished_at = ?2, updated_at = ?2, lease_owner = '', "
    "lease_expires_at = 0 WHERE seq = ?1";
constexpr const char* kKeepStoppedOutput =
    "UPDATE jobs SET stdout_tail = ?2, stderr_tail = ?3 WHERE id = ?1 AND state = 'cancelled'";
constexpr int kMaxExpiredPerClaim = 1000;
constexpr std::string_view kEventAgeError = "event age exceeded (max_event_age)";
constexpr std::string_view kLeaseExpiredError = "lease expired: the runner did not report in time";
constexpr std::string_view kOwnerRecoveredError = "the runner stopped before the attempt finished";
constexpr std::string_view kStoppedError =
    "the server stopped it on shutdown (shutdown_grace ran out); it runs again, uncounted";

// After a job of (function, key) reached a terminal state: unblock the oldest unfinished one.
Status PromoteHead(Connection& c, std::string_view function, std::string_view key) {
  if (key.empty()) {
    return Status::Ok();
  }
  Query q(c, kPromoteHead);
  q.BindText(1, function).BindText(2, key);
  return q.Run();
}

// The row Complete/Cancel/Retry act on.
struct Target {
  int64_t seq = 0;
  JobState state = JobState::kQueued;
  std::string lease_owner;
  std::string function;
  std::string ordering_key;
};

base::Result<Target> FindTarget(Connection& c, std::string_view job_id) {
  Query q(c, kFindForUpdate);
  q.BindText(1, job_id);
  auto row = q.Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return base::NotFound("no job " + std::string(job_id));
  }
  Target t;
  t.seq = q.Int(0);
  std::optional<JobState> state = ParseJobState(q.View(1));
  if (!state.has_value()) {
    return base::Internal("job " + std::string(job_id) + " has unknown state '" + q.String(1) +
                          "'");
  }
  t.state = *state;
  t.lease_owner = q.String(2);
  t.function = q.String(3);
  t.ordering_key = q.String(4);
  return t;
}

std::string_view CompletionState(Completion::Kind kind) {
  switch (kind) {
    case Completion::Kind::kSucceeded:
      return ToString(JobState::kSucceeded);
    case Completion::Kind::kRetry:
      return ToString(JobState::kRetrying);
    case Completion::Kind::kFailed:
      return ToString(JobState::kFailed);
    case Completion::Kind::kDead:
      return ToString(JobState::kDead);
  }
  return ToString(JobState::kFailed);
}

}  // namespace

size_t ApproximateSize(const NewJob& job) {
  size_t n = 256 + job.id.size() + job.function.size() + job.route.size() +
             job.idempotency_key.size() + job.ordering_key.size() + job.request.method.size() +
             job.request.path.size() + job.request.query.size() + job.request.remote_addr.size() +
             job.request.body.size();
  for (const auto& [k, v] : job.request.headers) {
    n += k.size() + v.size() + 8;
  }
  for (const auto& [k, v] : job.request.path_params) {
    n += k.size() + v.size() + 8;
  }
  return n;
}

EncodedRequest EncodedRequest::Of(const NewJob& job) {
  return {EncodeHeaders(job.request.headers), EncodeHeaders(job.request.path_params)};
}

base::Result<AppendResult> AppendJob(Connection& c, const NewJob& job,
                                     const EncodedRequest& encoded, TimePoint now) {
  const bool keyed = !job.idempotency_key.empty();
  if (keyed) {
    Query q(c, kFindKey);
    q.BindText(1, job.route).BindText(2, job.idempotency_key);
    auto row = q.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (*row && q.Int(1) > ToUnixMs(now)) {
      return AppendResult{q.String(0), /*duplicate=*/true};
    }
  }
  int64_t blocked = 0;
  if (!job.ordering_key.empty()) {
    Query q(c, kKeyHasUnfinished);
    q.BindText(1, job.function).BindText(2, job.ordering_key);
    auto row = q.Step();
    if (!row.ok()) {
      return row.status();
    }
    blocked = *row ? 1 : 0;
  }
  const int64_t created = ToUnixMs(job.created_at == TimePoint{} ? now : job.created_at);
  if (!job.claimed_by.empty()) {
    if (keyed || !job.ordering_key.empty()) {
      return base::InvalidArgument("a job with keys cannot be appended as claimed");
    }
    Query q(c, kInsertClaimedJob);
    q.BindText(1, job.id)
        .BindText(2, job.function)
        .BindText(3, job.route)
        .Bind(4, job.max_attempts)
        .Bind(5, created)
        .BindOptional(6, ExpiresAtColumn(job.expires_at))
        .BindText(7, job.claimed_by)
        .Bind(8, created + static_cast<int64_t>(job.claim_lease.count()))
        .Bind(9, job.acknowledged ? 0 : 1);
    LH_RETURN_IF_ERROR(q.Run());
  } else {
    Query q(c, kInsertJob);
    q.BindText(1, job.id)
        .BindText(2, job.function)
        .BindText(3, job.route)
        .BindText(4, job.idempotency_key)
        .BindText(5, job.ordering_key)
        .Bind(6, blocked)
        .Bind(7, job.max_attempts)
        .Bind(8, created)
        .BindOptional(9, ExpiresAtColumn(job.expires_at))
        .Bind(10, job.acknowledged ? 0 : 1);
    // A single-row INSERT that fails (e.g. a taken id) undoes itself: the batch may go on.
    LH_RETURN_IF_ERROR(q.Run());
  }
  const int64_t seq = c.LastInsertRowid();
  {
    Query q(c, kInsertRequest);
    q.Bind(1, seq)
        .BindText(2, job.request.method)
        .BindText(3, job.request.path)
        .BindText(4, job.request.query)
        .BindText(5, job.request.remote_addr)
        .BindText(6, encoded.headers)
        .BindText(7, encoded.path_params)
        .BindBlob(8, job.request.body);
    Status s = q.Run();
    if (!s.ok()) {
      // The job row is already in: this error must fail the whole batch (never kAlreadyExists).
      return base::Status(s.code() == base::Code::kAlreadyExists ? base::Code::kInternal : s.code(),
                          s.message());
    }
  }
  if (keyed) {
    Query q(c, kUpsertKey);
    const int64_t key_expires =
        ToUnixMs(now) + std::max<int64_t>(job.idempotency_window.count(), 0);
    q.BindText(1, job.route)
        .BindText(2, job.idempotency_key)
        .BindText(3, job.id)
        .Bind(4, ToUnixMs(now))
        .Bind(5, key_expires);
    Status s = q.Run();
    if (!s.ok()) {
      return base::Status(s.code() == base::Code::kAlreadyExists ? base::Code::kInternal : s.code(),
                          s.message());
    }
  }
  return AppendResult{job.id, /*duplicate=*/false};
}

base::Status ClaimJobs(Connection& c, const ClaimRequest& req, std::vector<Job>& out) {
  if (req.concurrency < 1) {
    return base::InvalidArgument("claim: concurrency must be at least 1");
  }
  if (req.limit < 1) {
    return Status::Ok();
  }
  int64_t running = 0;
  {
    Query q(c, kCountRunning);
    q.BindText(1, req.function);
    auto row = q.Step();
    if (!row.ok()) {
      return row.status();
    }
    running = *row ? q.Int(0) : 0;
  }
  const int64_t capacity =
      std::min<int64_t>(req.limit, static_cast<int64_t>(req.concurrency) - running);
  const int64_t now = ToUnixMs(req.now);
  const int64_t lease_until = ToUnixMs(req.now + req.lease);
  std::vector<int64_t> claimed;
  int expire_budget = kMaxExpiredPerClaim;

  struct Candidate {
    int64_t seq;
    bool expired;
    std::string ordering_key;
  };
  std::vector<Candidate> candidates;
  while (static_cast<int64_t>(claimed.size()) < capacity) {
    candidates.clear();
    {
      Query q(c, kClaimCandidates);
      q.BindText(1, req.function)
          .Bind(2, now)
          .Bind(3, capacity - static_cast<int64_t>(claimed.size()));
      LH_RETURN_IF_ERROR(q.ForEachRow([&] {
        std::optional<int64_t> expires = q.OptionalInt(1);
        candidates.push_back({q.Int(0), expires.has_value() && *expires < now, q.String(2)});
      }));
    }
    if (candidates.empty()) {
      break;
    }
    // Every candidate leaves jobs_claim below (dead or running), so the loop makes progress.
    for (const Candidate& cand : candidates) {
      if (cand.expired) {
        if (expire_budget == 0) {
          break;
        }
        --expire_budget;
        Query q(c, kExpireRow);
        q.Bind(1, cand.seq).BindText(2, kEventAgeError).Bind(3, now);
        LH_RETURN_IF_ERROR(q.Run());
        Query route_error(c, kRecordRouteError);  // GET /routes names it as a failed attempt
        route_error.Bind(1, cand.seq).Bind(2, now).BindText(3, kEventAgeError);
        LH_RETURN_IF_ERROR(route_error.Run());
        LH_RETURN_IF_ERROR(PromoteHead(c, req.function, cand.ordering_key));
        if (req.expired != nullptr) {
          LH_RETURN_IF_ERROR(GetBySeq(c, cand.seq, req.expired->emplace_back()));
        }
        continue;
      }
      Query q(c, kClaimRow);
      q.Bind(1, cand.seq).Bind(2, now).BindText(3, req.owner).Bind(4, lease_until);
      LH_RETURN_IF_ERROR(q.Run());
      claimed.push_back(cand.seq);
    }
    if (expire_budget == 0) {
      break;
    }
  }
  out.reserve(out.size() + claimed.size());
  for (int64_t seq : claimed) {
    Job& job = out.emplace_back();
    LH_RETURN_IF_ERROR(GetBySeq(c, seq, job));
  }
  return Status::Ok();
}

base::Status CompleteJob(Connection& c, const Completion& done) {
  auto target = FindTarget(c, done.job_id);
  if (!target.ok()) {
    return target.status();
  }
  if (target->state != JobState::kRunning || target->lease_owner != done.owner) {
    return base::Aborted("job " + done.job_id + " is not leased to " + done.owner + " (it is " +
                         std::string(ToString(target->state)) +
                         (target->lease_owner.empty() ? "" : ", leased to " + target->lease_owner) +
                         ")");
  }
  const bool terminal = done.kind != Completion::Kind::kRetry;
  const int64_t now = ToUnixMs(done.now);
  std::string result_headers;
  if (done.result.has_value()) {
    EncodeHeaders(done.result->headers, result_headers);
  }
  {
    Query q(c, kComplete);
    q.Bind(1, target->seq).BindText(2, CompletionState(done.kind)).Bind(3, now);
    if (terminal) {
      q.Bind(4, now).BindNull(5);
    } else {
      q.BindNull(4).Bind(5, ToUnixMs(done.next_run_at));
    }
    q.BindText(6, done.error).BindBlob(7, done.stdout_tail).BindBlob(8, done.stderr_tail);
    if (done.result.has_value()) {
      q.Bind(9, done.result->status).BindText(10, result_headers).BindBlob(11, done.result->body);
    } else {
      q.BindNull(9).BindNull(10).BindNull(11);
    }
    q.Bind(12, done.attempt_not_run ? 1 : 0).Bind(13, done.max_attempts);
    LH_RETURN_IF_ERROR(q.Run());
  }
  if (done.kind != Completion::Kind::kSucceeded && !done.error.empty()) {
    Query q(c, kRecordRouteError);
    q.Bind(1, target->seq).Bind(2, now).BindText(3, done.error);
    LH_RETURN_IF_ERROR(q.Run());
  }
  // Leaving `running` may unblock the key's head (a no-op when this job is the head).
  LH_RETURN_IF_ERROR(PromoteHead(c, target->function, target->ordering_key));
  if (done.follow_up.has_value()) {
    auto appended = AppendJob(c, *done.follow_up, EncodedRequest::Of(*done.follow_up), done.now);
    if (!appended.ok()) return appended.status();
  }
  return base::Status::Ok();
}

base::Status ExtendJobLease(Connection& c, std::string_view job_id, std::string_view owner,
                            TimePoint until) {
  {
    Query q(c, kExtendLease);
    q.BindText(1, job_id).BindText(2, owner).Bind(3, ToUnixMs(until));
    LH_RETURN_IF_ERROR(q.Run());
  }
  if (c.Changes() > 0) {
    return Status::Ok();
  }
  auto target = FindTarget(c, job_id);
  if (!target.ok()) {
    return target.status();
  }
  return base::Aborted("job " + std::string(job_id) + " is not leased to " + std::string(owner));
}

base::Result<int> RecoverJobLeases(Connection& c, TimePoint now, std::string_view owner,
                                   std::vector<std::string>* dead, bool stopped) {
  int total = 0;
  std::vector<std::pair<std::string, std::string>> keys;  // (function, ordering_key) to recheck
  auto run = [&](Query& q) {
    return q.ForEachRow([&] {
      ++total;
      if (!q.View(1).empty()) keys.emplace_back(q.String(0), q.String(1));
      if (dead != nullptr && q.View(3) == "dead") dead->push_back(q.String(2));
    });
  };
  // The owner's own first: a stop that took longer than the lease (shutdown_grace past it) must
  // not find its own attempts taken back as expired, which counts them.
  if (!owner.empty()) {
    Query q(c, stopped ? kReleaseOwner : kRecoverOwner);
    q.Bind(1, ToUnixMs(now))
        .BindText(2, stopped ? kStoppedError : kOwnerRecoveredError)
        .BindText(3, owner);
    LH_RETURN_IF_ERROR(run(q));
  }
  {
    Query q(c, kRecoverExpired);
    q.Bind(1, ToUnixMs(now)).BindText(2, kLeaseExpiredError);
    LH_RETURN_IF_ERROR(run(q));
  }
  for (const auto& [function, key] : keys) {
    LH_RETURN_IF_ERROR(PromoteHead(c, function, key));
  }
  return total;
}

base::Status UnclaimJob(Connection& c, std::string_view job_id, std::string_view owner,
                        TimePoint now) {
  std::optional<std::pair<std::string, std::string>> key;  // (function, ordering_key)
  {
    Query q(c, kUnclaim);
    q.BindText(1, job_id).BindText(2, owner).Bind(3, ToUnixMs(now));
    LH_RETURN_IF_ERROR(q.ForEachRow([&] { key.emplace(q.String(0), q.String(1)); }));
  }
  if (!key) {
    auto target = FindTarget(c, job_id);
    if (!target.ok()) return target.status();
    return base::Aborted("job " + std::string(job_id) + " is not leased to " + std::string(owner));
  }
  // Leaving `running` may unblock the key's head (a no-op when this job is the head).
  if (!key->second.empty()) LH_RETURN_IF_ERROR(PromoteHead(c, key->first, key->second));
  return base::Status::Ok();
}

base::Status RetryJob(Connection& c, std::string_view job_id, TimePoint now) {
  auto target = FindTarget(c, job_id);
  if (!target.ok()) {
    return target.status();
  }
  if (!IsTerminal(target->state)) {
    return base::FailedPrecondition("job " + std::string(job_id) + " is " +
                                    std::string(ToString(target->state)) + ", not finished");
  }
  if (target->ordering_key.empty()) {
    Query q(c, kRequeue);
    q.Bind(1, target->seq).Bind(2, ToUnixMs(now)).Bind(3, 0);
    return q.Run();
  }
  // The job goes back to its place in the key's FIFO: behind an older unfinished job, or in
  // front of the current head, which then waits (and, if it is running, so does this job).
  std::optional<int64_t> head;
  {
    Query q(c, kKeyHead);
    q.BindText(1, target->function).BindText(2, target->ordering_key);
    auto row = q.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (*row) {
      head = q.OptionalInt(0);
    }
  }
  if (head.has_value() && *head > target->seq) {
    Query q(c, kBlockRow);
    q.Bind(1, *head);
    LH_RETURN_IF_ERROR(q.Run());
  }
  {
    Query q(c, kRequeue);
    q.Bind(1, target->seq).Bind(2, ToUnixMs(now)).Bind(3, 1);
    LH_RETURN_IF_ERROR(q.Run());
  }
  return PromoteHead(c, target->function, target->ordering_key);
}

base::Status CancelJob(Connection& c, std::string_view job_id, TimePoint now) {
  auto target = FindTarget(c, job_id);
  if (!target.ok()) {
    return target.status();
  }
  if (IsTerminal(target->state)) {
    return base::FailedPrecondition("job " + std::string(job_id) + " is already " +
                                    std::string(ToString(target->state)));
  }
  {
    Query q(c, kCancel);
    q.Bind(1, target->seq).Bind(2, ToUnixMs(now));
    LH_RETURN_IF_ERROR(q.Run());
  }
  return PromoteHead(c, target->function, target->ordering_key);
}

base::Status KeepStoppedOutput(Connection& c, std::string_view job_id,
                               const std::string& stdout_tail, const std::string& stderr_tail) {
  Query q(c, kKeepStoppedOutput);
  q.BindText(1, job_id).BindBlob(2, stdout_tail).BindBlob(3, stderr_tail);
  LH_RETURN_IF_ERROR(q.Run());
  if (c.Changes() == 0) {
    return base::FailedPrecondition("job " + std::string(job_id) + " is not cancelled");
  }
  return base::Status::Ok();
}

}  // namespace longhaul::store::sqlite::internal
