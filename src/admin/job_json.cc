#include "admin/job_json.h"

#include <boost/json/array.hpp>
#include <ctime>

namespace longhaul::admin {
namespace json = boost::json;

std::string FormatTime(base::TimePoint t) {
  int64_t ms = base::ToUnixMs(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

namespace {

json::object HeadersToJson(const store::Headers& headers) {
  json::object o;
  for (const auto& [k, v] : headers) o[k] = v;
  return o;
}

}  // namespace

json::object JobToJson(const store::Job& job, bool with_request) {
  json::object o;
  o["id"] = job.id;
  o["function"] = job.function;
  o["route"] = job.route;
  o["state"] = store::ToString(job.state);
  o["attempts"] = job.attempts;
  o["max_attempts"] = job.max_attempts;
  o["created_at"] = FormatTime(job.created_at);
  o["updated_at"] = FormatTime(job.updated_at);
  if (job.started_at) o["started_at"] = FormatTime(*job.started_at);
  if (job.finished_at) o["finished_at"] = FormatTime(*job.finished_at);
  if (!store::IsTerminal(job.state)) o["next_run_at"] = FormatTime(job.next_run_at);
  if (!job.idempotency_key.empty()) o["idempotency_key"] = job.idempotency_key;
  if (!job.ordering_key.empty()) o["ordering_key"] = job.ordering_key;
  if (job.state == store::JobState::kRunning) {
    o["lease_owner"] = job.lease_owner;
    o["lease_expires_at"] = FormatTime(job.lease_expires_at);
  }
  if (job.result) {
    json::object r;
    r["status"] = job.result->status;
    r["headers"] = HeadersToJson(job.result->headers);
    r["body"] = job.result->body;
    o["result"] = std::move(r);
  }
  if (!job.last_error.empty()) o["last_error"] = job.last_error;
  if (!job.stdout_tail.empty()) o["stdout_tail"] = job.stdout_tail;
  if (!job.stderr_tail.empty()) o["stderr_tail"] = job.stderr_tail;
  if (with_request) {
    json::object r;
    r["method"] = job.request.method;
    r["path"] = job.request.path;
    r["query"] = job.request.query;
    r["headers"] = HeadersToJson(job.request.headers);
    r["body"] = job.request.body;
    o["request"] = std::move(r);
  }
  return o;
}

}  // namespace longhaul::admin
