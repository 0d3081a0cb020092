#include "webhook/verify.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "webhook/hmac.h"

namespace longhaul::webhook {
namespace {

using base::Code;

config::Route RouteFor(std::string provider, std::string secret) {
  config::Route route;
  route.method = "POST";
  route.path = "/hook";
  route.function = "f";
  route.provider = std::move(provider);
  route.secret = std::move(secret);
  return route;
}

store::Request Post(std::string body, store::Headers headers) {
  store::Request req;
  req.method = "POST";
  req.path = "/hook";
  req.headers = std::move(headers);
  req.body = std::move(body);
  return req;
}

base::TimePoint At(int64_t unix_seconds) { return base::FromUnixMs(unix_seconds * 1000); }

std::string HexHmac(std::string_view key, std::string_view message) {
  auto mac = ComputeHmac(HashAlgorithm::kSha256, key, message);
  EXPECT_TRUE(mac.ok());
  return mac.ok() ? HexEncode(*mac) : std::string();
}

// Expects an accepted request that is to be stored and run.
void ExpectAccepted(const base::Result<std::optional<store::Response>>& r) {
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->has_value());
}

void ExpectRejected(const base::Result<std::optional<store::Response>>& r,
                    std::string_view message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
  EXPECT_EQ(r.status().message(), message);
}

// ---- Published and documented vectors (/work/shared/reference/webhook-senders.md).

// GitHub, validating-webhook-deliveries.
constexpr char kGithubSecret[] = "It's a Secret to Everybody";
constexpr char kGithubBody[] = "Hello, World!";
constexpr char kGithubSignature[] =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

// Stripe publishes no vector; this one is computed (reference section 4.1).
constexpr char kStripeSecret[] = "whsec_test_secret";
constexpr int64_t kStripeT = 1614265330;
constexpr char kStripeBody[] = R"({"id":"evt_test","object":"event"})";
constexpr char kStripeV1[] = "fbd6bf5496b9d6310e422a2c072578f95f5eb492111ab57a5510e9cd79c1b304";

// Slack's worked example.
constexpr char kSlackSecret[] = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr int64_t kSlackTs = 1531420618;
constexpr char kSlackBody[] =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
constexpr char kSlackSignature[] =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

// Standard Webhooks, TestWebhookSign in the reference libraries.
constexpr char kStandardSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kStandardId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kStandardTs = 1614265330;
constexpr char kStandardBody[] = R"({"test": 2432232314})";
constexpr char kStandardSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const base::TimePoint kNow = At(1700000000);

// ---- No provider.

TEST(VerifyRequest, NoProviderAcceptsEverything) {
  ExpectAccepted(VerifyRequest(RouteFor("", ""), Post("x", {}), kNow));
  ExpectAccepted(
      VerifyRequest(RouteFor("", "unused"), Post("", {{"X-Hub-Signature-256", "x"}}), kNow));
}

TEST(VerifyRequest, RouteThatCannotVerify) {
  auto empty_secret = VerifyRequest(RouteFor("github", ""), Post(kGithubBody, {}), kNow);
  EXPECT_EQ(empty_secret.status().code(), Code::kFailedPrecondition);
  auto unknown = VerifyRequest(RouteFor("gitlab", "s"), Post("", {}), kNow);
  EXPECT_EQ(unknown.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(unknown.status().message(), "unknown provider \"gitlab\"");
}

// ---- Telegram.

TEST(Telegram, SecretTokenMatches) {
  auto route = RouteFor("telegram", "tg-Secret_123");
  ExpectAccepted(VerifyRequest(
      route, Post(R"({"update_id":1})", {{"X-Telegram-Bot-Api-Secret-Token", "tg-Secret_123"}}),
      kNow));
  ExpectAccepted(VerifyRequest(
      route, Post("{}", {{"x-telegram-bot-api-secret-token", "tg-Secret_123"}}), kNow));
}

TEST(Telegram, Rejects) {
  auto route = RouteFor("telegram", "tg-Secret_123");
  ExpectRejected(VerifyRequest(route, Post("{}", {}), kNow),
                 "missing X-Telegram-Bot-Api-Secret-Token header");
  for (const char* wrong :
       {"tg-Secret_124", "tg-Secret_12", "tg-Secret_1234", "", "TG-SECRET_123"}) {
    ExpectRejected(
        VerifyRequest(route, Post("{}", {{"X-Telegram-Bot-Api-Secret-Token", wrong}}), kNow),
        "X-Telegram-Bot-Api-Secret-Token does not match");
  }
  ExpectRejected(VerifyRequest(route,
                               Post("{}", {{"X-Telegram-Bot-Api-Secret-Token", "tg-Secret_123"},
                                           {"X-Telegram-Bot-Api-Secret-Token", "x"}}),
                               kNow),
                 "more than one X-Telegram-Bot-Api-Secret-Token header");
}

// ---- GitHub.

TEST(Github, PublishedVector) {
  auto route = RouteFor("github", kGithubSecret);
  ExpectAccepted(VerifyRequest(
      route,
      Post(kGithubBody, {{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", kGithubSignature}}),
      kNow));
  // Header names are case-insensitive; hex digits may be upper case.
  std::string upper = "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17";
  ExpectAccepted(VerifyRequest(route, Post(kGithubBody, {{"x-hub-signature-256", upper}}), kNow));
}

TEST(Github, Rejects) {
  auto route = RouteFor("github", kGithubSecret);
  std::string forged = kGithubSignature;
  forged.back() = forged.back() == '7' ? '8' : '7';
  ExpectRejected(VerifyRequest(route, Post(kGithubBody, {{"X-Hub-Signature-256", forged}}), kNow),
                 "signature does not match");
  ExpectRejected(
      VerifyRequest(route, Post("Hello, World?", {{"X-Hub-Signature-256", kGithubSignature}}),
                    kNow),
      "signature does not match");
  ExpectRejected(
      VerifyRequest(RouteFor("github", "another secret"),
                    Post(kGithubBody, {{"X-Hub-Signature-256", kGithubSignature}}), kNow),
      "signature does not match");
  ExpectRejected(VerifyRequest(route, Post(kGithubBody, {}), kNow),
                 "missing X-Hub-Signature-256 header");
  // Only the legacy SHA-1 header: not accepted by this preset.
  ExpectRejected(
      VerifyRequest(
          route,
          Post(kGithubBody, {{"X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"}}),
          kNow),
      "missing X-Hub-Signature-256 header");
  std::string hex = std::string(kGithubSignature).substr(7);
  for (const std::string& bad :
       {hex, "sha1=" + hex, "SHA256=" + hex, std::string("sha256="), "sha256=" + hex.substr(2),
        "sha256=" + hex + "00", "sha256=" + hex.substr(1), "sha256=zz" + hex.substr(2)}) {
    auto r = VerifyRequest(route, Post(kGithubBody, {{"X-Hub-Signature-256", bad}}), kNow);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << bad;
  }
  ExpectRejected(VerifyRequest(route,
                               Post(kGithubBody, {{"X-Hub-Signature-256", kGithubSignature},
                                                  {"X-Hub-Signature-256", forged}}),
                               kNow),
                 "more than one X-Hub-Signature-256 header");
}

TEST(Github, PingIsAnsweredAtOnce) {
  auto route = RouteFor("github", kGithubSecret);
  std::string body = R"({"zen":"Keep it \"logically\" awesome.","hook_id":42})";
  auto r =
      VerifyRequest(route,
                    Post(body, {{"X-GitHub-Event", "ping"},
                                {"X-Hub-Signature-256", "sha256=" + HexHmac(kGithubSecret, body)}}),
                    kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  const store::Response& res = **r;
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"ok":true,"zen":"Keep it \"logically\" awesome."})");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Content-Type");
  EXPECT_EQ(res.headers[0].second, "application/json");

  // A form-encoded ping (hook content type x-www-form-urlencoded) has its JSON in `payload`.
  std::string form = "hook_id=1&payload=%7B%22zen%22%3A%22a+b%22%7D";
  auto f =
      VerifyRequest(route,
                    Post(form, {{"X-GitHub-Event", "ping"},
                                {"Content-Type", "application/x-www-form-urlencoded"},
                                {"X-Hub-Signature-256", "sha256=" + HexHmac(kGithubSecret, form)}}),
                    kNow);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->body, R"({"ok":true,"zen":"a b"})");
}

