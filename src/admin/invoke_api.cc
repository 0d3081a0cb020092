#include "admin/invoke_api.h"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "admin/sigv4.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/ids.h"
#include "base/utf8.h"
#include "config/function_key.h"
#include "http/async.h"
#include "ingest/job_wait.h"
#include "ingest/json_pointer_scan.h"
#include "ingest/keys.h"
#include "ingest/submit.h"
#include "webhook/hmac.h"

namespace longhaul::admin {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool IsQualifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '$';
}

}  // namespace

base::Result<FunctionRef> ParseFunctionRef(std::string_view function_name,
                                           std::string_view qualifier_param) {
  auto bad = [&](std::string why) {
    return base::InvalidArgument("invalid FunctionName '" + std::string(function_name) +
                                 "': " + why);
  };
  if (function_name.empty() || function_name.size() > 256) return bad("length must be 1-256");
  std::string_view rest = function_name;
  // Full ARN: arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>].
  if (rest.substr(0, 4) == "arn:") {
    size_t p = rest.find(":function:");
    if (p == std::string_view::npos) return bad("an ARN needs ':function:'");
    std::string_view head = rest.substr(0, p);  // arn:aws:lambda:us-east-1:123456789012
    if (head.find(":lambda:") == std::string_view::npos) return bad("not a Lambda ARN");
    rest.remove_prefix(p + 10);
  } else if (size_t p = rest.find(":function:"); p != std::string_view::npos) {
    rest.remove_prefix(p + 10);  // partial ARN: <account>:function:<name>
  } else if (rest.substr(0, 9) == "function:") {
    rest.remove_prefix(9);
  }
  FunctionRef ref;
  size_t colon = rest.find(':');
  ref.name = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) ref.qualifier = std::string(rest.substr(colon + 1));
  if (ref.name.empty() || ref.name.size() > 64) return bad("the name must be 1-64 characters");
  for (char c : ref.name) {
    if (!IsNameChar(c)) return bad("the name may use only letters, digits, '-', '_' and '.'");
  }
  if (colon != std::string_view::npos && ref.qualifier.empty()) return bad("empty qualifier");
  if (!qualifier_param.empty()) {
    if (!ref.qualifier.empty() && ref.qualifier != qualifier_param) {
      return base::InvalidArgument(
          "the derived qualifier from the function name does not match "
          "the specified qualifier");
    }
    ref.qualifier = std::string(qualifier_param);
  }
  if (ref.qualifier.size() > 128) return base::InvalidArgument("Qualifier is over 128 characters");
  for (char c : ref.qualifier) {
    if (!IsQualifierChar(c)) {
      return base::InvalidArgument("invalid Qualifier '" + ref.qualifier + "'");
    }
  }
  return ref;
}

base::Result<InvocationType> ParseInvocationType(std::string_view header) {
  if (header.empty() || header == "RequestResponse") return InvocationType::kRequestResponse;
  if (header == "Event") return InvocationType::kEvent;
  if (header == "DryRun") return InvocationType::kDryRun;
  return base::InvalidArgument("1 validation error detected: Value '" + std::string(header) +
                               "' at 'invocationType' failed to satisfy constraint: Member must "
                               "satisfy enum value set: [Event, RequestResponse, DryRun]");
}

base::Result<bool> ParseLogTypeTail(std::string_view header) {
  if (header.empty() || header == "None") return false;
  if (header == "Tail") return true;
  return base::InvalidArgument("1 validation error detected: Value '" + std::string(header) +
                               "' at 'logType' failed to satisfy constraint: Member must satisfy "
                               "enum value set: [Tail, None]");
}

base::Status CheckJsonPayload(std::string_view body) {
  if (body.empty()) return base::Status::Ok();
  boost::system::error_code ec;
  // As deep as a route's body may be (the default, 32 levels, refuses valid events).
  json::value v = json::parse(body, ec, {}, ingest::KeyBodyParseOptions());
  if (ec) return base::InvalidArgument("Could not parse request body into json: " + ec.message());
  return base::Status::Ok();
}

