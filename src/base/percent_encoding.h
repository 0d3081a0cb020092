// Percent-decoding (RFC 3986 2.1) for path segments and query components.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace longhaul::base {

// `s` with each %XX decoded, and with `plus_is_space` (a query component, form encoding) each
// '+' a space; otherwise '+' is kept as is. A malformed escape ("%G1", a '%' near the end) stays
// as it is written.
std::string PercentDecode(std::string_view s, bool plus_is_space = false);

// The JSON a form-encoded webhook carries in its `payload` field (GitHub's hooks of content type
// application/x-www-form-urlencoded, Slack's interactivity), decoded; nullopt when `content_type`
// is not a form or the form has no such field.
std::optional<std::string> FormPayload(std::string_view body,
                                       std::optional<std::string_view> content_type);

// The value of a hex digit (either case), or -1 for a character that is not one.
int HexDigit(char c);

}  // namespace longhaul::base