TEST(Github, PingMustBeSignedToo) {
  auto route = RouteFor("github", kGithubSecret);
  ExpectRejected(VerifyRequest(route, Post(R"({"zen":"z"})", {{"X-GitHub-Event", "ping"}}), kNow),
                 "missing X-Hub-Signature-256 header");
  ExpectRejected(VerifyRequest(route,
                               Post(R"({"zen":"z"})", {{"X-GitHub-Event", "ping"},
                                                       {"X-Hub-Signature-256", kGithubSignature}}),
                               kNow),
                 "signature does not match");
}

// ---- Stripe.

std::string StripeHeader(int64_t t, const std::vector<std::string>& v1s,
                         const std::string& extra = "") {
  std::string h = "t=" + std::to_string(t);
  for (const auto& v : v1s) h += ",v1=" + v;
  return h + extra;
}

TEST(Stripe, Vector) {
  auto route = RouteFor("stripe", kStripeSecret);
  auto req = Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT, {kStripeV1})}});
  ExpectAccepted(VerifyRequest(route, req, At(kStripeT + 10)));
  ExpectAccepted(VerifyRequest(route, req, At(kStripeT)));
  ExpectAccepted(VerifyRequest(route, req, At(kStripeT + 300)));
  // As stripe-node: only too-old is refused, a timestamp ahead of our clock is not.
  ExpectAccepted(VerifyRequest(route, req, At(kStripeT - 3600)));
}