base::Status CheckClientContext(std::string_view header) {
  if (header.empty()) return base::Status::Ok();
  if (header.size() > kMaxClientContext) {
    return base::InvalidArgument("Client context must be at most " +
                                 std::to_string(kMaxClientContext) + " bytes of base64, got " +
                                 std::to_string(header.size()));
  }
  std::optional<std::string> decoded = base::Base64Decode(header);
  boost::system::error_code ec;
  json::value v;
  if (decoded) v = json::parse(*decoded, ec);
  if (!decoded || ec || !v.is_object()) {
    return base::InvalidArgument("Client context must be a valid Base64-encoded JSON object.");
  }
  return base::Status::Ok();
}

std::string FunctionArn(std::string_view region, std::string_view name,
                        std::string_view qualifier) {
  std::string arn = "arn:aws:lambda:";
  arn.append(region).append(":000000000000:function:").append(name);
  if (!qualifier.empty()) arn.append(":").append(qualifier);
  return arn;
}

std::string LogTail(const store::Job& job, bool stderr_is_log) {
  std::string log = stderr_is_log ? std::string() : job.stdout_tail;
  if (!log.empty() && !job.stderr_tail.empty() && log.back() != '\n') log += '\n';
  log += job.stderr_tail;
  if (log.size() > kLogTailBytes) log.erase(0, log.size() - kLogTailBytes);
  return log;
}

namespace {

// Lambda names every answer, an error too, by a request id (the SDKs put it in an error's
// $metadata.requestId, for the logs); one that ran as a job gets the job id over this.
void SetFreshRequestId(http::Response& res) {
  res.set("x-amzn-RequestId", base::NewJobId(base::SystemClock().Now()));
}

}  // namespace

http::Response LambdaError(unsigned status, std::string_view type, std::string_view message) {
  json::object body{{"Type", status < 500 ? "User" : "Service"},
                    {"Message", base::ToValidUtf8(message)}};
  http::Response res = http::MakeResponse(status, json::serialize(body));
  res.set("x-amzn-ErrorType", type);
  SetFreshRequestId(res);
  return res;
}

namespace {

// 503 ServiceException with Retry-After: this server cannot take or finish the call now.
http::Response ServiceUnavailable(std::string_view message) {
  http::Response res = LambdaError(503, "ServiceException", message);
  res.set(boost::beast::http::field::retry_after, "1");
  return res;
}

}  // namespace

http::Response RequestTooLarge(InvocationType type, size_t limit) {
  return LambdaError(413, "RequestTooLargeException",
                     "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                         std::string(type == InvocationType::kEvent ? "Event" : "RequestResponse") +
                         " invocation type");
}

http::Response StoreError(const base::Status& status, std::string_view throttle_reason) {
  switch (status.code()) {
    case base::Code::kResourceExhausted: {
      json::object body{{"Type", "User"}, {"Message", "Rate exceeded: " + status.message()}};
      if (!throttle_reason.empty()) body["Reason"] = throttle_reason;
      http::Response res = http::MakeResponse(429, json::serialize(body));
      res.set("x-amzn-ErrorType", "TooManyRequestsException");
      res.set("Retry-After", "1");
      SetFreshRequestId(res);
      return res;
    }
    case base::Code::kInternal:
      return LambdaError(500, "ServiceException", status.message());
    default:
      return ServiceUnavailable("cannot store the invocation now: " + status.message());
  }
}

sigv4::SignedRequest ToSignedRequest(const http::Request& req) {
  sigv4::SignedRequest s;
  s.method = std::string(req.method_string());
  std::string_view target = req.target();
  size_t q = target.find('?');
  s.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) s.query = std::string(target.substr(q + 1));
  for (const auto& h : req) {
    s.headers.emplace_back(std::string(h.name_string()), std::string(h.value()));
  }
  // The body as received, whatever x-amz-content-sha256 claims: a signature over the claim
  // alone would let a captured request be replayed with another body.
  s.payload_hash = sigv4::Sha256Hex(req.body());
  return s;
}

