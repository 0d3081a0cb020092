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

// A body sent as JSON that is not gets a 400; another body has no key in it: a 400 only when
// the key is required.
TEST(KeyExtractor, NonJsonBodyWithARequiredPointerIs400AndAnOptionalOneIsNoKey) {
  auto sent_as_json = Req("not json {");
  sent_as_json.headers = {{"content-type", "application/vnd.api+json; charset=utf-8"}};
  auto broken =
      KeyExtractor(sent_as_json).Extract({Kind::kJsonPointer, "/chat", false}, "ordering key");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().message(),
            "ordering key /chat needs a JSON body, and the body is not valid JSON");

  auto req = Req("not json {");
  req.headers = {{"Content-Type", "text/plain"}};
  KeyExtractor k(req);
  auto r = k.Extract({Kind::kJsonPointer, "/update_id", true}, "idempotency key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "idempotency key /update_id needs a JSON body (or a form with JSON in its payload "
            "field), and the body is neither");
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/chat", false}, "ordering key"), "");
}

// GitHub's hooks of content type application/x-www-form-urlencoded send the JSON in the form's
// payload field, as Slack's interactivity does: an ordering key by repository still orders them
// (QA: every such delivery was refused with 400, after its signature had checked out).
TEST(KeyExtractor, APointerLooksIntoAFormsJsonPayload) {
  auto req =
      Req("payload=%7B%22repository%22%3A%7B%22full_name%22%3A%22o%2Fr%22%7D%2C"
          "%22n%22%3A%5B1%2C+2%5D%7D");
  req.headers = {{"content-type", "Application/X-WWW-Form-Urlencoded; charset=utf-8"}};
  KeyExtractor k(req);
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/repository/full_name", true}, "ordering key"), "o/r");
  EXPECT_EQ(*k.Extract({Kind::kJsonPointer, "/n", true}, "idempotency key"), "[1,2]");

  // A form without it (a Slack slash command) has no key; nor has a payload field of a body
  // that is not a form.
  auto slash = Req("command=%2Fdeploy&text=prod");
  slash.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  KeyExtractor s(slash);
  EXPECT_EQ(*s.Extract({Kind::kJsonPointer, "/event_id", false}, "idempotency key"), "");
  auto text = Req("payload=%7B%22a%22%3A1%7D");
  text.headers = {{"Content-Type", "text/plain"}};
  KeyExtractor t(text);
  EXPECT_EQ(*t.Extract({Kind::kJsonPointer, "/a", false}, "ordering key"), "");
}

// Several pointers: the first one present gives the key (a Telegram chat's messages, edits and
// button presses in one order).
TEST(KeyExtractor, TheFirstOfSeveralPointersThatIsPresentIsTheKey) {
  config::KeySource chat{Kind::kJsonPointer, "/message/chat/id", true};
  chat.more_pointers = {"/edited_message/chat/id", "/callback_query/message/chat/id"};
  auto message = Req(R"({"update_id":1,"message":{"chat":{"id":42}}})");
  EXPECT_EQ(*KeyExtractor(message).Extract(chat, "ordering key"), "42");
  auto press = Req(R"({"update_id":2,"callback_query":{"message":{"chat":{"id":7,"x":[1]}}}})");
  EXPECT_EQ(*KeyExtractor(press).Extract(chat, "ordering key"), "7");
  auto other = Req(R"({"update_id":3,"poll":{}})");
  auto missing = KeyExtractor(other).Extract(chat, "ordering key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "ordering key is required but missing (any of the JSON pointers /message/chat/id, "
            "/edited_message/chat/id, /callback_query/message/chat/id in the body)");
  chat.required = false;
  EXPECT_EQ(*KeyExtractor(other).Extract(chat, "ordering key"), "");
  auto text = Req("not json");
  text.headers = {{"Content-Type", "text/plain"}};
  EXPECT_EQ(*KeyExtractor(text).Extract(chat, "ordering key"), "");
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
  EXPECT_FALSE(k.Extract({Kind::kJsonPointer, "/a", true}, "idempotency key").ok());
}

}  // namespace
}  // namespace longhaul::ingest
