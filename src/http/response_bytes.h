// The bytes of a response on the wire: status line, header fields, blank line, body. The server
// writes them with one send (one syscall for the common small answer) instead of walking Beast's
// serializer through its composed write operation.
// Thread-safety: a pure function.
#pragma once

#include <string>

#include "http/types.h"

namespace longhaul::http {

// Appends `res` as HTTP/1.x to `out`, exactly as its fields say (the caller has set
// Content-Length or chunked, and keep-alive). A chunked response goes out as one chunk and the
// last chunk.
void AppendResponseBytes(const Response& res, std::string& out);

}  // namespace longhaul::http
