// The bytes of a response on the wire: status line, header fields, blank line, body. The server
// writes them with one send (one syscall for the common small answer) instead of walking Beast's
// serializer through its composed write operation.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "http/types.h"

namespace longhaul::http {

// True for the statuses whose responses never carry content (RFC 9110 §6.4.1): 1xx, 204, 304.
bool IsBodylessStatus(unsigned status);

// Sets the framing of `res` from its body, as Beast's prepare_payload() does for a string body,
// but never throws. A 1xx, 204 or 304 response loses its body and gets neither Content-Length
// nor Transfer-Encoding (prepare_payload throws "invalid response body" on a body there, and
// sets "Content-Length: 0" without one, which RFC 9110 §8.6 forbids for 1xx and 204). Any other
// response gets Content-Length: the body's size, and is not chunked.
void PreparePayload(Response& res);

// The reason phrase for `res`'s status line: its own, Beast's for a known code, else a
// registered one Beast lacks (418, 425), else empty.
std::string_view ReasonPhrase(const Response& res);

// Appends `res` as HTTP/1.x to `out`, exactly as its fields say (the caller has set
// Content-Length or chunked, and keep-alive). A chunked response goes out as one chunk and the
// last chunk. Without `with_body` (the answer to a HEAD request, RFC 9110 §9.3.2) only the
// status line and fields go out, Content-Length or chunked included, and no body bytes.
void AppendResponseBytes(const Response& res, std::string& out, bool with_body = true);

}  // namespace longhaul::http