TEST(Stripe, Expired) {
  auto route = RouteFor("stripe", kStripeSecret);
  auto req = Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT, {kStripeV1})}});
  ExpectRejected(VerifyRequest(route, req, At(kStripeT + 301)),
                 "Stripe-Signature timestamp outside the 300 s tolerance (301 s old)");
  ExpectRejected(VerifyRequest(route, req, kNow),
                 "Stripe-Signature timestamp outside the 300 s tolerance (" +
                     std::to_string(1700000000 - kStripeT) + " s old)");
}

TEST(Stripe, AnyV1MatchesDuringRotation) {
  auto route = RouteFor("stripe", kStripeSecret);
  std::string old_secret_sig = HexHmac("whsec_old", std::to_string(kStripeT) + "." + kStripeBody);
  for (const auto& list : std::vector<std::vector<std::string>>{
           {old_secret_sig, kStripeV1}, {kStripeV1, old_secret_sig}, {"zz", kStripeV1}}) {
    ExpectAccepted(VerifyRequest(
        route, Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT, list, ",v0=00")}}),
        At(kStripeT + 1)));
  }
  // The old endpoint secret alone no longer verifies.
  ExpectRejected(
      VerifyRequest(
          route,
          Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT, {old_secret_sig})}}),
          At(kStripeT + 1)),
      "signature does not match");
}

TEST(Stripe, Rejects) {
  auto route = RouteFor("stripe", kStripeSecret);
  auto now = At(kStripeT + 1);
  // The signed timestamp is part of the payload: changing t breaks the signature.
  ExpectRejected(
      VerifyRequest(
          route, Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT + 1, {kStripeV1})}}),
          now),
      "signature does not match");
  // v0 is never trusted.
  ExpectRejected(
      VerifyRequest(route,
                    Post(kStripeBody, {{"Stripe-Signature",
                                        "t=" + std::to_string(kStripeT) + ",v0=" + kStripeV1}}),
                    now),
      "Stripe-Signature has no v1= signature");
  ExpectRejected(
      VerifyRequest(route,
                    Post(kStripeBody, {{"Stripe-Signature", "t=" + std::to_string(kStripeT) +
                                                                ",v1=00,v0=" + kStripeV1}}),
                    now),
      "signature does not match");
  // The key is the secret string as-is; a route secret without its whsec_ prefix fails.
  ExpectRejected(
      VerifyRequest(RouteFor("stripe", "test_secret"),
                    Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT, {kStripeV1})}}),
                    now),
      "signature does not match");
  ExpectRejected(VerifyRequest(route, Post(kStripeBody, {}), now),
                 "missing Stripe-Signature header");
  ExpectRejected(VerifyRequest(route, Post(kStripeBody, {{"Stripe-Signature", kStripeV1}}), now),
                 "Stripe-Signature has no t= timestamp");
  ExpectRejected(
      VerifyRequest(
          route, Post(kStripeBody, {{"Stripe-Signature", "t=soon,v1=" + std::string(kStripeV1)}}),
          now),
      "Stripe-Signature t= is not a Unix timestamp");
  // An expired request with a wrong signature reports the signature, not its age.
  ExpectRejected(
      VerifyRequest(
          route, Post(kStripeBody, {{"Stripe-Signature", StripeHeader(kStripeT, {"00"})}}), kNow),
      "signature does not match");
}

