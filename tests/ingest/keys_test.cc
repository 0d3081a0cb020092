#include "ingest/keys.h"

#include <gtest/gtest.h>

namespace longhaul::ingest {
namespace {

using Kind = config::KeySource::Kind;

store::Request Req(std::string body) {
  store::Request r;
  r.body = std::move(body);
  r.headers = {{"X-GitHub-Delivery", "abc-123"}, {"Content-Type", "application/json"}};
  r.query = "id=7&name=a%20b";
  return r;
}

TEST(KeyExtractor, JsonPointerStringAndNumber) {
  auto req = Req(R"({"update_id": 42, "message": {"chat": {"id": "c1"}}})");
  KeyExtractor k(req);
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/update_id", true}, "idempotency key"), "42");
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/message/chat/id", false}, "ordering key"), "c1");
}

TEST(KeyExtractor, MissingOptionalIsEmpty) {
  auto req = Req(R"({"a": 1})");
  KeyExtractor k(req);
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/message/chat/id", false}, "ordering key"), "");
  EXPECT_EQ(*k.Extract({Kind::kNone, "", false}, "ordering key"), "");
}

TEST(KeyExtractor, MissingRequiredIs400WithReason) {
  auto req = Req(R"({"a": 1})");
  KeyExtractor k(req);
  auto r = k.Extract({Kind::kJsonPointer, "/update_id", true}, "idempotency key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("/update_id"), std::string::npos);
}

// Regression (found by fuzz/keys_fuzz's "a required key is present" check): {"update_id": ""}
// passed a required key as "", i.e. no key, so re-deliveries were stored and run again.
TEST(KeyExtractor, EmptyJsonStringIsMissingLikeAnEmptyHeader) {
  auto req = Req(R"({"update_id": "", "chat": "", "n": 0})");
  req.headers.emplace_back("X-Empty", "");
  KeyExtractor k(req);
  auto r = k.Extract({Kind::kJsonPointer, "/update_id", true}, "idempotency key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/chat", false}, "ordering key"), "");
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/n", true}, "idempotency key"), "0");
  EXPECT_FALSE(k.Extract({Kind::kHeader, "X-Empty", true}, "idempotency key").ok());
}

TEST(KeyExtractor, NonJsonBodyWithPointerIs400) {
  auto req = Req("not json {");
  KeyExtractor k(req);
  auto r = k.Extract({Kind::kJsonPointer, "/update_id", false}, "idempotency key");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not valid JSON"), std::string::npos);
}

TEST(KeyExtractor, LenientPointerOnAFormIsNoKey) {
  auto req = Req("command=%2Fdeploy&text=prod");
  KeyExtractor k(req);
  config::KeySource slack{Kind::kJsonPointer, "/event_id"};
  slack.lenient = true;
  EXPECT_EQ(*k.Extract(slack, "idempotency key"), "");
}

TEST(KeyExtractor, HeaderIsCaseInsensitiveAndQueryIsDecoded) {
  auto req = Req("");
  KeyExtractor k(req);
  EXPECT_EQ(*k.Extract({Kind::kHeader, "x-github-delivery", true}, "idempotency key"), "abc-123");
  EXPECT_EQ(*k.Extract({Kind::kQuery, "name", true}, "idempotency key"), "a b");
  EXPECT_FALSE(k.Extract({Kind::kHeader, "X-Missing", true}, "idempotency key").ok());
}

// Deliveries nest deeper than Boost.JSON's default limit (32) at times; the key is still read.
TEST(KeyExtractor, ADeeplyNestedBodyStillHasItsKeys) {
  std::string nested = "1";
  for (int i = 0; i < 40; ++i) nested = R"({"n":)" + nested + "}";
  auto req = Req(R"({"a": {"id": 7}, "deep": )" + nested + R"(, "obj": {"k": )" + nested + "}}");
  KeyExtractor k(req);
  auto scalar = k.Extract({Kind::kJsonPointer, "/a/id", true}, "idempotency key");
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_EQ(*scalar, "7");
  auto object = k.Extract({Kind::kJsonPointer, "/obj", true}, "ordering key");  // a full parse
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(*object, R"({"k":)" + nested + "}");
}

TEST(KeyExtractor, DeeplyNestedJsonDoesNotCrash) {
  std::string deep(100000, '[');
  auto req = Req(deep);
  KeyExtractor k(req);
  EXPECT_FALSE(k.Extract({Kind::kJsonPointer, "/a", false}, "idempotency key").ok());
}

}  // namespace
}  // namespace longhaul::ingest
