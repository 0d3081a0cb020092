// Base64 (RFC 4648) that never throws and rejects malformed input.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace longhaul::base {

// Standard base64 (RFC 4648 section 4) with '=' padding.
std::string Base64Encode(std::string_view bytes);
// The bytes `text` encodes. Accepts the standard (+/) and URL-safe (-_) alphabets, with or
// without '=' padding. nullopt for any other character, whitespace, misplaced or excess padding,
// a length that no encoding produces (4n+1), or non-zero unused bits in the last character.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace longhaul::base