// ---- Slack.

store::Request SlackPost(std::string body, int64_t ts, std::string signature) {
  return Post(std::move(body), {{"X-Slack-Request-Timestamp", std::to_string(ts)},
                                {"X-Slack-Signature", std::move(signature)}});
}

TEST(Slack, PublishedVector) {
  auto route = RouteFor("slack", kSlackSecret);
  auto req = SlackPost(kSlackBody, kSlackTs, kSlackSignature);
  ExpectAccepted(VerifyRequest(route, req, At(kSlackTs)));
  ExpectAccepted(VerifyRequest(route, req, At(kSlackTs + 300)));
  ExpectAccepted(VerifyRequest(route, req, At(kSlackTs - 300)));
}

TEST(Slack, TimestampToleranceBothWays) {
  auto route = RouteFor("slack", kSlackSecret);
  auto req = SlackPost(kSlackBody, kSlackTs, kSlackSignature);
  ExpectRejected(VerifyRequest(route, req, At(kSlackTs + 301)),
                 "X-Slack-Request-Timestamp outside the 300 s tolerance (301 s old)");
  ExpectRejected(VerifyRequest(route, req, At(kSlackTs - 301)),
                 "X-Slack-Request-Timestamp outside the 300 s tolerance (301 s in the future)");
}

TEST(Slack, Rejects) {
  auto route = RouteFor("slack", kSlackSecret);
  auto now = At(kSlackTs + 1);
  std::string forged = kSlackSignature;
  forged[10] = forged[10] == '0' ? '1' : '0';
  ExpectRejected(VerifyRequest(route, SlackPost(kSlackBody, kSlackTs, forged), now),
                 "signature does not match");
  // The timestamp is signed: a replay with a fresh timestamp fails.
  ExpectRejected(VerifyRequest(route, SlackPost(kSlackBody, kSlackTs + 1, kSlackSignature), now),
                 "signature does not match");
  ExpectRejected(
      VerifyRequest(route, SlackPost(kSlackBody, kSlackTs, std::string(kSlackSignature).substr(3)),
                    now),
      "X-Slack-Signature does not start with \"v0=\"");
  ExpectRejected(
      VerifyRequest(route, Post(kSlackBody, {{"X-Slack-Signature", kSlackSignature}}), now),
      "missing X-Slack-Request-Timestamp header");
  ExpectRejected(
      VerifyRequest(
          route, Post(kSlackBody, {{"X-Slack-Request-Timestamp", std::to_string(kSlackTs)}}), now),
      "missing X-Slack-Signature header");
  ExpectRejected(VerifyRequest(route,
                               Post(kSlackBody, {{"X-Slack-Request-Timestamp", "1531420618.5"},
                                                 {"X-Slack-Signature", kSlackSignature}}),
                               now),
                 "X-Slack-Request-Timestamp is not a Unix timestamp");
}

TEST(Slack, UrlVerificationAnswersWithTheChallenge) {
  auto route = RouteFor("slack", kSlackSecret);
  int64_t ts = 1700000000;
  std::string body =
      R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
  std::string sig = "v0=" + HexHmac(kSlackSecret, "v0:" + std::to_string(ts) + ":" + body);
  auto r = VerifyRequest(route, SlackPost(body, ts, sig), At(ts));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->status, 200);
  EXPECT_EQ((*r)->body, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
  ASSERT_EQ((*r)->headers.size(), 1u);
  EXPECT_EQ((*r)->headers[0].second, "text/plain");

  // Unsigned or badly signed: rejected, no challenge echoed.
  ExpectRejected(VerifyRequest(route, SlackPost(body, ts, kSlackSignature), At(ts)),
                 "signature does not match");
}

