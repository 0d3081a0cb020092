// API Gateway HTTP API, payload format 2.0: the event a Lambda function gets for an HTTP request
// that came through a route, and how the function's result becomes the HTTP response. Shaped as
// in /work/shared/reference/lambda-contract.md §6 (docs: http-api-develop-integrations-lambda).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "store/job.h"

namespace longhaul::lambda {

// What the event needs besides the request itself.
struct HttpApiContext {
  std::string route_key;   // "POST /hooks/{name}"; empty -> "$default"
  std::string request_id;  // requestContext.requestId (the job id)
  base::TimePoint time;    // when the request arrived (requestContext.time / timeEpoch)
  std::string account_id = "000000000000";
  std::string api_id = "longhaul";
};

// Returns the event as a JSON object:
//   version "2.0", routeKey, rawPath, rawQueryString, cookies, headers, queryStringParameters,
//   pathParameters, requestContext {accountId, apiId, domainName, domainPrefix,
//   http {method, path, protocol, sourceIp, userAgent}, requestId, routeKey, stage "$default",
//   time "12/Mar/2020:19:03:58 +0000", timeEpoch (Unix ms)}, body, isBase64Encoded.
// Header names are lowercased and repeated headers comma-joined; Cookie headers are not in
// `headers` but split at ';' into `cookies`. Query parameters are percent-decoded and repeated
// ones comma-joined. domainName is the Host header without its port ("localhost" without one),
// domainPrefix its first label. The body is text for a Content-Type of text/*, application/json,
// application/xml or application/javascript (when it is valid UTF-8), else base64 with
// isBase64Encoded true, as an HTTP API sends it (a form too). `cookies`, `queryStringParameters`,
// `pathParameters` and `body` are left out when empty. Elsewhere, bytes that are not UTF-8 (a
// decoded %FF, a Latin-1 header) become U+FFFD, as Node's runtime client makes them: JSON is UTF-8
// (RFC 8259), and the Python and Java runtime clients refuse an event that is not before the
// handler runs.
std::string BuildHttpApiEvent(const store::Request& request, const HttpApiContext& context);

// Lambda's limit for a synchronous invocation's payload: API Gateway cannot invoke a function
// with an event larger than this.
inline constexpr size_t kMaxEventBytes = 6 * 1024 * 1024;

// The size of BuildHttpApiEvent(request, context) when it is over kMaxEventBytes, else 0. The
// event is built only when a bound from the request's sizes (JSON writes a byte as at most 6)
// does not rule that out: a small request costs nothing.
size_t HttpApiEventSizeOverLimit(const store::Request& request, const HttpApiContext& context);

// Maps a function's result (the payload it posted) to the HTTP response, as API Gateway does:
// - a JSON object with "statusCode" is a structured result: statusCode (an integer 200..599;
//   a 1xx is never a final status),
//   headers (values: strings, numbers or booleans), cookies (strings, one Set-Cookie header
//   each), body (a string; other JSON is serialized), isBase64Encoded (the body is decoded);
//   Content-Type defaults to application/json.
// - any other JSON (or an empty payload) is 200 application/json with the payload as body; a
//   JSON string payload gives its value ("\"hi\"" -> hi).
// Returns kInvalidArgument when the payload is not JSON (API Gateway answers 500: the
// function's response is malformed), or a structured result is malformed (statusCode out of range
// or not an integer, a header or cookie that is not a string, a header name or value that cannot be
// sent, invalid base64).
base::Result<store::Response> MapHttpApiResult(std::string_view payload);

// "12/Mar/2020:19:03:58 +0000" (UTC).
std::string FormatRequestTime(base::TimePoint t);

}  // namespace longhaul::lambda
