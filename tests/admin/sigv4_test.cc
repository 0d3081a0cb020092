#include "admin/sigv4.h"

#include <gtest/gtest.h>

namespace longhaul::admin::sigv4 {
namespace {

// AWS's SigV4 test suite, "get-vanilla": GET / with Host and X-Amz-Date, empty body, key
// AKIDEXAMPLE, region us-east-1, service "service".
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kAuthorization[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
    "SignedHeaders=host;x-amz-date, "
    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

SignedRequest GetVanilla() {
  SignedRequest r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payload_hash = Sha256Hex("");
  return r;
}

// 2015-08-30T12:36:00Z
const base::TimePoint kSignedAt = base::FromUnixMs(1440938160000);

TEST(Sigv4, GetVanillaCanonicalRequestAndSignature) {
  std::string canonical = CanonicalRequest(GetVanilla(), {"host", "x-amz-date"});
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string sts =
      StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(Signature(kSecret, "20150830", "us-east-1", "service", sts),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(Sigv4, ParseAuthorization) {
  auto a = ParseAuthorization(kAuthorization);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(a->date, "20150830");
  EXPECT_EQ(a->region, "us-east-1");
  EXPECT_EQ(a->service, "service");
  EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_FALSE(ParseAuthorization("Bearer x").ok());
  EXPECT_FALSE(ParseAuthorization("AWS4-HMAC-SHA256 Credential=A/2015/r/s, SignedHeaders=host, "
                                  "Signature=00")
                   .ok());
}

TEST(Sigv4, VerifyOutcomes) {
  std::vector<AccessKey> keys = {{"AKIDEXAMPLE", kSecret}};
  SignedRequest req = GetVanilla();
  req.headers.emplace_back("Authorization", kAuthorization);
  EXPECT_EQ(Verify(req, keys, kSignedAt, "service").failure, Failure::kNone)
      << Verify(req, keys, kSignedAt, "service").message;
  EXPECT_EQ(Verify(req, keys, kSignedAt + std::chrono::minutes(14), "service").failure,
            Failure::kNone);
  EXPECT_EQ(Verify(req, keys, kSignedAt + std::chrono::minutes(16), "service").failure,
            Failure::kInvalidSignature);
  EXPECT_EQ(Verify(req, keys, kSignedAt, "lambda").failure, Failure::kInvalidSignature);
  EXPECT_EQ(Verify(req, {{"AKIDEXAMPLE", "wrong"}}, kSignedAt, "service").failure,
            Failure::kInvalidSignature);
  EXPECT_EQ(Verify(req, {{"OTHER", kSecret}}, kSignedAt, "service").failure,
            Failure::kUnrecognizedClient);
  SignedRequest tampered = req;
  tampered.payload_hash = Sha256Hex("x");
  EXPECT_EQ(Verify(tampered, keys, kSignedAt, "service").failure, Failure::kInvalidSignature);
  EXPECT_EQ(Verify(GetVanilla(), keys, kSignedAt, "service").failure,
            Failure::kMissingAuthenticationToken);
  EXPECT_EQ(ErrorType(Failure::kUnrecognizedClient), "UnrecognizedClientException");
}

TEST(Sigv4, CanonicalUriAndQueryAreEncoded) {
  SignedRequest r;
  r.method = "POST";
  r.path = "/2015-03-31/functions/fn%3A%24LATEST/invocations";
  r.query = "b=2&Qualifier=%24LATEST&a=x y";
  r.payload_hash = "h";
  std::string c = CanonicalRequest(r, {});
  EXPECT_EQ(c.substr(0, c.find("\n\n")),
            "POST\n/2015-03-31/functions/fn%253A%2524LATEST/invocations\n"
            "Qualifier=%24LATEST&a=x%20y&b=2");
}

}  // namespace
}  // namespace longhaul::admin::sigv4
