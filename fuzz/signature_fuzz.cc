// Fuzzes sender verification (webhook/verify.h) for every provider with arbitrary headers and
// bodies, and the signature header parsers and codecs (webhook/signature_headers.h, hmac.h).
// Input, so seeds are readable (fuzz/corpus/signature/):
//   provider [hmac-header algorithm prefix encoding]   e.g. "github", "hmac X-Sig sha1 sha1= hex"
//   secret
//   now, Unix seconds (the receive time signed timestamps are checked against)
//   the request, as fuzz/request_text.h reads it (request line, headers, blank line, body)
// Besides "no crash": an error is only ever kUnauthenticated or kFailedPrecondition, an answer
// only comes from github or slack, a request signed with the route's own secret verifies, and
// the codecs round-trip.
#include <strings.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/request_text.h"
#include "webhook/hmac.h"
#include "webhook/signature_headers.h"
#include "webhook/verify.h"

namespace {

using longhaul::base::Code;
using longhaul::config::HmacCheck;
namespace fuzz = longhaul::fuzz;
namespace webhook = longhaul::webhook;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "signature_fuzz: property violated: %s\n", what);
    abort();
  }
}

int64_t ParseNow(std::string_view text) {
  // A real clock reading (VerifyRequest's precondition): 2001..2286 whatever the input says.
  int64_t v = 0;
  for (char c : text.substr(0, 10)) {
    if (c >= '0' && c <= '9') v = v * 10 + (c - '0');
  }
  return v < 1'000'000'000 ? v + 1'000'000'000 : v;
}

longhaul::config::Route ParseRoute(std::string_view provider_line, std::string_view secret) {
  longhaul::config::Route route;
  route.provider = std::string(fuzz::TakeWord(provider_line));
  route.secret = std::string(secret);
  if (route.provider == "hmac") {
    route.hmac.header = std::string(fuzz::TakeWord(provider_line));
    std::string_view algorithm = fuzz::TakeWord(provider_line);
    route.hmac.algorithm = algorithm == "sha1"     ? HmacCheck::Algorithm::kSha1
                           : algorithm == "sha512" ? HmacCheck::Algorithm::kSha512
                                                   : HmacCheck::Algorithm::kSha256;
    route.hmac.prefix = std::string(fuzz::TakeWord(provider_line));
    route.hmac.encoding = fuzz::TakeWord(provider_line) == "base64" ? HmacCheck::Encoding::kBase64
                                                                    : HmacCheck::Encoding::kHex;
  }
  return route;
}

// The header parsers and codecs on every header value: they take any bytes.
void ParseHeaderValues(const longhaul::store::Request& req) {
  for (const auto& [name, value] : req.headers) {
    (void)webhook::ParseUnixSeconds(value);
    auto stripe = webhook::ParseStripeSignature(value);
    if (stripe.ok()) Check(!stripe->v1.empty(), "a parsed Stripe-Signature has a v1");
    for (const auto& entry : webhook::ParseVersionedSignatures(value)) {
      Check(entry.version.find(' ') == std::string_view::npos, "versions have no spaces");
      if (auto bytes = webhook::Base64Decode(entry.signature)) {
        Check(webhook::Base64Decode(webhook::Base64Encode(*bytes)) == *bytes, "base64 round trip");
      }
    }
    if (auto bytes = webhook::HexDecode(value)) {
      Check(webhook::HexDecode(webhook::HexEncode(*bytes)) == *bytes, "hex round trip");
    }
    auto single = webhook::RequireSingleHeader(req.headers, name);
    Check(single.ok() || single.status().code() == Code::kUnauthenticated, "single header");
  }
}

// The same request signed correctly (github, hmac) must verify.
void CheckSignedVerifies(const longhaul::config::Route& route, longhaul::store::Request req,
                         longhaul::base::TimePoint now) {
  std::string header;
  std::string value;
  if (route.provider == "github") {
    auto mac = webhook::ComputeHmac(HmacCheck::Algorithm::kSha256, route.secret, req.body);
    Check(mac.ok(), "HMAC computes");
    header = "X-Hub-Signature-256";
    value = "sha256=" + webhook::HexEncode(*mac);
  } else if (route.provider == "hmac" && !route.hmac.header.empty()) {
    auto mac = webhook::ComputeHmac(route.hmac.algorithm, route.secret, req.body);
    Check(mac.ok(), "HMAC computes");
    header = route.hmac.header;
    value = route.hmac.prefix + (route.hmac.encoding == HmacCheck::Encoding::kHex
                                     ? webhook::HexEncode(*mac)
                                     : webhook::Base64Encode(*mac));
  } else {
    return;
  }
  std::erase_if(req.headers, [&](const auto& h) {
    return h.first.size() == header.size() &&
           strncasecmp(h.first.data(), header.data(), header.size()) == 0;
  });
  req.headers.emplace_back(header, value);
  // Trimmed on lookup: a value that ends in spaces or tabs cannot survive; skip those.
  if (!value.empty() && (value.back() == ' ' || value.back() == '\t')) return;
  if (!value.empty() && (value.front() == ' ' || value.front() == '\t')) return;
  auto result = webhook::VerifyRequest(route, req, now);
  Check(result.ok() || route.secret.empty(), "a correctly signed request verifies");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view provider_line = fuzz::TakeLine(text);
  std::string_view secret = fuzz::TakeLine(text);
  longhaul::base::TimePoint now{std::chrono::seconds(ParseNow(fuzz::TakeLine(text)))};
  longhaul::config::Route route = ParseRoute(provider_line, secret);
  longhaul::store::Request req = fuzz::ParseRequestText(text);

  auto result = webhook::VerifyRequest(route, req, now);
  if (result.ok()) {
    if (result->has_value()) {
      Check(route.provider == "github" || route.provider == "slack", "only github/slack answer");
    }
  } else {
    Code code = result.status().code();
    Check(code == Code::kUnauthenticated || code == Code::kFailedPrecondition, "error codes");
  }
  ParseHeaderValues(req);
  CheckSignedVerifies(route, std::move(req), now);
  return 0;
}