TEST(Slack, EventCallbackIsStored) {
  auto route = RouteFor("slack", kSlackSecret);
  int64_t ts = 1700000000;
  for (std::string body :
       {std::string(
            R"({"type":"event_callback","event_id":"Ev1","event":{"type":"url_verification"}})"),
        std::string(R"({"type":"url_verification"})"),                // no challenge
        std::string(R"({"type":"url_verification","challenge":7})"),  // not a string
        std::string(R"(["url_verification"])"), std::string("url_verification"),
        std::string(R"({"type":"url_verification","challenge":"x")")}) {  // truncated JSON
    std::string sig = "v0=" + HexHmac(kSlackSecret, "v0:" + std::to_string(ts) + ":" + body);
    ExpectAccepted(VerifyRequest(route, SlackPost(body, ts, sig), At(ts)));
  }
}

// ---- Standard Webhooks.

store::Request StandardPost(std::string body, std::string id, int64_t ts, std::string sig) {
  return Post(std::move(body), {{"webhook-id", std::move(id)},
                                {"webhook-timestamp", std::to_string(ts)},
                                {"webhook-signature", std::move(sig)}});
}

TEST(Standard, PublishedVector) {
  auto route = RouteFor("standard", kStandardSecret);
  auto req = StandardPost(kStandardBody, kStandardId, kStandardTs, kStandardSignature);
  ExpectAccepted(VerifyRequest(route, req, At(kStandardTs)));
  ExpectAccepted(VerifyRequest(route, req, At(kStandardTs + 300)));
  ExpectAccepted(VerifyRequest(route, req, At(kStandardTs - 300)));
  // The whsec_ prefix is optional on input; the rest is base64 either way.
  ExpectAccepted(VerifyRequest(RouteFor("standard", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), req,
                               At(kStandardTs)));
}

TEST(Standard, MultipleSignatures) {
  auto route = RouteFor("standard", kStandardSecret);
  std::string good = kStandardSignature;
  for (const std::string& list :
       {"v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/"
        "enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== " +
            good,
        "v1,AAAA " + good + " v2,xyz", "  " + good + "  ", "nocomma " + good,
        "v1,Zm9v " + good.substr(0, 3) + "!!!! " + good}) {
    ExpectAccepted(VerifyRequest(route, StandardPost(kStandardBody, kStandardId, kStandardTs, list),
                                 At(kStandardTs)));
  }
}

TEST(Standard, Rejects) {
  auto route = RouteFor("standard", kStandardSecret);
  auto now = At(kStandardTs);
  std::string sig64 = std::string(kStandardSignature).substr(3);
  ExpectRejected(VerifyRequest(route,
                               StandardPost(kStandardBody, kStandardId, kStandardTs,
                                            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF="),
                               now),
                 "signature does not match");
  ExpectRejected(
      VerifyRequest(route,
                    StandardPost(kStandardBody, "msg_other", kStandardTs, kStandardSignature), now),
      "signature does not match");
  ExpectRejected(VerifyRequest(route,
                               StandardPost(R"({"test": 2432232315})", kStandardId, kStandardTs,
                                            kStandardSignature),
                               now),
                 "signature does not match");
  ExpectRejected(
      VerifyRequest(route, StandardPost(kStandardBody, kStandardId, kStandardTs, "v2," + sig64),
                    now),
      "webhook-signature has no v1 signature");
  ExpectRejected(
      VerifyRequest(route, StandardPost(kStandardBody, kStandardId, kStandardTs, sig64), now),
      "webhook-signature has no v1 signature");
  ExpectRejected(
      VerifyRequest(route, StandardPost(kStandardBody, kStandardId, kStandardTs, ""), now),
      "webhook-signature has no v1 signature");
  ExpectRejected(
      VerifyRequest(route, StandardPost(kStandardBody, "", kStandardTs, kStandardSignature), now),
      "webhook-id is empty");
}

// An id with a '.' is accepted, as the reference libraries (standardwebhooks) accept it (QA: it
// was refused).
TEST(Standard, AnIdMayContainADot) {
  auto route = RouteFor("standard", kStandardSecret);
  auto key = base::Base64Decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.has_value());
  const std::string id = "msg.with.dots";
  auto mac = ComputeHmac(HashAlgorithm::kSha256, *key,
                         id + "." + std::to_string(kStandardTs) + "." + kStandardBody);
  ASSERT_TRUE(mac.ok());
  const std::string sig = "v1," + base::Base64Encode(*mac);
  ExpectAccepted(
      VerifyRequest(route, StandardPost(kStandardBody, id, kStandardTs, sig), At(kStandardTs)));
}