std::optional<http::Response> CheckSignature(const config::Config& cfg, const http::Request& req,
                                             base::TimePoint now, bool token_checked) {
  if (token_checked) return std::nullopt;
  // The functions' own key (config/function_key.h) signs what the SDK inside one sends.
  std::optional<config::AccessKey> function_key = config::FunctionAccessKey(cfg.server);
  if (!function_key) return std::nullopt;  // no authentication configured
  if (cfg.server.lambda_access_keys.empty() &&
      !sigv4::IsSigV4(req[boost::beast::http::field::authorization])) {
    return std::nullopt;  // admin_token alone: the bearer token was checked
  }
  std::vector<sigv4::AccessKey> keys{{function_key->id, function_key->secret}};
  for (const auto& [id, secret] : cfg.server.lambda_access_keys) keys.push_back({id, secret});
  sigv4::Verdict v = sigv4::Verify(ToSignedRequest(req), keys, now);
  if (v.failure == sigv4::Failure::kNone) return std::nullopt;
  if (v.failure == sigv4::Failure::kUnrecognizedClient && cfg.server.lambda_access_keys.empty()) {
    // admin_token alone: an SDK outside the functions cannot sign with any key (QA: the
    // README's "any signature is accepted" misled an SDK user here).
    v.message +=
        " (this server has an admin_token and no server.lambda_access_keys: an SDK "
        "signs with a key listed there, as it cannot send the bearer token)";
  }
  return LambdaError(403, sigv4::ErrorType(v.failure), v.message);
}

