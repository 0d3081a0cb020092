// The one mapping from Status to an HTTP answer. Error bodies are
//   {"error": {"code": "INVALID_ARGUMENT", "message": "…"}}
// and 503s carry Retry-After.
#pragma once

#include <boost/system/error_code.hpp>

#include "base/status.h"
#include "http/types.h"

namespace longhaul::http {

unsigned HttpStatusFor(base::Code code);

// A JSON error response for a non-OK status.
Response ErrorResponse(const base::Status& status);

// A JSON error response with an explicit HTTP status (e.g. 405, 408, 431 from the parser).
Response ErrorResponse(unsigned http_status, base::Code code, std::string_view message);

// base::ShortageOr for an error from Asio or Beast: kResourceExhausted for the system out of
// descriptors, memory or ports (an errno value), `otherwise` for anything else.
base::Code ShortageOr(const boost::system::error_code& ec, base::Code otherwise);

}  // namespace longhaul::http
