#include "ingest/destinations.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "base/duration.h"
#include "base/time_format.h"
#include "base/utf8.h"
#include "ingest/ingest_handler.h"
#include "ingest/json_pointer_scan.h"
#include "lambda/apigw.h"

namespace longhaul::ingest {
namespace json = boost::json;

namespace {

// A payload as the record's JSON text: JSON as it is (its numbers as written: parsed, 0.5
// would come back as 5E-1 and 1e400 as Infinity, which is no JSON), other text as a string
// (a record is JSON: UTF-8), nothing as null.
std::string JsonOrString(const std::string& body) {
  if (body.empty()) return "null";
  boost::system::error_code ec;
  (void)json::parse(body, ec, {}, KeyBodyParseOptions());
  if (ec) return json::serialize(json::string(base::ToValidUtf8(body)));
  return body;
}

std::string HeaderValue(const store::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return v;
  }
  return "";
}

// What the function was invoked with: an Invoke's payload, or for a Lambda function on a route
// the API Gateway event it got (as one built when the job ran: the same request and job).
std::string RequestPayload(const store::Job& job, const config::Function& fn) {
  if (fn.kind != config::RuntimeKind::kLambda || runtime::IsInvokeJob(job.route)) {
    if (fn.kind == config::RuntimeKind::kLambda && job.request.body.empty()) {
      return "{}";  // what the function got (lambda::MakeDelivery)
    }
    return JsonOrString(job.request.body);
  }
  lambda::HttpApiContext ctx;
  ctx.route_key = job.route;
  ctx.request_id = job.id;
  ctx.time = job.created_at;
  return lambda::BuildHttpApiEvent(job.request, ctx);
}

}  // namespace

std::string InvocationRecord(const store::Job& job, const config::Function& fn,
                             const runtime::Outcome& outcome, RecordCondition condition,
                             base::TimePoint now) {
  auto region_it = fn.environment.find("AWS_REGION");
  std::string region = region_it == fn.environment.end() || region_it->second.empty()
                           ? "us-east-1"
                           : region_it->second;
  json::object request_context{
      {"requestId", job.id},
      {"functionArn",
       "arn:aws:lambda:" + region + ":000000000000:function:" + fn.name + ":$LATEST"},
      {"condition", condition == RecordCondition::kSuccess            ? "Success"
                    : condition == RecordCondition::kRetriesExhausted ? "RetriesExhausted"
                                                                      : "EventAgeExceeded"},
      {"approximateInvokeCount", job.attempts}};
  json::object response_context{{"statusCode", 200}, {"executedVersion", "$LATEST"}};
  std::string response_payload = JsonOrString(outcome.response.body);
  if (condition != RecordCondition::kSuccess) {
    response_context["functionError"] = "Unhandled";
    if (outcome.response.body.empty()) {
      response_payload = json::serialize(json::object{
          {"errorMessage",
           "RequestId: " + job.id + " " +
               (outcome.status.ok() ? std::string("failed") : outcome.status.message())}});
    }
  }
  // Put together as text: the payloads go in as they are (JsonOrString).
  return "{\"version\":\"1.0\",\"timestamp\":" +
         json::serialize(json::string(base::FormatIsoMillis(now))) +
         ",\"requestContext\":" + json::serialize(request_context) +
         ",\"requestPayload\":" + RequestPayload(job, fn) +
         ",\"responseContext\":" + json::serialize(response_context) +
         ",\"responsePayload\":" + response_payload + "}";
}

bool IsAsyncInvocation(const store::Job& job, bool caller_waits) {
  if (job.route == "invoke") {
    return HeaderValue(job.request.headers, "X-Amz-Invocation-Type") == "Event";
  }
  if (job.route == "destination") return true;
  // A route's: whatever its ack, the outcome reaches its caller only if one still waits.
  return !caller_waits;
}

Destinations::Destinations(const base::Clock& clock, base::Logger& log,
                           std::shared_ptr<const config::Config> config)
    : clock_(clock), log_(log) {
  config_.store(std::move(config));
}

std::optional<store::NewJob> Destinations::FollowUp(const store::Job& job,
                                                    const config::Function& fn,
                                                    const runtime::Outcome& outcome,
                                                    store::Completion::Kind kind,
                                                    bool caller_waits) {
  if (kind == store::Completion::Kind::kRetry) return std::nullopt;
  bool success = kind == store::Completion::Kind::kSucceeded;
  return Record(success ? fn.on_success : fn.on_failure, job, fn, outcome,
                success ? RecordCondition::kSuccess : RecordCondition::kRetriesExhausted,
                caller_waits);
}

std::optional<store::NewJob> Destinations::ExpiryFollowUp(const store::Job& job,
                                                          const config::Function& fn) {
  runtime::Outcome outcome;
  outcome.status = base::DeadlineExceeded("event age exceeded (max_event_age " +
                                          base::FormatDuration(fn.max_event_age) + ")");
  return Record(fn.on_failure, job, fn, outcome, RecordCondition::kEventAgeExceeded, false);
}

std::optional<store::NewJob> Destinations::Record(const config::Destination& dest,
                                                  const store::Job& job, const config::Function& fn,
                                                  const runtime::Outcome& outcome,
                                                  RecordCondition condition, bool caller_waits) {
  if (dest.empty()) return std::nullopt;
  auto cfg = config_.load();
  if (!IsAsyncInvocation(job, caller_waits)) return std::nullopt;
  const config::Function* target = cfg->FindFunction(dest.function);
  config::Function missing;  // a reload removed it while this attempt ran
  if (target == nullptr) {
    // The record is kept all the same: it waits, as the function's queued jobs do, until a
    // config has the function again (sched.function_missing says so meanwhile).
    log_.Warn("destination.function_missing",
              {{"job", job.id},
               {"function", dest.function},
               {"detail", "the record waits until the config has the function again"}});
    missing.name = dest.function;
    missing.delivers_to_url = dest.function.find(':') != std::string::npos;  // NAME:on_failure
    target = &missing;
  }
  store::Request req;
  req.method = "POST";
  if (target->delivers_to_url) {
    req.path.assign(1, '/');  // not = "/": g++ 12 warns falsely (-Wrestrict)
    req.headers = {{"Content-Type", "application/json"}};
  } else {
    req.path = "/2015-03-31/functions/" + target->name + "/invocations";
    req.headers = {{"X-Amz-Invocation-Type", "Event"}, {"Content-Type", "application/json"}};
  }
  req.body = InvocationRecord(job, fn, outcome, condition, clock_.Now());
  return NewJobFor(*target, "destination", std::move(req), clock_.Now());
}

}  // namespace longhaul::ingest
