// Percent-decoding (RFC 3986 2.1) for path segments and query components.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace longhaul::base {

// `s` with each %XX decoded; '+' is kept as is, and a malformed escape ("%G1", a '%' near the
// end) stays as it is written.
std::string PercentDecode(std::string_view s);

}  // namespace longhaul::base
