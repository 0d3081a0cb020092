#include "hooks/request_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace longhaul::hooks {
namespace {

using ::testing::HasSubstr;

store::Request Req(std::string content_type, std::string body, std::string query = "") {
  store::Request r;
  r.method = "POST";
  r.path = "/hooks/x";
  r.query = std::move(query);
  r.remote_addr = "192.0.2.7";
  if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
  r.headers.emplace_back("x-github-event", "push");
  r.headers.emplace_back("X-GitHub-Event", "second");
  r.headers.emplace_back("Host", "example.org");
  r.body = std::move(body);
  return r;
}

ValueRef Ref(ValueRef::Source s, std::string name = "") {
  ValueRef r;
  r.source = s;
  r.name = std::move(name);
  return r;
}

std::string Get(const RequestValues& v, ValueRef::Source s, std::string name = "") {
  auto r = Resolve(Ref(s, std::move(name)), v);
  return r.ok() ? *r : "<" + std::string(base::CodeName(r.status().code())) + ">";
}

TEST(CanonicalHeaderKey, AsGo) {
  EXPECT_EQ(CanonicalHeaderKey("x-hub-signature-256"), "X-Hub-Signature-256");
  EXPECT_EQ(CanonicalHeaderKey("CONTENT-TYPE"), "Content-Type");
  EXPECT_EQ(CanonicalHeaderKey("x_lower"), "X_lower");
  EXPECT_EQ(CanonicalHeaderKey("bad key"), "bad key");
}

TEST(ParseRequest, JsonPayloadHeadersQueryAndRequest) {
  Hook hook;
  auto v = ParseRequest(Req("application/json",
                            R"({"ref": "refs/heads/main", "head_commit": {"id": "abc",
                                "timestamp": "2024"}, "commits": [{"id": 1}, {"id": 2}],
                                "a.b": "exact", "a": {"b": "path"}, "n": 12345678901234567890,
                                "neg": -5, "f": 1.5, "t": true, "z": null,
                                "obj": {"b": "<&>", "a": [1, "x"]}})",
                            "q=1&q=2&name=a+b%21"),
                        hook);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->has_payload);
  using S = ValueRef::Source;
  EXPECT_EQ(Get(*v, S::kPayload, "ref"), "refs/heads/main");
  EXPECT_EQ(Get(*v, S::kPayload, "head_commit.id"), "abc");
  EXPECT_EQ(Get(*v, S::kPayload, "commits.1.id"), "2");
  EXPECT_EQ(Get(*v, S::kPayload, "commits.2.id"), "<NOT_FOUND>");
  EXPECT_EQ(Get(*v, S::kPayload, "commits.x"), "<NOT_FOUND>");
  EXPECT_EQ(Get(*v, S::kPayload, "a.b"), "exact");  // the exact key wins over the path
  EXPECT_EQ(Get(*v, S::kPayload, "n"), "12345678901234567890");
  EXPECT_EQ(Get(*v, S::kPayload, "neg"), "-5");
  EXPECT_EQ(Get(*v, S::kPayload, "f"), "1.5");
  EXPECT_EQ(Get(*v, S::kPayload, "t"), "true");
  EXPECT_EQ(Get(*v, S::kPayload, "z"), "<nil>");
  EXPECT_EQ(Get(*v, S::kPayload, "obj"), R"({"a":[1,"x"],"b":"\u003c\u0026\u003e"})");
  EXPECT_EQ(Get(*v, S::kPayload, "missing"), "<NOT_FOUND>");

  EXPECT_EQ(Get(*v, S::kHeader, "X-GITHUB-EVENT"), "push");  // first value, any case
  EXPECT_EQ(Get(*v, S::kHeader, "host"), "<NOT_FOUND>");     // Go keeps Host apart
  EXPECT_EQ(Get(*v, S::kQuery, "q"), "1");
  EXPECT_EQ(Get(*v, S::kQuery, "name"), "a b!");
  EXPECT_EQ(Get(*v, S::kQuery, "Q"), "<NOT_FOUND>");
  EXPECT_EQ(Get(*v, S::kRequest, "Method"), "POST");
  EXPECT_EQ(Get(*v, S::kRequest, "remote-addr"), "192.0.2.7");
  EXPECT_EQ(Get(*v, S::kRequest, "path"), "<INVALID_ARGUMENT>");
  EXPECT_EQ(Get(*v, S::kString, "constant"), "constant");
  EXPECT_THAT(Get(*v, S::kRawBody), HasSubstr("\"ref\": \"refs/heads/main\""));
  EXPECT_EQ(Get(*v, S::kEntireQuery), R"({"name":"a b!","q":"1"})");
  EXPECT_EQ(Get(*v, S::kEntireHeaders),
            R"({"Content-Type":"application/json","X-Github-Event":"push"})");
  EXPECT_THAT(Get(*v, S::kEntirePayload), HasSubstr(R"("ref":"refs/heads/main")"));
}