asio::awaitable<http::Response> Invoke(const ingest::IngestDeps& deps,
                                       const std::shared_ptr<const config::Config>& config,
                                       std::string_view function_name, std::string_view query,
                                       http::Request& req, const http::ConnInfo& conn,
                                       bool token_checked) {
  const config::Config& cfg = *config;
  if (auto denied = CheckSignature(cfg, req, deps.clock.Now(), token_checked)) {
    co_return std::move(*denied);
  }
  std::string qualifier_param = ingest::FindQueryParam(query, "Qualifier").value_or("");
  auto ref = ParseFunctionRef(function_name, qualifier_param);
  if (!ref.ok()) {
    co_return LambdaError(400, "InvalidParameterValueException", ref.status().message());
  }
  const config::Function* fn = cfg.FindFunction(ref->name);
  if (fn == nullptr) {
    co_return LambdaError(
        404, "ResourceNotFoundException",
        "Function not found: " + FunctionArn("us-east-1", ref->name, ref->qualifier));
  }
  auto type = ParseInvocationType(req["X-Amz-Invocation-Type"]);
  if (!type.ok()) {
    co_return LambdaError(400, "InvalidParameterValueException", type.status().message());
  }
  auto tail = ParseLogTypeTail(req["X-Amz-Log-Type"]);
  if (!tail.ok()) {
    co_return LambdaError(400, "InvalidParameterValueException", tail.status().message());
  }
  if (base::Status s = CheckClientContext(req["X-Amz-Client-Context"]); !s.ok()) {
    co_return LambdaError(400, "InvalidRequestContentException", s.message());
  }
  size_t limit = *type == InvocationType::kEvent ? kMaxAsyncPayload : kMaxSyncPayload;
  if (req.body().size() > limit) co_return RequestTooLarge(*type, limit);
  // Lambda functions get JSON events, as in AWS; command and http functions take any bytes
  // (`longhaul invoke --data` sends text).
  if (fn->kind == config::RuntimeKind::kLambda) {
    if (base::Status s = CheckJsonPayload(req.body()); !s.ok()) {
      co_return LambdaError(400, "InvalidRequestContentException", s.message());
    }
  }
  if (*type == InvocationType::kDryRun) {
    http::Response res = http::MakeResponse(204, "", "");
    res.set("X-Amz-Executed-Version", "$LATEST");
    SetFreshRequestId(res);
    co_return res;
  }

  if (*type == InvocationType::kRequestResponse && deps.scheduler.stopping()) {
    // Nothing runs until the next start: stored now, it would only wait for its caller to go.
    co_return ServiceUnavailable(
        "the server is stopping: nothing new runs until it starts again; nothing was stored");
  }
  store::Request stored = ingest::ToStoreRequest(req, conn);
  // The caller's credentials were checked above and are of no use to the function: they are
  // not kept with the job (where `jobs show` would print them).
  std::erase_if(stored.headers, [](const auto& header) {
    return boost::iequals(header.first, "Authorization") ||
           boost::iequals(header.first, "X-Amz-Security-Token");
  });
  store::NewJob job = ingest::NewJobFor(*fn, "invoke", std::move(stored), deps.clock.Now());
  std::optional<ingest::JobWatch> watch;
  if (*type == InvocationType::kRequestResponse) {
    job.max_attempts = 1;  // Lambda retries only asynchronous invocations
    // The answer is the result, not an acknowledgement: no sync of its own for the record.
    job.acknowledged = false;
    // Without a log tail to send, the function's answer can go out before it is recorded.
    watch.emplace(deps.hub, job.id, !*tail);
  }
  // A RequestResponse invoke runs now or is throttled, as in Lambda: queued, it could run after
  // its caller gave up (and an SDK's retry ran it again).
  auto appended = co_await ingest::Submit(deps, config, *fn, job, watch.has_value(),
                                          /*refuse_when_busy=*/watch.has_value());
  if (!appended.ok()) {
    co_return StoreError(appended.status(),
                         watch ? "ReservedFunctionConcurrentInvocationLimitExceeded" : "");
  }
  std::string id = appended->job_id;
  if (*type == InvocationType::kEvent) {
    http::Response res = http::MakeResponse(202, "", "");
    res.set("X-Longhaul-Job-Id", id);
    res.set("x-amzn-RequestId", id);
    co_return res;
  }

  // A cold start's init may take as long as the timeout (at least 10 s) before it counts.
  const base::Duration wait = std::max<base::Duration>(fn->timeout, std::chrono::seconds(10)) +
                              fn->timeout + std::chrono::seconds(5);
  auto done = co_await ingest::WaitForJob({deps.store, deps.hub, deps.pool, conn.peer}, id, wait,
                                          watch && !appended->duplicate ? &*watch : nullptr);
  if (!done.ok() && done.status().code() == base::Code::kUnavailable) {
    // The job is stored (its outcome may not be): the answer names it.
    http::Response res = ServiceUnavailable(done.status().message());
    res.set("X-Longhaul-Job-Id", id);
    res.set("x-amzn-RequestId", id);
    co_return res;
  }
  if (!done.ok()) co_return StoreError(done.status());
  http::Response res;
  if (!store::IsTerminal(done->state) && deps.hub.closed()) {
    // Not a timeout: the server stops. The attempt is stopped too, and not run again.
    res = ServiceUnavailable(
        "the server is stopping; the invocation was stopped before it finished; GET " +
        deps.status_base + "/jobs/" + id + " for its outcome");
  } else if (!store::IsTerminal(done->state)) {
    res = LambdaError(504, "ServiceException",
                      "the invocation did not finish in time; GET " + deps.status_base + "/jobs/" +
                          id + " for its outcome");
  } else if (done->state == store::JobState::kFailed && done->attempts == 0) {
    // The function never started: this server was out of processes, descriptors, memory or
    // disk space (sched::DecideNotStarted). Its shortage, not the function's error: an SDK
    // retries a 503, and nothing ran twice.
    res = ServiceUnavailable("the function could not be started, try again: " + done->last_error);
  } else if (done->state == store::JobState::kSucceeded && done->result) {
    res = http::MakeResponse(200, done->result->body);
  } else {
    if (done->result && !done->result->body.empty()) {
      // The runtime's own error body (a Lambda function's error JSON) beats our summary.
      res = http::MakeResponse(200, done->result->body);
    } else {
      std::string message =
          done->last_error.empty() ? std::string(store::ToString(done->state)) : done->last_error;
      res = http::MakeResponse(
          200, json::serialize(json::object{{"errorMessage", "RequestId: " + id + " " + message},
                                            {"errorType", "Runtime.Unhandled"}}));
    }
    res.set("X-Amz-Function-Error", "Unhandled");
  }
  if (*tail && store::IsTerminal(done->state)) {
    res.set("X-Amz-Log-Result",
            webhook::Base64Encode(LogTail(*done, fn->kind == config::RuntimeKind::kLambda)));
  }
  if (done->result) {
    // A command's output cut at its output_limit says so here too.
    for (const auto& [name, value] : done->result->headers) {
      if (boost::iequals(name, "X-Longhaul-Result-Truncated")) res.set(name, value);
    }
  }
  res.set("X-Amz-Executed-Version", "$LATEST");
  res.set("X-Longhaul-Job-Id", id);
  res.set("x-amzn-RequestId", id);
  co_return res;
}

}  // namespace longhaul::admin
