// The JSON a function sees (the event, for `stdin: event`) and the JSON it may answer with (a
// proxy response, API Gateway style). Shared by the runtimes that exchange JSON with user code.
// Thread-safety: pure functions.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/job.h"

namespace longhaul::runtime {

// Returns the event for one attempt as a JSON object:
//   {"id": job id, "attempt": 1, "interrupted": 0, "function": name, "method": "POST",
//    "path": "/hooks/x", "query": raw query string, "headers": {"content-type": "..."},
//    "pathParameters": {"name": "..."}, "body": "...", "isBase64Encoded": false}
// Header names are lowercased; repeated headers are joined with ",". The body is base64
// (standard alphabet, padded) with "isBase64Encoded": true when it is not valid UTF-8.
// "interrupted": earlier attempts cut short by a stop or crash (Invocation::interrupted).
std::string EncodeEvent(std::string_view job_id, int attempt, int interrupted,
                        std::string_view function, const store::Request& request);

// Reads `text` as a proxy response: a JSON object with a numeric "statusCode" and optional
// "headers" (object of strings), "body" (string) and "isBase64Encoded" (bool; the body is then
// decoded from base64).
// Returns nullopt when `text` is not such an object (not JSON, not an object, or no numeric
// "statusCode"): the caller uses `text` itself as the body. Returns kInvalidArgument when it is
// one but malformed (statusCode outside 200..599, as a 1xx is never a final status; a non-string
// header, a non-string body, invalid base64).
base::Result<std::optional<store::Response>> DecodeProxyResponse(std::string_view text);

// The Content-Type of a plain output used as a result (a command's stdout): application/json when
// it is JSON, text/plain; charset=utf-8 when it is other UTF-8 text, application/octet-stream
// otherwise; "" for an empty output.
std::string_view OutputContentType(std::string_view output);
// A plain output as a result: 200, `output` as the body, labelled by OutputContentType (no
// Content-Type for an empty one).
store::Response OutputResponse(std::string output);

// Header checks for what user code answers: a name must be an RFC 9110 token; a value holds no
// control character but a tab (none could end its header line early: response splitting).
bool IsValidHeaderName(std::string_view name);
bool IsValidHeaderValue(std::string_view value);

// A proxy response's "statusCode": an integral JSON number as it is, any other number 1000
// (outside every valid range, so the caller's range check rejects it); nullopt when `v` is not
// a number.
std::optional<int64_t> StatusCodeOf(const boost::json::value& v);

// A function's base64 body (isBase64Encoded): the standard alphabet with or without padding;
// nullopt on any other character. More lenient than base::Base64Decode about the unused bits of
// the last character, as the decoders behind API Gateway are. (Encoding: base::Base64Encode.)
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace longhaul::runtime
