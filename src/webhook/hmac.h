// Cryptographic and encoding helpers for webhook signature checks: HMAC via OpenSSL, hex and
// base64 codecs that never throw and reject malformed input, and constant-time comparisons.
// Thread-safety: all functions are pure and may be called from any thread.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/base64.h"
#include "base/status.h"
#include "config/config.h"

namespace longhaul::webhook {

using HashAlgorithm = config::HmacCheck::Algorithm;

// The raw HMAC (20, 32 or 64 bytes) of `message` under `key`. Any key length works, including
// empty. kInternal only if OpenSSL fails (out of memory, a FIPS provider refusing the digest).
base::Result<std::string> ComputeHmac(HashAlgorithm algorithm, std::string_view key,
                                      std::string_view message);
// The same over the concatenation of `parts` (e.g. {t, ".", body}), without copying the body.
base::Result<std::string> ComputeHmac(HashAlgorithm algorithm, std::string_view key,
                                      std::initializer_list<std::string_view> parts);

// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// The bytes `hex` encodes (upper, lower or mixed case). nullopt for an odd length or any
// character outside [0-9a-fA-F]; an empty input decodes to an empty string.
std::optional<std::string> HexDecode(std::string_view hex);

using base::Base64Decode;  // base/base64.h
using base::Base64Encode;

// True when the two MACs are equal. Runs in time independent of the contents (CRYPTO_memcmp);
// the lengths are compared first, which leaks nothing since MAC lengths are public.
bool MacEquals(std::string_view expected, std::string_view candidate);

// True when two secrets (e.g. Telegram's secret token) are equal. Compares SHA-256 digests of
// both in constant time, so neither the contents nor the length of `secret` leak through timing.
bool SecretEquals(std::string_view secret, std::string_view candidate);

}  // namespace longhaul::webhook
