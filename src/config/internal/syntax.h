// Small syntax checks shared by the config schema readers.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace longhaul::config::internal {

// Each returns "" when `s` is acceptable, else what is wrong with it (for a message).

// Function names and node ids: letters, digits, '.', '-', '_'; starts with a letter or digit;
// at most 64 characters. They appear in URLs, logs and the job log.
std::string CheckName(std::string_view s);
// An HTTP header (field) name: an RFC 9110 token.
std::string CheckHeaderName(std::string_view s);
// CheckHeaderName, and not a header the HTTP forwarder sets itself or that frames the message
// (Host, Connection, Content-Length, Transfer-Encoding, ..., X-Longhaul-*).
std::string CheckForwardedHeaderName(std::string_view s);
// An environment variable name: [A-Za-z_][A-Za-z0-9_]*.
std::string CheckEnvName(std::string_view s);
// A plain http:// URL with a host ("http://127.0.0.1:3000/base"); https is refused by name.
std::string CheckHttpUrl(std::string_view s);
// A bearer token (admin_token): visible ASCII only, as a client can send it in
// `Authorization: Bearer <token>` (no spaces, no control characters).
std::string CheckBearerToken(std::string_view s);
// Text that must fit in a header value, or begin one (an HMAC signature's prefix, which may end
// in a space): no control characters, no leading whitespace (a header value is trimmed).
std::string CheckHeaderValueText(std::string_view s);
// A JSON pointer (RFC 6901) naming a member: starts with '/', '~' only as "~0" or "~1".
std::string CheckJsonPointer(std::string_view s);

}  // namespace longhaul::config::internal
