// The Lambda Invoke API on the admin listener:
//   POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]
// FunctionName is a name, a partial ARN ("123456789012:function:name") or a full ARN, with an
// optional ":qualifier"; every qualifier runs the one version ($LATEST). X-Amz-Invocation-Type:
//   RequestResponse (default) one attempt, waits: 200 + the function's payload; on a function
//                   error 200 + X-Amz-Function-Error: Unhandled + the error JSON. X-Amz-Log-Type:
//                   Tail adds X-Amz-Log-Result (base64 of the last 4 KB of the attempt's output).
//   Event           202, empty body, only after the durable write; the function's retries and
//                   max_event_age apply.
//   DryRun          204 once the function and parameters check out.
// x-amzn-RequestId is the job id. Errors are Lambda's restJson1 errors: header x-amzn-ErrorType
// and body {"Type":"User"|"Service","Message":...}.
// Thread-safety: the free functions are pure; Invoke may run on any connection coroutine.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "admin/sigv4.h"
#include "base/status.h"
#include "config/config.h"
#include "ingest/ingest_handler.h"
#include "store/job.h"

namespace longhaul::admin {

// Lambda's payload limits: 6 MB for a synchronous request, 1 MB for an Event (async) request.
inline constexpr size_t kMaxSyncPayload = 6 * 1024 * 1024;
inline constexpr size_t kMaxAsyncPayload = 1024 * 1024;
// X-Amz-Log-Result carries at most this many bytes of log, before base64.
inline constexpr size_t kLogTailBytes = 4096;

struct FunctionRef {
  std::string name;       // the function's name, e.g. "my-function"
  std::string qualifier;  // "" when unqualified, else the version or alias ("$LATEST", "v1")
};

// Splits the decoded FunctionName path segment and the Qualifier query value. kInvalidArgument
// for an empty or malformed name or qualifier, or when the ":qualifier" suffix and ?Qualifier=
// disagree (Lambda rejects that too).
base::Result<FunctionRef> ParseFunctionRef(std::string_view function_name,
                                           std::string_view qualifier_param);

enum class InvocationType {
  kRequestResponse,  // run one attempt and answer with its outcome
  kEvent,            // store, 202; the scheduler runs it with the function's retries
  kDryRun,           // check only, 204
};
// "" -> RequestResponse. kInvalidArgument for any other unknown value.
base::Result<InvocationType> ParseInvocationType(std::string_view header);
// X-Amz-Log-Type: "" or "None" -> false, "Tail" -> true; kInvalidArgument otherwise.
base::Result<bool> ParseLogTypeTail(std::string_view header);

// kInvalidArgument unless `body` is empty (a null event) or one JSON value. Invoke applies it to
// `runtime: lambda` functions only; command and http functions take any bytes.
base::Status CheckJsonPayload(std::string_view body);

// The longest X-Amz-Client-Context Lambda takes: 3583 bytes of base64.
inline constexpr size_t kMaxClientContext = 3583;
// X-Amz-Client-Context: "" (none), or at most kMaxClientContext bytes of base64 that decode to
// a JSON object (the runtime client JSON.parses it). kInvalidArgument otherwise.
base::Status CheckClientContext(std::string_view header);

// "arn:aws:lambda:<region>:000000000000:function:<name>" (+ ":<qualifier>" when non-empty).
std::string FunctionArn(std::string_view region, std::string_view name,
                        std::string_view qualifier = "");

// The last kLogTailBytes bytes of the attempt's log: for `runtime: lambda` (stderr_is_log) the
// stderr tail, which already holds START, stdout, stderr, END and REPORT; otherwise the stdout
// tail, then the stderr tail.
std::string LogTail(const store::Job& job, bool stderr_is_log = false);

// A Lambda service error: x-amzn-ErrorType: `type`, {"Type": User for 4xx / Service for 5xx,
// "Message": message}.
http::Response LambdaError(unsigned status, std::string_view type, std::string_view message);
// 413 RequestTooLargeException for a `type` invocation whose body is over `limit` bytes.
http::Response RequestTooLarge(InvocationType type, size_t limit);
// A store failure as Lambda names it: kResourceExhausted -> 429 TooManyRequestsException with
// Retry-After: 1 (the commit queue is full, or the function is at its concurrency: then with
// `throttle_reason` as the body's Reason), kInternal -> 500 ServiceException, anything else ->
// 503 ServiceException with Retry-After: 1. (A RequestResponse invoke that this server could
// not start, out of processes or descriptors, also gets a 503 with Retry-After: 1.)
http::Response StoreError(const base::Status& status, std::string_view throttle_reason = "");

// The parts of `req` SigV4 signs, the payload hash computed from the body (never taken from
// x-amz-content-sha256, so UNSIGNED-PAYLOAD is not accepted either).
sigv4::SignedRequest ToSignedRequest(const http::Request& req);

// With server.lambda_access_keys set: nullopt when `req` carries a valid SigV4 signature by one
// of the keys or by the functions' own key (config/function_key.h), else the 403 Lambda
// answers (InvalidSignatureException, UnrecognizedClientException or
// MissingAuthenticationTokenException). With admin_token alone the same for a SigV4-signed
// request (by the functions' key); nullopt for any other (its bearer token was checked).
// Without either: nullopt. `token_checked`: the request brought the admin token (the admin
// handler checked it; `longhaul invoke` sends it): nullopt.
std::optional<http::Response> CheckSignature(const config::Config& cfg, const http::Request& req,
                                             base::TimePoint now, bool token_checked = false);

// Handles one Invoke call (signature first, see CheckSignature). `query` is the raw query string
// without '?'. Suspends while the job is stored and, for RequestResponse, until it ends (at most
// the function's timeout + 5 s, then 504 ServiceException-free: the job id in x-amzn-RequestId
// still finds it).
boost::asio::awaitable<http::Response> Invoke(const ingest::IngestDeps& deps,
                                              const std::shared_ptr<const config::Config>& config,
                                              std::string_view function_name,
                                              std::string_view query, http::Request& req,
                                              const http::ConnInfo& conn,
                                              bool token_checked = false);

}  // namespace longhaul::admin
