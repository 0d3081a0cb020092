#include "webhook/verify.h"

#include <strings.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/percent_encoding.h"
#include "webhook/hmac.h"
#include "webhook/signature_headers.h"

namespace longhaul::webhook {
namespace {

using Outcome = base::Result<std::optional<store::Response>>;

Outcome Accept() { return Outcome(std::optional<store::Response>()); }

Outcome Answer(std::string content_type, std::string body) {
  store::Response res;
  res.status = 200;
  res.headers.emplace_back("Content-Type", std::move(content_type));
  res.body = std::move(body);
  return Outcome(std::optional<store::Response>(std::move(res)));
}

base::Status Mismatch() { return base::Unauthenticated("signature does not match"); }

int64_t UnixSeconds(base::TimePoint now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

// OK when the signed timestamp `ts` is at most kTimestampTolerance older than `now`, and (unless
// `only_past`) at most that much newer.
base::Status CheckTimestamp(std::string_view what, int64_t ts, base::TimePoint now,
                            bool only_past) {
  const int64_t tolerance = kTimestampTolerance.count();
  // |ts| < 10^18 and `now` is a real clock reading, so the difference cannot overflow.
  const int64_t age = UnixSeconds(now) - ts;
  if (age > tolerance) {
    return base::Unauthenticated(std::string(what) + " outside the " + std::to_string(tolerance) +
                                 " s tolerance (" + std::to_string(age) + " s old)");
  }
  if (!only_past && -age > tolerance) {
    return base::Unauthenticated(std::string(what) + " outside the " + std::to_string(tolerance) +
                                 " s tolerance (" + std::to_string(-age) + " s in the future)");
  }
  return base::Status::Ok();
}

// True when `hex` (any case) encodes exactly the MAC `expected`.
bool HexMatches(std::string_view expected, std::string_view hex) {
  std::optional<std::string> candidate = HexDecode(hex);
  return candidate && MacEquals(expected, *candidate);
}

// GitHub's ping payload carries a "zen" line; echo it so the hook's UI shows a meaningful answer.
// A hook of content type application/x-www-form-urlencoded sends the JSON as the form's
// `payload` field.
std::string PingAnswer(std::string_view body, std::optional<std::string_view> content_type) {
  boost::json::object answer;
  answer["ok"] = true;
  std::optional<std::string> form_payload = base::FormPayload(body, content_type);
  if (form_payload) body = *form_payload;
  boost::system::error_code ec;
  boost::json::value payload = boost::json::parse(body, ec);
  if (!ec && payload.is_object()) {
    if (const boost::json::value* zen = payload.as_object().if_contains("zen");
        zen != nullptr && zen->is_string()) {
      answer["zen"] = zen->as_string();
    }
  }
  return boost::json::serialize(answer);
}

// The challenge of a Slack url_verification request, or nullopt for any other body.
std::optional<std::string> SlackChallenge(std::string_view body) {
  if (body.find("url_verification") == std::string_view::npos) return std::nullopt;  // cheap
  boost::system::error_code ec;
  boost::json::value payload = boost::json::parse(body, ec);
  if (ec || !payload.is_object()) return std::nullopt;
  const boost::json::object& obj = payload.as_object();
  const boost::json::value* type = obj.if_contains("type");
  const boost::json::value* challenge = obj.if_contains("challenge");
  if (type == nullptr || !type->is_string() || type->as_string() != "url_verification" ||
      challenge == nullptr || !challenge->is_string()) {
    return std::nullopt;
  }
  return std::string(challenge->as_string());
}

constexpr std::string_view kTelegramHeader = "X-Telegram-Bot-Api-Secret-Token";

Outcome VerifyTelegram(const config::Route& route, const store::Request& req) {
  constexpr std::string_view kHeader = kTelegramHeader;
  base::Result<std::string_view> token = RequireSingleHeader(req.headers, kHeader);
  if (!token.ok()) return token.status();
  if (!SecretEquals(route.secret, *token)) {
    return base::Unauthenticated(std::string(kHeader) + " does not match");
  }
  return Accept();
}

Outcome VerifyGithub(const config::Route& route, const store::Request& req) {
  constexpr std::string_view kHeader = "X-Hub-Signature-256";
  constexpr std::string_view kPrefix = "sha256=";
  base::Result<std::string_view> sig = RequireSingleHeader(req.headers, kHeader);
  if (!sig.ok()) return sig.status();
  if (!sig->starts_with(kPrefix)) {
    return base::Unauthenticated(std::string(kHeader) + " does not start with \"sha256=\"");
  }
  base::Result<std::string> mac = ComputeHmac(HashAlgorithm::kSha256, route.secret, req.body);
  if (!mac.ok()) return mac.status();
  if (!HexMatches(*mac, sig->substr(kPrefix.size()))) return Mismatch();
  if (std::optional<std::string_view> event = FindHeader(req.headers, "X-GitHub-Event");
      event && *event == "ping") {
    return Answer("application/json",
                  PingAnswer(req.body, FindHeader(req.headers, "Content-Type")));
  }
  return Accept();
}

Outcome VerifyStripe(const config::Route& route, const store::Request& req, base::TimePoint now) {
  base::Result<std::string_view> header = RequireSingleHeader(req.headers, "Stripe-Signature");
  if (!header.ok()) return header.status();
  base::Result<StripeSignature> parsed = ParseStripeSignature(*header);
  if (!parsed.ok()) return parsed.status();
  // The key is the whole endpoint secret, whsec_ prefix included, as stripe-node uses it.
  base::Result<std::string> mac =
      ComputeHmac(HashAlgorithm::kSha256, route.secret, {parsed->timestamp_text, ".", req.body});
  if (!mac.ok()) return mac.status();
  bool matched = false;
  for (std::string_view v1 : parsed->v1) matched = HexMatches(*mac, v1) || matched;
  if (!matched) return Mismatch();
  // stripe-node rejects only too-old timestamps; a retry carries a fresh t.
  LH_RETURN_IF_ERROR(CheckTimestamp("Stripe-Signature timestamp", parsed->timestamp, now,
                                    /*only_past=*/true));
  return Accept();
}

Outcome VerifySlack(const config::Route& route, const store::Request& req, base::TimePoint now) {
  base::Result<std::string_view> ts_text =
      RequireSingleHeader(req.headers, "X-Slack-Request-Timestamp");
  if (!ts_text.ok()) return ts_text.status();
  base::Result<std::string_view> sig = RequireSingleHeader(req.headers, "X-Slack-Signature");
  if (!sig.ok()) return sig.status();
  std::optional<int64_t> ts = ParseUnixSeconds(*ts_text);
  if (!ts) return base::Unauthenticated("X-Slack-Request-Timestamp is not a Unix timestamp");
  LH_RETURN_IF_ERROR(CheckTimestamp("X-Slack-Request-Timestamp", *ts, now, /*only_past=*/false));
  constexpr std::string_view kPrefix = "v0=";
  if (!sig->starts_with(kPrefix)) {
    return base::Unauthenticated("X-Slack-Signature does not start with \"v0=\"");
  }
  base::Result<std::string> mac =
      ComputeHmac(HashAlgorithm::kSha256, route.secret, {"v0:", *ts_text, ":", req.body});
  if (!mac.ok()) return mac.status();
  if (!HexMatches(*mac, sig->substr(kPrefix.size()))) return Mismatch();
  if (std::optional<std::string> challenge = SlackChallenge(req.body)) {
    return Answer("text/plain", std::move(*challenge));
  }
  return Accept();
}

// The HMAC key of a Standard Webhooks secret: base64 after an optional "whsec_" prefix.
base::Result<std::string> StandardKey(std::string_view secret) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.starts_with(kPrefix)) secret.remove_prefix(kPrefix.size());
  std::optional<std::string> key = Base64Decode(secret);
  if (!key || key->empty()) {
    return base::FailedPrecondition(
        "the route's secret for provider standard is not base64 (after an optional whsec_ "
        "prefix)");
  }
  return std::move(*key);
}

Outcome VerifyStandard(const config::Route& route, const store::Request& req, base::TimePoint now) {
  base::Result<std::string> key = StandardKey(route.secret);
  if (!key.ok()) return key.status();
  base::Result<std::string_view> id = RequireSingleHeader(req.headers, "webhook-id");
  if (!id.ok()) return id.status();
  base::Result<std::string_view> ts_text = RequireSingleHeader(req.headers, "webhook-timestamp");
  if (!ts_text.ok()) return ts_text.status();
  base::Result<std::string_view> header = RequireSingleHeader(req.headers, "webhook-signature");
  if (!header.ok()) return header.status();
  // An id may contain '.', as the reference libraries accept (QA): the signed content
  // "id.timestamp.body" could then be split another way only with a body that begins with a
  // timestamp and a '.', which no sender signs.
  if (id->empty()) return base::Unauthenticated("webhook-id is empty");
  std::optional<int64_t> ts = ParseUnixSeconds(*ts_text);
  if (!ts) return base::Unauthenticated("webhook-timestamp is not a Unix timestamp");
  LH_RETURN_IF_ERROR(CheckTimestamp("webhook-timestamp", *ts, now, /*only_past=*/false));
  base::Result<std::string> mac =
      ComputeHmac(HashAlgorithm::kSha256, *key, {*id, ".", *ts_text, ".", req.body});
  if (!mac.ok()) return mac.status();
  bool any_v1 = false;
  bool matched = false;
  for (const VersionedSignature& entry : ParseVersionedSignatures(*header)) {
    if (entry.version != "v1") continue;  // v1a (ed25519) and unknown versions are skipped
    any_v1 = true;
    std::optional<std::string> candidate = Base64Decode(entry.signature);
    matched = (candidate && MacEquals(*mac, *candidate)) || matched;
  }
  if (!any_v1) return base::Unauthenticated("webhook-signature has no v1 signature");
  if (!matched) return Mismatch();
  return Accept();
}

Outcome VerifyHmac(const config::Route& route, const store::Request& req) {
  const config::HmacCheck& check = route.hmac;
  if (check.header.empty()) {
    return base::FailedPrecondition("provider hmac needs hmac.header in the route");
  }
  base::Result<std::string_view> value = RequireSingleHeader(req.headers, check.header);
  if (!value.ok()) return value.status();
  if (!value->starts_with(check.prefix)) {
    return base::Unauthenticated(check.header + " does not start with \"" + check.prefix + "\"");
  }
  std::string_view encoded = value->substr(check.prefix.size());
  std::optional<std::string> candidate;
  if (check.encoding == config::HmacCheck::Encoding::kHex) {
    candidate = HexDecode(encoded);
    if (!candidate) return base::Unauthenticated(check.header + " is not hex");
  } else {
    candidate = Base64Decode(encoded);
    if (!candidate) return base::Unauthenticated(check.header + " is not base64");
  }
  base::Result<std::string> mac = ComputeHmac(check.algorithm, route.secret, req.body);
  if (!mac.ok()) return mac.status();
  if (!MacEquals(*mac, *candidate)) return Mismatch();
  return Accept();
}

}  // namespace

base::Result<std::optional<store::Response>> VerifyRequest(const config::Route& route,
                                                           const store::Request& req,
                                                           base::TimePoint now) {
  const std::string& provider = route.provider;
  if (provider.empty()) return Accept();
  if (route.secret.empty()) {
    return base::FailedPrecondition("the route has provider " + provider + " but no secret");
  }
  if (provider == "telegram") return VerifyTelegram(route, req);
  if (provider == "github") return VerifyGithub(route, req);
  if (provider == "stripe") return VerifyStripe(route, req, now);
  if (provider == "slack") return VerifySlack(route, req, now);
  if (provider == "standard") return VerifyStandard(route, req, now);
  if (provider == "hmac") return VerifyHmac(route, req);
  return base::FailedPrecondition("unknown provider \"" + provider + "\"");
}

void DropSecretHeaders(const config::Route& route, store::Request& req) {
  if (route.provider != "telegram") return;
  std::erase_if(req.headers, [](const auto& header) {
    return strcasecmp(header.first.c_str(), kTelegramHeader.data()) == 0;  // a literal's end
  });
}

}  // namespace longhaul::webhook
