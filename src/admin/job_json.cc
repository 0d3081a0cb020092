#include "admin/job_json.h"

#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>

#include "base/base64.h"
#include "base/time_format.h"
#include "base/utf8.h"

namespace longhaul::admin {
namespace json = boost::json;

std::string FormatTime(base::TimePoint t) { return base::FormatIsoMillis(t); }

namespace {

// JSON strings must be valid UTF-8; what came from outside may not be. Text (headers, paths,
// keys, logs) is shown with U+FFFD for each bad byte.
json::string Text(std::string_view s) { return json::string(base::ToValidUtf8(s)); }

// A field sent more than once, in whatever letter case (names are case-insensitive, RFC 9110),
// is one key, spelled as it first came, with a list of its values.
json::object HeadersToJson(const store::Headers& headers) {
  json::object o;
  for (const auto& [k, v] : headers) {
    std::string name = base::ToValidUtf8(k);
    json::value* seen = nullptr;
    for (auto& [key, value] : o) {
      if (boost::beast::iequals(key, name)) {
        seen = &value;
        break;
      }
    }
    if (seen == nullptr) {
      o[name] = Text(v);
    } else if (seen->is_array()) {
      seen->as_array().emplace_back(Text(v));
    } else {  // a repeated field (Set-Cookie): all of its values, in order
      json::array all{std::move(*seen), Text(v)};
      *seen = std::move(all);
    }
  }
  return o;
}

// A body goes out whole: as text when it is UTF-8, else base64 with "body_encoding": "base64".
void PutBody(json::object& o, const std::string& body) {
  if (base::IsValidUtf8(body)) {
    o["body"] = body;
  } else {
    o["body"] = base::Base64Encode(body);
    o["body_encoding"] = "base64";
  }
}

// An output tail as text when it is UTF-8 but for a character its cut split at the start (that
// part is dropped); else base64 with "<key>_encoding": "base64", so that no byte is lost.
void PutTail(json::object& o, std::string_view key, std::string_view tail) {
  std::string_view text = tail;
  for (int i = 0; i < 3 && !text.empty() && (static_cast<unsigned char>(text[0]) & 0xC0) == 0x80;
       ++i) {
    text.remove_prefix(1);
  }
  if (base::IsValidUtf8(text)) {
    o[key] = text;
  } else {
    o[key] = base::Base64Encode(tail);
    o[std::string(key) + "_encoding"] = "base64";
  }
}

}  // namespace

json::object JobToJson(const store::Job& job, JobDetail detail) {
  const bool full = detail == JobDetail::kFull;
  json::object o;
  o["id"] = job.id;
  o["function"] = job.function;
  o["route"] = job.route;
  o["state"] = store::ToString(job.state);
  o["attempts"] = job.attempts;
  o["max_attempts"] = job.max_attempts;
  o["interruptions"] = job.interruptions;
  o["created_at"] = FormatTime(job.created_at);
  o["updated_at"] = FormatTime(job.updated_at);
  if (job.started_at) o["started_at"] = FormatTime(*job.started_at);
  if (job.finished_at) o["finished_at"] = FormatTime(*job.finished_at);
  // When it runs next: only for one that waits to (QA: a running job showed one).
  if (job.state == store::JobState::kQueued || job.state == store::JobState::kRetrying) {
    o["next_run_at"] = FormatTime(job.next_run_at);
  }
  if (!job.idempotency_key.empty()) o["idempotency_key"] = Text(job.idempotency_key);
  if (!job.ordering_key.empty()) o["ordering_key"] = Text(job.ordering_key);
  if (job.state == store::JobState::kRunning) {
    o["lease_owner"] = job.lease_owner;
    o["lease_expires_at"] = FormatTime(job.lease_expires_at);
  }
  if (job.result) {
    json::object r;
    r["status"] = job.result->status;
    if (full) {
      r["headers"] = HeadersToJson(job.result->headers);
      PutBody(r, job.result->body);
    }
    o["result"] = std::move(r);
  }
  if (!job.last_error.empty()) o["last_error"] = Text(job.last_error);
  if (full && !job.stdout_tail.empty()) PutTail(o, "stdout_tail", job.stdout_tail);
  if (full && !job.stderr_tail.empty()) PutTail(o, "stderr_tail", job.stderr_tail);
  if (full) {
    json::object r;
    r["method"] = job.request.method;
    r["path"] = Text(job.request.path);
    r["query"] = Text(job.request.query);
    r["headers"] = HeadersToJson(job.request.headers);
    PutBody(r, job.request.body);
    o["request"] = std::move(r);
  }
  return o;
}

}  // namespace longhaul::admin
