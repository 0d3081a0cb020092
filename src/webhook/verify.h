// Sender verification: checks that a webhook request really comes from the sender its route's
// preset (Route::provider) names, over the raw body exactly as received, before anything is
// stored. All signature comparisons run in constant time.
// Thread-safety: VerifyRequest is a pure function of its arguments; safe from any thread.
#pragma once

#include <chrono>
#include <optional>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "store/job.h"

namespace longhaul::webhook {

// How far a signed timestamp may be from `now` (Stripe: only older; Slack and Standard Webhooks:
// either direction).
inline constexpr std::chrono::seconds kTimestampTolerance{300};

// Verifies `req` against `route.provider`:
//   ""        no check.
//   telegram  X-Telegram-Bot-Api-Secret-Token equals route.secret.
//   github    X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, body). (The legacy SHA-1
//             X-Hub-Signature is not checked; use provider hmac with header X-Hub-Signature,
//             algorithm sha1, prefix "sha1=" for it.)
//   stripe    Stripe-Signature t=...,v1=...: HMAC-SHA256(secret as-is, t + "." + body) equals any
//             v1 (several during secret rotation; v0 ignored); rejected when now - t > 300 s.
//   slack     X-Slack-Signature = "v0=" + hex HMAC-SHA256(secret, "v0:" + ts + ":" + body) with
//             ts = X-Slack-Request-Timestamp within 300 s of now.
//   standard  Standard Webhooks: HMAC-SHA256(base64-decoded secret, optional "whsec_" prefix
//             removed, id + "." + ts + "." + body) equals any "v1,<base64>" of webhook-signature;
//             webhook-timestamp within 5 minutes of now; webhook-id not empty.
//   hmac      route.hmac: HMAC(secret, body) equals route.hmac.header after removing
//             route.hmac.prefix and decoding hex (any case) or base64.
// Signature headers must occur exactly once. Hex is accepted in any case.
//
// Returns:
//   OK(nullopt)   the request is authentic: store and run it.
//   OK(response)  authentic, and the sender expects this answer at once; store and run nothing.
//                 github, X-GitHub-Event: ping -> 200 application/json {"ok":true[,"zen":...]}.
//                 slack, body {"type":"url_verification","challenge":C} -> 200 text/plain C.
//   kUnauthenticated  the request fails verification (answer 401). The message says what is
//                 wrong ("missing X-Hub-Signature-256 header", "signature does not match",
//                 "timestamp outside the 300 s tolerance") and never contains the secret or the
//                 expected signature.
//   kFailedPrecondition  the route itself cannot verify anything (unknown provider, empty secret,
//                 a Standard Webhooks secret that is not base64, hmac without a header): an
//                 operator must fix the config. Normally prevented by config validation.
//   kInternal     OpenSSL failed.
// Does not block. `now` is the time the request was received (signed timestamps are checked
// against it), so verification must happen at ingest, not when the job runs.
base::Result<std::optional<store::Response>> VerifyRequest(const config::Route& route,
                                                           const store::Request& req,
                                                           base::TimePoint now);

// Removes from a verified request the headers that carry the route's secret itself (telegram's
// X-Telegram-Bot-Api-Secret-Token), so it is neither stored, shown by the status API nor passed
// to the function. Signatures (HMACs) stay: they reveal nothing of the secret.
void DropSecretHeaders(const config::Route& route, store::Request& req);

}  // namespace longhaul::webhook
