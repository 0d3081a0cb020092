// UTF-8 checks for text that must go out as JSON strings (which must be valid UTF-8).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace longhaul::base {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` with each byte that does not start a well-formed sequence replaced by U+FFFD, as a
// browser decodes it: for text shown to people (logs, errors), never for data.
std::string ToValidUtf8(std::string_view s);

}  // namespace longhaul::base
