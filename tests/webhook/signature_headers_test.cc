#include "webhook/signature_headers.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace longhaul::webhook {
namespace {

using base::Code;

TEST(FindHeader, CaseInsensitiveAndTrimmed) {
  store::Headers h = {{"Content-Type", "application/json"}, {"x-hub-signature-256", "  v \t"}};
  EXPECT_EQ(FindHeader(h, "X-Hub-Signature-256"), "v");
  EXPECT_EQ(FindHeader(h, "content-type"), "application/json");
  EXPECT_FALSE(FindHeader(h, "X-Hub-Signature").has_value());
  EXPECT_FALSE(FindHeader(h, "X-Hub-Signature-2567").has_value());
}

TEST(RequireSingleHeader, MissingAndRepeated) {
  store::Headers h = {{"Stripe-Signature", "a"}, {"X-One", "1"}, {"stripe-signature", "b"}};
  auto one = RequireSingleHeader(h, "x-one");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, "1");

  auto missing = RequireSingleHeader(h, "webhook-id");
  EXPECT_EQ(missing.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(missing.status().message(), "missing webhook-id header");

  auto twice = RequireSingleHeader(h, "Stripe-Signature");
  EXPECT_EQ(twice.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(twice.status().message(), "more than one Stripe-Signature header");
}

TEST(ParseUnixSeconds, AcceptsDigitsOnly) {
  EXPECT_EQ(ParseUnixSeconds("0"), 0);
  EXPECT_EQ(ParseUnixSeconds("1614265330"), 1614265330);
  EXPECT_EQ(ParseUnixSeconds("999999999999999999"), 999999999999999999);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.5", "1e9", "0x10", "abc",
                          "9999999999999999999", "99999999999999999999999999"}) {
    EXPECT_FALSE(ParseUnixSeconds(bad).has_value()) << bad;
  }
}

TEST(ParseStripeSignature, RotationAndV0) {
  auto sig = ParseStripeSignature("t=1614265330,v1=aa,v1=bb,v0=cc");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(sig->timestamp, 1614265330);
  EXPECT_EQ(sig->timestamp_text, "1614265330");
  ASSERT_EQ(sig->v1.size(), 2u);
  EXPECT_EQ(sig->v1[0], "aa");
  EXPECT_EQ(sig->v1[1], "bb");
}

TEST(ParseStripeSignature, ToleratesOrderSpacesAndUnknownItems) {
  auto sig = ParseStripeSignature(" v1=aa , foo ,, x=y=z, t=5,v2=dd");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(sig->timestamp, 5);
  ASSERT_EQ(sig->v1.size(), 1u);
  EXPECT_EQ(sig->v1[0], "aa");
}

TEST(ParseStripeSignature, Rejects) {
  struct Case {
    const char* header;
    const char* message;
  } cases[] = {
      {"", "Stripe-Signature has no t= timestamp"},
      {"v1=aa", "Stripe-Signature has no t= timestamp"},
      {"t=1", "Stripe-Signature has no v1= signature"},
      {"t=1,v0=aa", "Stripe-Signature has no v1= signature"},
      {"t=,v1=aa", "Stripe-Signature t= is not a Unix timestamp"},
      {"t=-1,v1=aa", "Stripe-Signature t= is not a Unix timestamp"},
      {"t=12a,v1=aa", "Stripe-Signature t= is not a Unix timestamp"},
      {"t=1,t=1,v1=aa", "Stripe-Signature has more than one t="},
      {",,,,", "Stripe-Signature has no t= timestamp"},
      {"T=1,V1=aa", "Stripe-Signature has no t= timestamp"},
  };
  for (const Case& c : cases) {
    auto sig = ParseStripeSignature(c.header);
    ASSERT_FALSE(sig.ok()) << c.header;
    EXPECT_EQ(sig.status().code(), Code::kUnauthenticated) << c.header;
    EXPECT_EQ(sig.status().message(), c.message) << c.header;
  }
}

TEST(ParseVersionedSignatures, SplitsOnSpaces) {
  auto sigs = ParseVersionedSignatures("v1,abc=  v1a,def \tnocomma v2,x,y ,lead");
  ASSERT_EQ(sigs.size(), 4u);
  EXPECT_EQ(sigs[0].version, "v1");
  EXPECT_EQ(sigs[0].signature, "abc=");
  EXPECT_EQ(sigs[1].version, "v1a");
  EXPECT_EQ(sigs[1].signature, "def");
  EXPECT_EQ(sigs[2].version, "v2");
  EXPECT_EQ(sigs[2].signature, "x,y");
  EXPECT_EQ(sigs[3].version, "");
  EXPECT_EQ(sigs[3].signature, "lead");
  EXPECT_TRUE(ParseVersionedSignatures("").empty());
  EXPECT_TRUE(ParseVersionedSignatures("   ").empty());
  EXPECT_TRUE(ParseVersionedSignatures("v1").empty());
}

// Random bytes drawn mostly from the parsers' own syntax; the parsers must never crash, throw
// or return views outside their input.
TEST(SignatureHeaders, SurviveGarbage) {
  std::mt19937 rng(20240601);
  constexpr char kAlphabet[] = "tv01=,. \t\xff\0-aZ+/";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    int n = static_cast<int>(rng() % 40);
    for (int j = 0; j < n; ++j) {
      s.push_back((rng() % 4 == 0) ? static_cast<char>(rng() & 0xff)
                                   : alphabet[rng() % alphabet.size()]);
    }
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    auto inside = [&](std::string_view v) {
      return v.empty() || (v.data() >= begin && v.data() + v.size() <= end);
    };
    auto stripe = ParseStripeSignature(s);
    if (stripe.ok()) {
      EXPECT_FALSE(stripe->v1.empty());
      EXPECT_TRUE(inside(stripe->timestamp_text));
      for (std::string_view v : stripe->v1) EXPECT_TRUE(inside(v));
    } else {
      EXPECT_EQ(stripe.status().code(), Code::kUnauthenticated);
    }
    for (const VersionedSignature& v : ParseVersionedSignatures(s)) {
      EXPECT_TRUE(inside(v.version));
      EXPECT_TRUE(inside(v.signature));
    }
    (void)ParseUnixSeconds(s);
  }
}

}  // namespace
}  // namespace longhaul::webhook