TEST(Standard, TimestampTooOldOrTooNew) {
  auto route = RouteFor("standard", kStandardSecret);
  auto req = StandardPost(kStandardBody, kStandardId, kStandardTs, kStandardSignature);
  ExpectRejected(VerifyRequest(route, req, At(kStandardTs + 301)),
                 "webhook-timestamp outside the 300 s tolerance (301 s old)");
  ExpectRejected(VerifyRequest(route, req, At(kStandardTs - 301)),
                 "webhook-timestamp outside the 300 s tolerance (301 s in the future)");
  auto bad_ts = Post(kStandardBody, {{"webhook-id", kStandardId},
                                     {"webhook-timestamp", "2021-02-25T15:02:10Z"},
                                     {"webhook-signature", kStandardSignature}});
  ExpectRejected(VerifyRequest(route, bad_ts, At(kStandardTs)),
                 "webhook-timestamp is not a Unix timestamp");
}

TEST(Standard, MissingHeaders) {
  auto route = RouteFor("standard", kStandardSecret);
  auto now = At(kStandardTs);
  store::Headers all = {{"webhook-id", kStandardId},
                        {"webhook-timestamp", std::to_string(kStandardTs)},
                        {"webhook-signature", kStandardSignature}};
  for (size_t skip = 0; skip < all.size(); ++skip) {
    store::Headers h;
    for (size_t i = 0; i < all.size(); ++i) {
      if (i != skip) h.push_back(all[i]);
    }
    ExpectRejected(VerifyRequest(route, Post(kStandardBody, h), now),
                   "missing " + all[skip].first + " header");
  }
  // Header names are case-insensitive.
  store::Headers upper = {{"Webhook-Id", kStandardId},
                          {"WEBHOOK-TIMESTAMP", std::to_string(kStandardTs)},
                          {"Webhook-Signature", kStandardSignature}};
  ExpectAccepted(VerifyRequest(route, Post(kStandardBody, upper), now));
}

TEST(Standard, SecretThatIsNotBase64IsAConfigProblem) {
  auto req = StandardPost(kStandardBody, kStandardId, kStandardTs, kStandardSignature);
  for (std::string secret : {"whsec_", "whsec_not base64!", "whsec_Zm9vQ", "Zm9vYmFy!"}) {
    auto r = VerifyRequest(RouteFor("standard", secret), req, At(kStandardTs));
    ASSERT_FALSE(r.ok()) << secret;
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition) << secret;
    if (secret.starts_with("whsec_")) secret = secret.substr(6);
    if (!secret.empty()) {
      EXPECT_EQ(r.status().message().find(secret), std::string::npos) << secret;
    }
  }
}

// ---- Generic HMAC.

config::Route HmacRoute(std::string header, config::HmacCheck::Algorithm algorithm,
                        std::string prefix, config::HmacCheck::Encoding encoding) {
  config::Route route = RouteFor("hmac", kGithubSecret);
  route.hmac.header = std::move(header);
  route.hmac.algorithm = algorithm;
  route.hmac.prefix = std::move(prefix);
  route.hmac.encoding = encoding;
  return route;
}

using Alg = config::HmacCheck::Algorithm;
using Enc = config::HmacCheck::Encoding;

