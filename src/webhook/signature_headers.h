// Reading signature headers from an untrusted request: header lookup, Unix timestamps, Stripe's
// `Stripe-Signature` and Standard Webhooks' `webhook-signature` lists. Every function accepts any
// byte string (these parsers are fuzzed): no exceptions, no undefined behaviour, bounded work.
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/job.h"

namespace longhaul::webhook {

// The value of header `name` (ASCII case-insensitive), with surrounding spaces and tabs removed;
// nullopt when absent. When the header occurs more than once, the first occurrence.
std::optional<std::string_view> FindHeader(const store::Headers& headers, std::string_view name);

// The value of header `name`, which must occur exactly once, trimmed as above. kUnauthenticated
// "missing NAME header" or "more than one NAME header" otherwise: a signature header that is
// repeated could be read differently by two parts of the system, so it is refused.
// The result points into `headers`.
base::Result<std::string_view> RequireSingleHeader(const store::Headers& headers,
                                                   std::string_view name);

// Unix seconds written as 1 to 18 ASCII digits (no sign, no spaces). nullopt otherwise.
std::optional<int64_t> ParseUnixSeconds(std::string_view text);

// `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]`.
struct StripeSignature {
  int64_t timestamp = 0;
  std::string_view timestamp_text;   // `t` exactly as sent (it is part of the signed payload)
  std::vector<std::string_view> v1;  // every v1 value, in order, not yet hex-decoded
};

// Parses a Stripe-Signature value: items split on ',', each split at its first '='; spaces and
// tabs around items are ignored; items with other keys (v0, future schemes) and items without
// '=' are skipped. kUnauthenticated when `t` is missing, repeated or not Unix seconds, or when no
// v1 item is present. Views point into `header`.
base::Result<StripeSignature> ParseStripeSignature(std::string_view header);

// One entry of a Standard Webhooks `webhook-signature` list: "<version>,<signature>".
struct VersionedSignature {
  std::string_view version;    // "v1" (HMAC-SHA256), "v1a" (ed25519), ...
  std::string_view signature;  // base64, not yet decoded
};

// Splits a `webhook-signature` value on spaces (runs of spaces and tabs count as one). Entries
// without a ',' are skipped, as the reference library does. Never fails; the result may be empty.
// Views point into `header`.
std::vector<VersionedSignature> ParseVersionedSignatures(std::string_view header);

}  // namespace longhaul::webhook
