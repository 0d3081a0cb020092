#include "admin/invoke_api.h"

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/ids.h"

namespace longhaul::admin {
namespace {

struct RefCase {
  std::string name;
  std::string qualifier_param;
  std::string want_name;
  std::string want_qualifier;
};

TEST(ParseFunctionRef, AcceptsNamesAndArns) {
  const RefCase cases[] = {
      {"my-function", "", "my-function", ""},
      {"my-function:v1", "", "my-function", "v1"},
      {"my-function:$LATEST", "", "my-function", "$LATEST"},
      {"my-function", "$LATEST", "my-function", "$LATEST"},
      {"my-function:v1", "v1", "my-function", "v1"},
      {"123456789012:function:my-function", "", "my-function", ""},
      {"123456789012:function:my-function:7", "", "my-function", "7"},
      {"arn:aws:lambda:us-west-2:123456789012:function:my.fn_1", "", "my.fn_1", ""},
      {"arn:aws:lambda:us-west-2:123456789012:function:my-function:prod", "", "my-function",
       "prod"},
  };
  for (const auto& c : cases) {
    auto ref = ParseFunctionRef(c.name, c.qualifier_param);
    ASSERT_TRUE(ref.ok()) << c.name << ": " << ref.status().message();
    EXPECT_EQ(ref->name, c.want_name) << c.name;
    EXPECT_EQ(ref->qualifier, c.want_qualifier) << c.name;
  }
}

TEST(ParseFunctionRef, RejectsMalformed) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"bad name", ""},
      {"fn:", ""},
      {"fn:v1", "v2"},
      {"fn", "bad/qualifier"},
      {"arn:aws:s3:::bucket", ""},
      {std::string(65, 'a'), ""},
  };
  for (const auto& [name, q] : cases) {
    auto ref = ParseFunctionRef(name, q);
    EXPECT_FALSE(ref.ok()) << name << " " << q;
    if (!ref.ok()) {
      EXPECT_EQ(ref.status().code(), base::Code::kInvalidArgument);
    }
  }
}

TEST(ParseInvocationType, KnownValues) {
  EXPECT_EQ(*ParseInvocationType(""), InvocationType::kRequestResponse);
  EXPECT_EQ(*ParseInvocationType("RequestResponse"), InvocationType::kRequestResponse);
  EXPECT_EQ(*ParseInvocationType("Event"), InvocationType::kEvent);
  EXPECT_EQ(*ParseInvocationType("DryRun"), InvocationType::kDryRun);
  EXPECT_FALSE(ParseInvocationType("event").ok());
  EXPECT_FALSE(ParseInvocationType("Async").ok());
}

TEST(ParseLogTypeTail, KnownValues) {
  EXPECT_FALSE(*ParseLogTypeTail(""));
  EXPECT_FALSE(*ParseLogTypeTail("None"));
  EXPECT_TRUE(*ParseLogTypeTail("Tail"));
  EXPECT_FALSE(ParseLogTypeTail("tail").ok());
}

TEST(CheckJsonPayload, EmptyOrJson) {
  EXPECT_TRUE(CheckJsonPayload("").ok());
  EXPECT_TRUE(CheckJsonPayload("{\"a\":1}").ok());
  EXPECT_TRUE(CheckJsonPayload("\"text\"").ok());
  EXPECT_TRUE(CheckJsonPayload("null").ok());
  EXPECT_FALSE(CheckJsonPayload("not json").ok());
  EXPECT_FALSE(CheckJsonPayload("{\"a\":").ok());
  // Deeper than Boost.JSON's default of 32 levels is still JSON.
  EXPECT_TRUE(CheckJsonPayload(std::string(100, '[') + std::string(100, ']')).ok());
}

TEST(CheckClientContext, Base64OfAJsonObject) {
  EXPECT_TRUE(CheckClientContext("").ok());
  EXPECT_TRUE(CheckClientContext(base::Base64Encode(R"({"custom":{"a":1}})")).ok());
  EXPECT_FALSE(CheckClientContext("not base64!").ok());
  EXPECT_FALSE(CheckClientContext(base::Base64Encode("not json")).ok());
  EXPECT_FALSE(CheckClientContext(base::Base64Encode("[1,2]")).ok());  // JSON, not an object
  std::string big = base::Base64Encode("{\"k\":\"" + std::string(2700, 'x') + "\"}");
  ASSERT_GT(big.size(), kMaxClientContext);
  base::Status s = CheckClientContext(big);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("at most 3583 bytes"), std::string::npos) << s.message();
}

TEST(ToSignedRequest, ThePayloadHashIsTheBodys) {
  http::Request req{boost::beast::http::verb::post, "/2015-03-31/functions/f/invocations", 11};
  req.body() = R"({"amount":1000000})";
  // As a replay of a captured request would claim: the hash of another body.
  req.set("x-amz-content-sha256", sigv4::Sha256Hex(R"({"amount":1})"));
  EXPECT_EQ(ToSignedRequest(req).payload_hash, sigv4::Sha256Hex(R"({"amount":1000000})"));
  req.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  EXPECT_EQ(ToSignedRequest(req).payload_hash, sigv4::Sha256Hex(R"({"amount":1000000})"));
}

TEST(FunctionArn, UnqualifiedAndQualified) {
  EXPECT_EQ(FunctionArn("us-east-1", "fn"), "arn:aws:lambda:us-east-1:000000000000:function:fn");
  EXPECT_EQ(FunctionArn("eu-west-1", "fn", "$LATEST"),
            "arn:aws:lambda:eu-west-1:000000000000:function:fn:$LATEST");
}

TEST(LogTail, KeepsTheLast4KB) {
  store::Job job;
  job.stdout_tail = "out";
  job.stderr_tail = "err\n";
  EXPECT_EQ(LogTail(job), "out\nerr\n");
  job.stdout_tail = std::string(5000, 'o');
  job.stderr_tail = "tail";
  std::string t = LogTail(job);
  EXPECT_EQ(t.size(), kLogTailBytes);
  EXPECT_EQ(t.substr(t.size() - 5), "\ntail");
  EXPECT_EQ(LogTail(job, /*stderr_is_log=*/true), "tail");
}

TEST(LambdaError, UserAndServiceShapes) {
  http::Response r = LambdaError(404, "ResourceNotFoundException", "Function not found: x");
  EXPECT_EQ(r.result_int(), 404u);
  EXPECT_EQ(r["x-amzn-ErrorType"], "ResourceNotFoundException");
  EXPECT_EQ(r.body(), R"({"Type":"User","Message":"Function not found: x"})");
  EXPECT_TRUE(base::LooksLikeJobId(r["x-amzn-RequestId"]));
  http::Response bad = LambdaError(404, "ResourceNotFoundException", "Function not found: \xff");
  EXPECT_EQ(bad.body(), "{\"Type\":\"User\",\"Message\":\"Function not found: \xef\xbf\xbd\"}");
  http::Response s = StoreError(base::Status(base::Code::kUnavailable, "disk"));
  EXPECT_EQ(s.result_int(), 503u);
  EXPECT_EQ(s["x-amzn-ErrorType"], "ServiceException");
  EXPECT_NE(s.body().find("\"Type\":\"Service\""), std::string::npos);
  http::Response t = StoreError(base::Status(base::Code::kResourceExhausted, "queue full"));
  EXPECT_EQ(t.result_int(), 429u);
  EXPECT_EQ(t["x-amzn-ErrorType"], "TooManyRequestsException");
}

}  // namespace
}  // namespace longhaul::admin