TEST(Hmac, GithubSha1ThroughTheGenericPreset) {
  auto route = HmacRoute("X-Hub-Signature", Alg::kSha1, "sha1=", Enc::kHex);
  ExpectAccepted(VerifyRequest(
      route,
      Post(kGithubBody, {{"X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"}}),
      kNow));
  ExpectAccepted(VerifyRequest(
      route,
      Post(kGithubBody, {{"x-hub-signature", "sha1=01DC10D0C83E72ED246219CDD91669667FE2CA59"}}),
      kNow));
  ExpectRejected(
      VerifyRequest(
          route,
          Post(kGithubBody, {{"X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca5a"}}),
          kNow),
      "signature does not match");
  ExpectRejected(
      VerifyRequest(
          route,
          Post(kGithubBody, {{"X-Hub-Signature", "01dc10d0c83e72ed246219cdd91669667fe2ca59"}}),
          kNow),
      "X-Hub-Signature does not start with \"sha1=\"");
  ExpectRejected(VerifyRequest(route, Post(kGithubBody, {{"X-Hub-Signature", "sha1=xyz"}}), kNow),
                 "X-Hub-Signature is not hex");
  ExpectRejected(VerifyRequest(route, Post(kGithubBody, {}), kNow),
                 "missing X-Hub-Signature header");
  // A SHA-256 MAC in a SHA-1 route has the wrong length.
  ExpectRejected(
      VerifyRequest(
          route,
          Post(kGithubBody, {{"X-Hub-Signature", "sha1=" + HexHmac(kGithubSecret, kGithubBody)}}),
          kNow),
      "signature does not match");
}

TEST(Hmac, Base64Sha256AndSha512) {
  auto b64 = HmacRoute("X-Signature", Alg::kSha256, "", Enc::kBase64);
  ExpectAccepted(VerifyRequest(
      b64, Post(kGithubBody, {{"X-Signature", "dXEH6g6yUJ/CESIczphLijdXC211hsIsRvQ3nIsEPhc="}}),
      kNow));
  ExpectRejected(
      VerifyRequest(
          b64, Post(kGithubBody, {{"X-Signature", "eXEH6g6yUJ/CESIczphLijdXC211hsIsRvQ3nIsEPhc="}}),
          kNow),
      "signature does not match");
  ExpectRejected(VerifyRequest(b64, Post(kGithubBody, {{"X-Signature", "not base64!"}}), kNow),
                 "X-Signature is not base64");
  // A second spelling of the same bytes (non-zero unused bits) is not base64 either.
  ExpectRejected(
      VerifyRequest(
          b64, Post(kGithubBody, {{"X-Signature", "dXEH6g6yUJ/CESIczphLijdXC211hsIsRvQ3nIsEPhd="}}),
          kNow),
      "X-Signature is not base64");
  // URL-safe alphabet, padding omitted.
  ExpectAccepted(VerifyRequest(
      b64, Post(kGithubBody, {{"X-Signature", "dXEH6g6yUJ_CESIczphLijdXC211hsIsRvQ3nIsEPhc"}}),
      kNow));

  auto sha512 = HmacRoute("X-Sig", Alg::kSha512, "sha512=", Enc::kHex);
  ExpectAccepted(VerifyRequest(
      sha512,
      Post(kGithubBody, {{"X-Sig",
                          "sha512=11ed355a617e98134e842012a7944ccf59c10256cb182357bd7e3a42013ff07c"
                          "376f8c14cf5cc1923da20b51d64256b2fb8ebbf100aa67a61326f61fea8111bc"}}),
      kNow));
}

TEST(Hmac, EmptySignatureNeverMatches) {
  auto route = HmacRoute("X-Signature", Alg::kSha256, "", Enc::kHex);
  ExpectRejected(VerifyRequest(route, Post(kGithubBody, {{"X-Signature", ""}}), kNow),
                 "signature does not match");
}

TEST(Hmac, RouteWithoutHeaderIsAConfigProblem) {
  auto route = HmacRoute("", Alg::kSha256, "", Enc::kHex);
  auto r = VerifyRequest(route, Post(kGithubBody, {}), kNow);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
}

// ---- Messages never reveal the secret or the expected signature.

