#include "ingest/responses.h"

#include <boost/json/parse.hpp>

#include "base/log.h"
#include "http/response_bytes.h"
#include "runtime/forward/header_filter.h"

namespace longhaul::ingest {
namespace bh = boost::beast::http;

namespace {

std::string JobJson(const std::string& id, const std::string& status_url, std::string_view state,
                    std::string_view error) {
  std::string body = "{\"id\":\"" + id + "\"";
  if (!state.empty()) {
    body += ",\"state\":\"";
    body += state;
    body += '"';
  }
  if (!error.empty()) {
    body += ",\"error\":\"";
    base::AppendJsonText(body, error);
    body += '"';
  }
  body += ",\"status_url\":\"";
  base::AppendJsonText(body, status_url);
  body += "\"}";
  return body;
}

// What an ack_body is: JSON when it parses as JSON, else text ("queued", "ok").
std::string AckContentType(const std::string& body) {
  if (body.empty()) return "";
  boost::system::error_code ec;
  boost::json::parse(body, ec);
  return ec ? "text/plain; charset=utf-8" : "application/json";
}

}  // namespace

http::Response AcceptedResponse(const config::Route* route, const std::string& job_id,
                                const std::string& status_url, bool duplicate) {
  http::Response res;
  if (route != nullptr && route->ack_body.has_value()) {
    res = http::MakeResponse(route->ack_status, *route->ack_body, AckContentType(*route->ack_body));
  } else {
    res = http::MakeResponse(route != nullptr ? route->ack_status : 202,
                             JobJson(job_id, status_url, "", ""));
  }
  res.set("X-Longhaul-Job-Id", job_id);
  res.set(bh::field::location, status_url);
  if (duplicate) res.set("X-Longhaul-Duplicate", "true");
  return res;
}

http::Response OutcomeResponse(const store::Job& job, const std::string& status_url,
                               const config::Config& config, bool head_request, bool to_sender) {
  http::Response res;
  const config::Function* fn = config.FindFunction(job.function);
  const bool upstream_answer =
      fn != nullptr && fn->kind == config::RuntimeKind::kHttp &&
      (job.state == store::JobState::kFailed || job.state == store::JobState::kDead);
  if ((job.state == store::JobState::kSucceeded || upstream_answer) && job.result) {
    res.result(static_cast<bh::status>(job.result->status));
    res.version(11);
    // A function's own framing or hop-by-hop fields (Transfer-Encoding, Connection, Upgrade,
    // Content-Length) would contradict how this answer is framed: this server sets them.
    // Nor may it speak for this server about the job (its state, a duplicate delivery).
    for (const auto& [k, v] : runtime::forward::ForwardableHeaders(job.result->headers)) {
      if (!boost::beast::iequals(k, "X-Longhaul-Job-State") &&
          !boost::beast::iequals(k, "X-Longhaul-Duplicate") &&
          !boost::beast::iequals(k, "X-Longhaul-Job-Id")) {
        res.insert(k, v);
      }
    }
    res.body() = job.result->body;
    http::PreparePayload(res);  // not Beast's: it throws on a 204 or 304 with a body
    if (head_request && job.request.method == "HEAD" && fn != nullptr &&
        fn->kind == config::RuntimeKind::kHttp) {
      // An upstream's answer to HEAD (its client read it as a number): its Content-Length
      // describes the GET's body. A command's or a Lambda function's is its own text, not
      // framing (QA: "abc\x01" went out as it was).
      for (const auto& [k, v] : job.result->headers) {
        if (boost::beast::iequals(k, "Content-Length") && !v.empty() && v.size() <= 19 &&
            v.find_first_not_of("0123456789") == std::string::npos) {
          res.set(bh::field::content_length, v);
        }
      }
    }
    if (upstream_answer) res.set("X-Longhaul-Job-State", store::ToString(job.state));
  } else if (store::IsTerminal(job.state)) {
    const bool cancelled = job.state == store::JobState::kCancelled;
    // A cancel ends the job whatever its last attempt did (a timeout, then a retry pending).
    const bool timed_out = !cancelled && job.last_error.starts_with("DEADLINE_EXCEEDED");
    const bool hidden = to_sender && !timed_out && !cancelled && fn != nullptr &&
                        fn->kind == config::RuntimeKind::kLambda;
    std::string error =
        hidden ? "the function failed (its error is in the job's record)" : job.last_error;
    if (cancelled) {
      error = job.last_error.empty() ? "cancelled"
                                     : "cancelled (its last attempt: " + job.last_error + ")";
    }
    res = http::MakeResponse(timed_out ? 504 : 502,
                             JobJson(job.id, status_url, store::ToString(job.state), error));
  } else {
    res = http::MakeResponse(202, JobJson(job.id, status_url, store::ToString(job.state), ""));
    res.set(bh::field::location, status_url);
  }
  res.set("X-Longhaul-Job-Id", job.id);
  return res;
}

}  // namespace longhaul::ingest