TEST(ParseRequest, TopLevelArrayIsRoot) {
  Hook hook;
  auto v = ParseRequest(Req("application/json", R"( [{"k": "v0"}, {"k": "v1"}] )"), hook);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "root.1.k"), "v1");
}

// As webhook (json.Decoder.UseNumber): a number is passed on as it was sent, not as a double
// or an int64 makes it: 1e400 stays 1e400 (not inf, which is not JSON), 1e3 stays 1e3.
TEST(ParseRequest, JsonNumbersArePassedOnAsSent) {
  Hook hook;
  hook.json_parameters = {Ref(ValueRef::Source::kHeader, "x-data")};
  store::Request r = Req("application/json",
                         R"({"n": 1e400, "big": 12345678901234567890123, "one": 1, "f": -2.5,
                             "e3": 1e3, "zero": -0, "small": 1E-400, "list": [1.50, -1e400]})");
  r.headers.emplace_back("X-Data", R"({"k": 2e308})");
  auto v = ParseRequest(r, hook);
  ASSERT_TRUE(v.ok()) << v.status().message();
  using S = ValueRef::Source;
  EXPECT_EQ(Get(*v, S::kPayload, "n"), "1e400");
  EXPECT_EQ(Get(*v, S::kPayload, "big"), "12345678901234567890123");
  EXPECT_EQ(Get(*v, S::kPayload, "one"), "1");
  EXPECT_EQ(Get(*v, S::kPayload, "f"), "-2.5");
  EXPECT_EQ(Get(*v, S::kPayload, "e3"), "1e3");
  EXPECT_EQ(Get(*v, S::kPayload, "zero"), "-0");
  EXPECT_EQ(Get(*v, S::kPayload, "small"), "1E-400");
  EXPECT_EQ(Get(*v, S::kPayload, "list"), "[1.50,-1e400]");
  EXPECT_EQ(Get(*v, S::kPayload, "list.1"), "-1e400");
  EXPECT_EQ(Get(*v, S::kEntirePayload),
            R"({"big":12345678901234567890123,"e3":1e3,"f":-2.5,"list":[1.50,-1e400],)"
            R"("n":1e400,"one":1,"small":1E-400,"zero":-0})");
  // A value parse-parameters-as-json decoded keeps its numbers too.
  EXPECT_EQ(Get(*v, S::kHeader, "X-Data.k"), "2e308");
  EXPECT_THAT(Get(*v, S::kEntireHeaders), HasSubstr(R"("X-Data":{"k":2e308})"));
}

TEST(ParseRequest, TrailingBytesAfterTheJsonValueAreIgnoredAsGo) {
  Hook hook;
  auto v = ParseRequest(Req("application/json", R"({"a": "b"} trailing)"), hook);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "a"), "b");
}

TEST(ParseRequest, BadOrUnsupportedBodiesLeaveNoPayload) {
  Hook hook;
  for (auto [type, body] :
       {std::pair{"application/json", "{not json"}, std::pair{"application/json", ""},
        std::pair{"text/plain", "hello"}, std::pair{"application/xml", "<a><b></a>"}}) {
    auto v = ParseRequest(Req(type, body), hook);
    ASSERT_TRUE(v.ok()) << type;
    EXPECT_FALSE(v->has_payload) << type << " " << body;
    EXPECT_FALSE(v->payload_error.empty());
    EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "a"), "<NOT_FOUND>");
    EXPECT_EQ(Get(*v, ValueRef::Source::kEntirePayload), "null");
  }
  // Deep nesting is refused instead of recursing without bound.
  std::string deep(100000, '[');
  auto v = ParseRequest(Req("application/json", deep), hook);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_payload);
}

TEST(ParseRequest, ContentTypeOverride) {
  Hook hook;
  hook.content_type = "application/json";
  auto v = ParseRequest(Req("text/plain", R"({"a": "b"})"), hook);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "a"), "b");
}

TEST(ParseRequest, FormUrlencoded) {
  Hook hook;
  auto v = ParseRequest(Req("application/x-www-form-urlencoded; charset=utf-8",
                            "payload=%7B%22a%22%3A1%7D&x=1&x=2&sp=a+b"),
                        hook);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "payload"), R"({"a":1})");
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "x"), "1");
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "sp"), "a b");
}

// As Go's url.ParseQuery: webhook drops the query pairs it cannot read, and keeps no form
// payload at all when one pair is bad.
TEST(ParseRequest, QueryAndFormPairsGoCannotReadAreDropped) {
  Hook hook;
  store::Request r = Req("application/x-www-form-urlencoded", "c=ok&d=%zz");
  r.query = "a=1;x=2&b=%zz&c=%41+b&d=%4";
  auto v = ParseRequest(r, hook);
  ASSERT_TRUE(v.ok());
  const std::string missing = Get(*v, ValueRef::Source::kQuery, "never-sent");
  ASSERT_NE(missing, "");
  EXPECT_EQ(Get(*v, ValueRef::Source::kQuery, "a"), missing);
  EXPECT_EQ(Get(*v, ValueRef::Source::kQuery, "b"), missing);
  EXPECT_EQ(Get(*v, ValueRef::Source::kQuery, "d"), missing);
  EXPECT_EQ(Get(*v, ValueRef::Source::kQuery, "c"), "A b");
  EXPECT_FALSE(v->has_payload);
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "c"), missing);
  EXPECT_THAT(v->payload_error, HasSubstr("cannot parse the form payload"));
}

