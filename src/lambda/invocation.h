// One attempt as a Lambda invocation: what the runtime gets from /next, the error bodies Lambda
// answers with when the runtime does not, and the platform lines of the invocation's log.
//
// The request id (Lambda-Runtime-Aws-Request-Id, context.awsRequestId, requestContext.requestId)
// is the job id. Lambda keeps one request id across the retries of an asynchronous invocation,
// and so do we: every attempt of a job is the same invocation, and the id finds the job in the
// admin API (/jobs/{id}). A post for an earlier attempt cannot be mistaken for a later one: a
// runtime process has one invocation in flight, and a process whose attempt failed without an
// answer (crash, timeout, cancel) is stopped together with its Runtime API endpoint.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "lambda/runtime_api.h"
#include "runtime/runtime.h"

namespace longhaul::lambda {

// (runtime/runtime.h) An Invoke API or destination job's body is the event; any other came
// through an HTTP route (whatever its path) and gets an API Gateway event.
using runtime::IsInvokeJob;

// The time encoded in a job id (its first 48 bits are Unix ms), or `fallback` when `job_id` is
// not one.
base::TimePoint JobTime(std::string_view job_id, base::TimePoint fallback);

// An X-Ray trace header: the request's X-Amzn-Trace-Id when it has one, else
// "Root=1-<8 hex: Unix seconds>-<24 hex>;Parent=<16 hex>;Sampled=0" derived from the job id and
// attempt (stable for one attempt).
std::string TraceId(const runtime::Invocation& inv);

// Lambda-Runtime-Invoked-Function-Arn for a job of `fn` whose route key is `route` and whose
// stored request is `request`: the ARN as invoked. From the Invoke API with a full ARN as
// FunctionName, that ARN (with
// ":<Qualifier>" added when only the query gave one); with a name or partial ARN,
// FunctionArn(fn) (our region and account) plus ":<qualifier>" when the name or ?Qualifier= had
// one. From a route, or when the stored path cannot be read back, FunctionArn(fn). The job's
// stored request carries it, so every attempt (after a restart too) gets the same ARN.
std::string InvokedFunctionArn(const config::Function& fn, std::string_view route,
                               const store::Request& request);

// The delivery for `inv` (inv.function must be set): request id = job id, deadline, the
// ARN as invoked (InvokedFunctionArn), trace id; from the Invoke API the raw body as event and the
// decoded X-Amz-Client-Context, re-serialized (dropped when it is not base64 of a JSON object) as
// client context; from a route the
// API Gateway HTTP API 2.0 event (lambda/apigw.h) with inv.route as route key.
Delivery MakeDelivery(const runtime::Invocation& inv);

// How the function's response becomes the job's result.
enum class ResultAs {
  kPayload,  // an Invoke or destination job: the payload as it is
  kHttp,     // a caller on the route waits for it: mapped as API Gateway does; malformed fails
  // Nobody waits for it (an `ack: async` route, `Prefer: respond-async`, a wait that ran out):
  // mapped when it is well formed, else the payload as it is (the function did answer).
  kHttpOrPayload,
};
// For an Invoke API or destination job (`invoke_job`), or a route's whose caller may wait
// (runtime::Invocation::caller_waits, asked now).
ResultAs ResultAsFor(bool invoke_job, const std::function<bool()>& caller_waits);
// 200, Content-Type application/json, `payload` as the body.
store::Response PayloadResponse(std::string payload);

// Makes `out` a failure: `code` and `message` (at most 1 KiB) as its status, and Lambda's
// error answer with `body`: 200, Content-Type application/json, X-Amz-Function-Error: Unhandled.
void Fail(runtime::Outcome& out, base::Code code, std::string message, std::string body);
// "<errorType>: <errorMessage>" of a runtime's posted error.
std::string ErrorText(const Report& r);
// The outcome of a report that answers the invocation (a response, an error, a response too
// large): an error fails it ("function error: ..."); a response is the result `as` says, and
// one that cannot be mapped as ResultAs::kHttp requires fails it (kInvalidArgument,
// Runtime.InvalidResponse).
runtime::Outcome AnswerFor(ResultAs as, Report report);

// {"errorMessage":"RequestId: <id> Process exited before completing request"}
std::string ProcessExitedBody(std::string_view request_id);
// "Task timed out after 3.00 seconds"
std::string TimeoutMessage(base::Duration timeout);
// "2024-01-01T00:00:00.000Z <id> Task timed out after 3.00 seconds"
std::string TimeoutLine(base::TimePoint now, std::string_view request_id, base::Duration timeout);
// {"errorMessage": TimeoutLine(...)}
std::string TimeoutBody(base::TimePoint now, std::string_view request_id, base::Duration timeout);

// Log lines (each ends with '\n'), as Lambda writes them around an invocation:
//   START RequestId: <id> Version: $LATEST
//   END RequestId: <id>
//   REPORT RequestId: <id>\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB
//     \tMax Memory Used: 40 MB[\tInit Duration: 80.00 ms][\tStatus: timeout|error]
std::string StartLine(std::string_view request_id);
std::string EndLine(std::string_view request_id);
struct ReportInfo {
  std::string request_id;
  std::chrono::microseconds duration{0};  // fractional milliseconds in the line, as AWS prints
  int memory_mb = 128;
  std::optional<int> max_memory_used_mb;  // unknown (the process is gone): not printed
  std::optional<std::chrono::microseconds> init_duration;  // cold start only
  std::string status;                                      // "" on success, "timeout", "error"
};
std::string ReportLine(const ReportInfo& info);

}  // namespace longhaul::lambda