TEST(VerifyRequest, MessagesRevealNoSecret) {
  struct Case {
    config::Route route;
    store::Request req;
    base::TimePoint now;
  };
  const std::string secret = "Sup3r-Secret-Value_0123456789abcdef";
  const std::string body = R"({"id":"evt_1","type":"url_verification","challenge":"c"})";
  const std::string expected_hex = HexHmac(secret, body);
  auto hmac_route = RouteFor("hmac", secret);
  hmac_route.hmac.header = "X-Sig";
  std::vector<Case> cases = {
      {RouteFor("telegram", secret), Post(body, {}), kNow},
      {RouteFor("telegram", secret), Post(body, {{"X-Telegram-Bot-Api-Secret-Token", "x"}}), kNow},
      {RouteFor("telegram", secret),
       Post(body, {{"X-Telegram-Bot-Api-Secret-Token", secret.substr(0, 10)}}), kNow},
      {RouteFor("github", secret), Post(body, {{"X-Hub-Signature-256", "sha256=00"}}), kNow},
      {RouteFor("github", secret), Post(body, {{"X-Hub-Signature-256", "garbage"}}), kNow},
      {RouteFor("stripe", secret), Post(body, {{"Stripe-Signature", "t=1700000000,v1=00"}}), kNow},
      {RouteFor("stripe", secret),
       Post(body, {{"Stripe-Signature", "t=1,v1=" + HexHmac(secret, "1." + body)}}), kNow},
      {RouteFor("slack", secret),
       Post(body, {{"X-Slack-Request-Timestamp", "1700000000"}, {"X-Slack-Signature", "v0=00"}}),
       kNow},
      {RouteFor("standard", "whsec_" + secret), Post(body, {}), kNow},
      {RouteFor("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
       Post(body, {{"webhook-id", "m"},
                   {"webhook-timestamp", "1700000000"},
                   {"webhook-signature", "v1,AAAA"}}),
       kNow},
      {hmac_route, Post(body, {{"X-Sig", "00"}}), kNow},
      {hmac_route, Post(body, {{"X-Sig", "zz"}}), kNow},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    auto r = VerifyRequest(cases[i].route, cases[i].req, cases[i].now);
    ASSERT_FALSE(r.ok()) << i;
    const std::string m = r.status().message();
    EXPECT_FALSE(m.empty()) << i;
    EXPECT_EQ(m.find(secret), std::string::npos) << i << ": " << m;
    EXPECT_EQ(m.find(secret.substr(0, 10)), std::string::npos) << i << ": " << m;
    EXPECT_EQ(m.find(expected_hex), std::string::npos) << i << ": " << m;
    EXPECT_EQ(m.find(expected_hex.substr(0, 16)), std::string::npos) << i << ": " << m;
  }
}

// ---- Garbage headers: never accepted, never a crash, always kUnauthenticated.

TEST(VerifyRequest, GarbageHeadersAreRejected) {
  std::mt19937 rng(7);
  constexpr char kAlphabet[] = "tv01v1=,. \t\xff\0-aZ+/sha256whsec_";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  auto garbage = [&] {
    std::string s;
    int n = static_cast<int>(rng() % 80);
    for (int j = 0; j < n; ++j) {
      s.push_back((rng() % 5 == 0) ? static_cast<char>(rng() & 0xff)
                                   : alphabet[rng() % alphabet.size()]);
    }
    return s;
  };
  auto hmac_hex = RouteFor("hmac", "s");
  hmac_hex.hmac.header = "X-Sig";
  auto hmac_b64 = hmac_hex;
  hmac_b64.hmac.encoding = Enc::kBase64;
  const std::vector<std::pair<config::Route, std::vector<std::string>>> presets = {
      {RouteFor("telegram", "tv01-secret"), {"X-Telegram-Bot-Api-Secret-Token"}},
      {RouteFor("github", "s"), {"X-Hub-Signature-256", "X-GitHub-Event"}},
      {RouteFor("stripe", "s"), {"Stripe-Signature"}},
      {RouteFor("slack", "s"), {"X-Slack-Request-Timestamp", "X-Slack-Signature"}},
      {RouteFor("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
       {"webhook-id", "webhook-timestamp", "webhook-signature"}},
      {hmac_hex, {"X-Sig"}},
      {hmac_b64, {"X-Sig"}},
  };
  for (int i = 0; i < 3000; ++i) {
    for (const auto& [route, names] : presets) {
      store::Headers headers;
      for (const std::string& name : names) {
        if (rng() % 8 != 0) headers.emplace_back(name, garbage());
      }
      // Sometimes a plausible timestamp, so parsing reaches the signature check.
      if (route.provider == "slack" && rng() % 2 == 0) {
        headers.emplace_back("X-Slack-Request-Timestamp", "1700000000");
      }
      auto r = VerifyRequest(route, Post(garbage(), headers), kNow);
      ASSERT_FALSE(r.ok()) << route.provider;
      EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << route.provider;
    }
  }
}

}  // namespace
}  // namespace longhaul::webhook