TEST(ParseRequest, ParseParametersAsJson) {
  Hook hook;
  ValueRef p = Ref(ValueRef::Source::kPayload, "payload");
  ValueRef h = Ref(ValueRef::Source::kHeader, "x-data");
  ValueRef q = Ref(ValueRef::Source::kQuery, "missing");
  hook.json_parameters = {p, h, q};
  store::Request r = Req("application/x-www-form-urlencoded",
                         "payload=%7B%22repository%22%3A%7B%22name%22%3A%22r%22%7D%7D");
  r.headers.emplace_back("X-Data", R"({"k": [1, 2]})");
  auto v = ParseRequest(r, hook);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Get(*v, ValueRef::Source::kPayload, "payload.repository.name"), "r");
  EXPECT_EQ(Get(*v, ValueRef::Source::kHeader, "X-Data.k.1"), "2");
  EXPECT_THAT(v->payload_error, HasSubstr("missing"));
}

TEST(ParseXml, ElementsAttributesTextAndRepeats) {
  auto x = ParseXml(R"(<?xml version="1.0"?>
<!-- a comment -->
<app>
  <users>
    <user id="1"><name>Jeff</name></user>
    <user id="2"><name>Sally &amp; co</name></user>
  </users>
  <messages>
    <message id="m1">Hello <![CDATA[<world>]]></message>
  </messages>
  <empty/>
  <ns:tagged>v</ns:tagged>
</app>)");
  ASSERT_TRUE(x.ok()) << x.status().message();
  RequestValues v;
  v.payload = *x;
  v.has_payload = true;
  using S = ValueRef::Source;
  EXPECT_EQ(Get(v, S::kPayload, "app.users.user.0.name"), "Jeff");
  EXPECT_EQ(Get(v, S::kPayload, "app.users.user.1.-id"), "2");
  EXPECT_EQ(Get(v, S::kPayload, "app.users.user.1.name"), "Sally & co");
  EXPECT_EQ(Get(v, S::kPayload, "app.messages.message.-id"), "m1");
  EXPECT_EQ(Get(v, S::kPayload, "app.messages.message.#text"), "Hello <world>");
  EXPECT_EQ(Get(v, S::kPayload, "app.empty"), "");
  EXPECT_EQ(Get(v, S::kPayload, "app.tagged"), "v");
}

TEST(ParseXml, RefusesDtdsAndMalformedDocuments) {
  for (const char* doc : {"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "<a>&unknown;</a>",
                          "<a><b></a></b>", "<a>", "text", "<a></a><b></b>", "<a x=1></a>"}) {
    EXPECT_FALSE(ParseXml(doc).ok()) << doc;
  }
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  EXPECT_FALSE(ParseXml(deep).ok());
}

TEST(ParseRequest, Multipart) {
  Hook hook;
  ValueRef j = Ref(ValueRef::Source::kPayload, "named");
  hook.json_parameters = {j};
  std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"field\"\r\n\r\n"
      "value 1\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"field\"\r\n\r\n"
      "second\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"meta\"; filename=\"m.json\"\r\n"
      "Content-Type: application/json\r\n\r\n"
      "{\"k\": \"jv\"}\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"named\"; filename=\"n.bin\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n"
      "{\"n\": 1}\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"blob\"; filename=\"b.bin\"\r\n\r\n"
      "binary\r\n"
      "--XyZ--\r\n";
  auto v = ParseRequest(Req("multipart/form-data; boundary=XyZ", body), hook);
  ASSERT_TRUE(v.ok()) << v.status().message();
  using S = ValueRef::Source;
  EXPECT_EQ(Get(*v, S::kPayload, "field"), "value 1");
  EXPECT_EQ(Get(*v, S::kPayload, "meta.k"), "jv");
  EXPECT_EQ(Get(*v, S::kPayload, "named.n"), "1");
  EXPECT_EQ(Get(*v, S::kPayload, "blob"), "<NOT_FOUND>");
  EXPECT_EQ(Get(*v, S::kRawBody), "");  // as upstream: the body is not kept for multipart

  auto broken = ParseRequest(Req("multipart/form-data; boundary=XyZ", "--XyZ\r\nno end"), hook);
  EXPECT_FALSE(broken.ok());
  auto no_boundary = ParseRequest(Req("multipart/form-data; charset=x", "x"), hook);
  EXPECT_FALSE(no_boundary.ok());
}

TEST(GoJson, SortsKeysAndEscapesLikeGo) {
  auto v = boost::json::parse(R"({"b": "\n\u2028", "a": {"d": null, "c": false}, "e": 2})");
  EXPECT_EQ(GoJson(v), R"({"a":{"c":false,"d":null},"b":"\n\u2028","e":2})");
}

}  // namespace
}  // namespace longhaul::hooks
