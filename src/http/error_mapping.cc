#include "http/error_mapping.h"

#include "base/log.h"
#include "http/response_bytes.h"

namespace longhaul::http {

Response MakeResponse(unsigned status, std::string body, std::string_view content_type) {
  Response res{static_cast<beast_http::status>(status), 11};
  if (!content_type.empty()) res.set(beast_http::field::content_type, content_type);
  res.body() = std::move(body);
  PreparePayload(res);
  return res;
}

unsigned HttpStatusFor(base::Code code) {
  using base::Code;
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kAborted:
    case Code::kFailedPrecondition:
      return 409;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kResourceExhausted:
      return 429;
    case Code::kCancelled:
      return 499;
    case Code::kUnimplemented:
      return 501;
    case Code::kUnavailable:
      return 503;
    case Code::kDeadlineExceeded:
      return 504;
    case Code::kUnknown:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(unsigned http_status, base::Code code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":\"";
  body += base::CodeName(code);
  body += "\",\"message\":\"";
  base::AppendJsonText(body, message);
  body += "\"}}";
  Response res = MakeResponse(http_status, std::move(body));
  if (http_status == 503 || http_status == 429) res.set(beast_http::field::retry_after, "1");
  return res;
}

Response ErrorResponse(const base::Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), status.code(), status.message());
}

base::Code ShortageOr(const boost::system::error_code& ec, base::Code otherwise) {
  return ec.category() == boost::system::system_category() ? base::ShortageOr(ec.value(), otherwise)
                                                           : otherwise;
}

}  // namespace longhaul::http
