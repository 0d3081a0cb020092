// AWS Signature Version 4 verification for the Invoke API (service "lambda"), as pure functions:
// canonical request, string to sign, signing key, signature, and a verifier over a parsed
// request and a set of access keys. See docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_sigv-create-signed-request.html.
// Thread-safety: all functions are pure and may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace longhaul::admin::sigv4 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What a signature covers, taken from the HTTP request.
struct SignedRequest {
  std::string method;  // "POST"
  std::string path;  // raw (still percent-encoded) path, e.g. "/2015-03-31/functions/f/invocations"
  std::string query;         // raw query without '?'
  HeaderList headers;        // every request header, any case
  std::string payload_hash;  // lowercase hex SHA-256 of the body (or x-amz-content-sha256)
};

// The parsed "Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
struct Authorization {
  std::string access_key_id;
  std::string date;  // yyyymmdd from the scope
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // lowercase, as listed
  std::string signature;                    // lowercase hex
};

struct AccessKey {
  std::string id;
  std::string secret;
};

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Whether an Authorization header claims SigV4 ("AWS4-HMAC-SHA256 ...").
bool IsSigV4(std::string_view authorization);

// kInvalidArgument when the header is not a well-formed AWS4-HMAC-SHA256 authorization.
base::Result<Authorization> ParseAuthorization(std::string_view header);

// The canonical request for `req` over `signed_headers` (lowercase names). The path is
// re-encoded per segment (AWS's rule for every service but S3), the query sorted and encoded.
std::string CanonicalRequest(const SignedRequest& req,
                             const std::vector<std::string>& signed_headers);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// Hex HMAC-SHA256 of the string to sign under the key derived from secret/date/region/service.
std::string Signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);

// Why a verification failed, named as AWS names it (x-amzn-ErrorType, all HTTP 403).
enum class Failure {
  kNone,
  kMissingAuthenticationToken,  // no Authorization header (and no presigned query)
  kUnrecognizedClient,          // unknown access key id
  kInvalidSignature,            // malformed header, wrong signature, or X-Amz-Date off > 15 min
};

struct Verdict {
  Failure failure = Failure::kNone;
  std::string message;  // for the error body
};
// Checks `req` against `keys` at `now`: the Authorization header's key id must be one of `keys`,
// its scope date must match X-Amz-Date, X-Amz-Date must be within 15 minutes of `now`, the scope
// service must be `service`, and the signature must match.
Verdict Verify(const SignedRequest& req, const std::vector<AccessKey>& keys, base::TimePoint now,
               std::string_view service = "lambda");
std::string_view ErrorType(Failure f);

}  // namespace longhaul::admin::sigv4
