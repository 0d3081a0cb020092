// The one mapping from Status to an HTTP answer. Error bodies are
//   {"error": {"code": "INVALID_ARGUMENT", "message": "…"}}
// and 503s carry Retry-After.
#pragma once

#include "base/status.h"
#include "http/types.h"

namespace longhaul::http {

unsigned HttpStatusFor(base::Code code);

// A JSON error response for a non-OK status.
Response ErrorResponse(const base::Status& status);

// A JSON error response with an explicit HTTP status (e.g. 405, 408, 431 from the parser).
Response ErrorResponse(unsigned http_status, base::Code code, std::string_view message);

}  // namespace longhaul::http
