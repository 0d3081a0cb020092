#include "lambda/apigw.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "base/utf8.h"

namespace longhaul::lambda {
namespace {

namespace json = boost::json;

json::object Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.as_object() : json::object();
}

store::Request SampleRequest() {
  store::Request r;
  r.method = "POST";
  r.path = "/hooks/github/push";
  r.query = "a=1&a=2&b=x%20y&flag";
  r.headers = {{"Host", "hooks.example.com:8080"},
               {"User-Agent", "curl/8.0"},
               {"X-Multi", "one"},
               {"x-multi", "two"},
               {"Cookie", "session=abc; theme=dark"},
               {"Cookie", "lang=en"},
               {"Content-Type", "application/json"}};
  r.path_params = {{"name", "github"}, {"proxy", "push"}};
  r.remote_addr = "192.0.2.7";
  r.body = R"({"hello":"world"})";
  return r;
}

HttpApiContext SampleContext() {
  HttpApiContext ctx;
  ctx.route_key = "POST /hooks/{name}/{proxy+}";
  ctx.request_id = "01HV0000000000000000000000";
  ctx.time = base::FromUnixMs(1583348638390);  // 2020-03-04T19:03:58.390Z
  return ctx;
}

TEST(BuildHttpApiEvent, HasThePayloadFormat20Shape) {
  json::object e = Parse(BuildHttpApiEvent(SampleRequest(), SampleContext()));
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "POST /hooks/{name}/{proxy+}");
  EXPECT_EQ(e["rawPath"], "/hooks/github/push");
  EXPECT_EQ(e["rawQueryString"], "a=1&a=2&b=x%20y&flag");
  EXPECT_EQ(e["body"], R"({"hello":"world"})");
  EXPECT_EQ(e["isBase64Encoded"], false);

  json::object& rc = e["requestContext"].as_object();
  EXPECT_EQ(rc["accountId"], "000000000000");
  EXPECT_EQ(rc["apiId"], "longhaul");
  EXPECT_EQ(rc["domainName"], "hooks.example.com");
  EXPECT_EQ(rc["domainPrefix"], "hooks");
  EXPECT_EQ(rc["requestId"], "01HV0000000000000000000000");
  EXPECT_EQ(rc["routeKey"], "POST /hooks/{name}/{proxy+}");
  EXPECT_EQ(rc["stage"], "$default");
  EXPECT_EQ(rc["time"], "04/Mar/2020:19:03:58 +0000");
  EXPECT_EQ(rc["timeEpoch"], 1583348638390);
  json::object& http = rc["http"].as_object();
  EXPECT_EQ(http["method"], "POST");
  EXPECT_EQ(http["path"], "/hooks/github/push");
  EXPECT_EQ(http["protocol"], "HTTP/1.1");
  EXPECT_EQ(http["sourceIp"], "192.0.2.7");
  EXPECT_EQ(http["userAgent"], "curl/8.0");
}

// Over Lambda's 6 MB only when the event itself is: text stays text, binary grows by a third as
// base64, control characters by six times as JSON escapes.
TEST(HttpApiEventSizeOverLimit, IsTheEventsSizeOnlyWhenOverSixMegabytes) {
  store::Request r = SampleRequest();
  EXPECT_EQ(HttpApiEventSizeOverLimit(r, SampleContext()), 0u);
  for (const auto& [body, over] : {std::pair{std::string(6 * 1024 * 1024 - 8192, 'a'), false},
                                   std::pair{std::string(6 * 1024 * 1024, 'a'), true},
                                   std::pair{std::string(4 * 1024 * 1024, '\xff'), false},
                                   std::pair{std::string(5 * 1024 * 1024, '\xff'), true},
                                   std::pair{std::string(1000 * 1024, '\x01'), false},
                                   std::pair{std::string(1100 * 1024, '\x01'), true}}) {
    r.body = body;
    const size_t size = BuildHttpApiEvent(r, SampleContext()).size();
    ASSERT_EQ(size > kMaxEventBytes, over) << size;
    EXPECT_EQ(HttpApiEventSizeOverLimit(r, SampleContext()), over ? size : 0u) << size;
  }
}

TEST(BuildHttpApiEvent, HeadersAreLowercasedAndJoinedCookiesSplit) {
  json::object e = Parse(BuildHttpApiEvent(SampleRequest(), SampleContext()));
  json::object& h = e["headers"].as_object();
  EXPECT_EQ(h["x-multi"], "one,two");
  EXPECT_EQ(h["host"], "hooks.example.com:8080");
  EXPECT_EQ(h["content-type"], "application/json");
  EXPECT_FALSE(h.contains("cookie"));
  EXPECT_FALSE(h.contains("Host"));
  EXPECT_EQ(json::serialize(e["cookies"]), R"(["session=abc","theme=dark","lang=en"])");
  // As API Gateway adds them.
  EXPECT_EQ(h["x-forwarded-for"], "192.0.2.7");
  EXPECT_EQ(h["x-forwarded-proto"], "http");
}

TEST(BuildHttpApiEvent, TheSendersAddressFollowsAForwardedChain) {
  store::Request r = SampleRequest();
  r.headers.emplace_back("X-Forwarded-For", "203.0.113.9");
  r.headers.emplace_back("X-Forwarded-Proto", "https");
  json::object e = Parse(BuildHttpApiEvent(r, SampleContext()));
  json::object& h = e["headers"].as_object();
  EXPECT_EQ(h["x-forwarded-for"], "203.0.113.9,192.0.2.7");
  EXPECT_EQ(h["x-forwarded-proto"], "https");
}

TEST(BuildHttpApiEvent, QueryAndPathParameters) {
  json::object e = Parse(BuildHttpApiEvent(SampleRequest(), SampleContext()));
  json::object& q = e["queryStringParameters"].as_object();
  EXPECT_EQ(q["a"], "1,2");
  EXPECT_EQ(q["b"], "x y");
  EXPECT_EQ(q["flag"], "");
  json::object& p = e["pathParameters"].as_object();
  EXPECT_EQ(p["name"], "github");
  EXPECT_EQ(p["proxy"], "push");
}

TEST(BuildHttpApiEvent, EmptyPartsAreLeftOut) {
  store::Request r;
  r.method = "GET";
  r.path = "/";
  HttpApiContext ctx;  // no route key: $default
  ctx.request_id = "id";
  json::object e = Parse(BuildHttpApiEvent(r, ctx));
  EXPECT_EQ(e["routeKey"], "$default");
  EXPECT_EQ(e["rawQueryString"], "");
  EXPECT_FALSE(e.contains("cookies"));
  EXPECT_FALSE(e.contains("queryStringParameters"));
  EXPECT_FALSE(e.contains("pathParameters"));
  EXPECT_FALSE(e.contains("body"));
  EXPECT_EQ(e["isBase64Encoded"], false);
  EXPECT_EQ(e["headers"].as_object().size(), 0u);
  EXPECT_EQ(e["requestContext"].as_object()["domainName"], "localhost");
  EXPECT_EQ(e["requestContext"].as_object()["domainPrefix"], "localhost");
}

TEST(BuildHttpApiEvent, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  store::Request r;
  r.method = "POST";
  r.path = "/r/a\xff";
  r.query = "q=%FF&\xfe=1";
  r.headers = {{"X-Bin", "caf\xe9"}, {"Cookie", "c=\xff"}};
  r.path_params = {{"name",
                    "a\xff"
                    "b"}};
  std::string text = BuildHttpApiEvent(r, SampleContext());
  ASSERT_TRUE(base::IsValidUtf8(text)) << text;
  json::object e = Parse(text);
  EXPECT_EQ(e["rawPath"], "/r/a\xef\xbf\xbd");
  EXPECT_EQ(e["queryStringParameters"].as_object()["q"], "\xef\xbf\xbd");
  EXPECT_EQ(e["headers"].as_object()["x-bin"], "caf\xef\xbf\xbd");
  EXPECT_EQ(e["cookies"].as_array()[0], "c=\xef\xbf\xbd");
  EXPECT_EQ(e["pathParameters"].as_object()["name"],
            "a\xef\xbf\xbd"
            "b");
}

TEST(BuildHttpApiEvent, BinaryBodyIsBase64) {
  store::Request r;
  r.method = "POST";
  r.path = "/upload";
  r.body = std::string("\xff\xfe\x00\x01", 4);
  json::object e = Parse(BuildHttpApiEvent(r, SampleContext()));
  EXPECT_EQ(e["body"], "//4AAQ==");
  EXPECT_EQ(e["isBase64Encoded"], true);
}

// As an HTTP API sends a body: text for text/*, JSON, XML and JavaScript; base64 for any other
// type, a form, or none (QA: a form came as text, where AWS sends it base64).
TEST(BuildHttpApiEvent, TheContentTypeDecidesWhetherTheBodyIsBase64) {
  store::Request r;
  r.method = "POST";
  r.path = "/form";
  r.body = "a=1&b=2";
  for (const char* type :
       {"text/plain", "Text/CSV; charset=utf-8", "application/json",
        "application/json; charset=utf-8", " application/xml ", "application/javascript"}) {
    r.headers = {{"content-type", type}};
    json::object e = Parse(BuildHttpApiEvent(r, SampleContext()));
    EXPECT_EQ(e["body"], "a=1&b=2") << type;
    EXPECT_EQ(e["isBase64Encoded"], false) << type;
  }
  for (const char* type :
       {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/octet-stream", "image/png", "application/vnd.api+json", ""}) {
    r.headers = {{"Content-Type", type}};
    json::object e = Parse(BuildHttpApiEvent(r, SampleContext()));
    EXPECT_EQ(e["body"], "YT0xJmI9Mg==") << type;
    EXPECT_EQ(e["isBase64Encoded"], true) << type;
  }
  r.headers.clear();
  EXPECT_EQ(Parse(BuildHttpApiEvent(r, SampleContext()))["isBase64Encoded"], true);
}

TEST(FormatRequestTime, IsApiGatewaysFormat) {
  EXPECT_EQ(FormatRequestTime(base::FromUnixMs(0)), "01/Jan/1970:00:00:00 +0000");
  EXPECT_EQ(FormatRequestTime(base::FromUnixMs(1584039838000)), "12/Mar/2020:19:03:58 +0000");
}

std::string HeaderValues(const store::Response& r, std::string_view name) {
  std::string out;
  for (const auto& [k, v] : r.headers) {
    if (k == name) {
      out += out.empty() ? v : "|" + v;
    }
  }
  return out;
}

TEST(MapHttpApiResult, StructuredResult) {
  auto r = MapHttpApiResult(
      R"({"statusCode": 201, "headers": {"content-type": "text/plain", "x-n": 5, "x-b": true,
          "x-f": 0.5},
          "cookies": ["a=1; Path=/", "b=2"], "body": "created"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "created");
  EXPECT_EQ(HeaderValues(*r, "content-type"), "text/plain");
  EXPECT_EQ(HeaderValues(*r, "x-n"), "5");
  EXPECT_EQ(HeaderValues(*r, "x-b"), "true");
  EXPECT_EQ(HeaderValues(*r, "x-f"), "0.5") << "as the function's runtime writes it, not 5E-1";
  EXPECT_EQ(HeaderValues(*r, "Set-Cookie"), "a=1; Path=/|b=2");
  EXPECT_EQ(HeaderValues(*r, "Content-Type"), "") << "no default when the function set one";
}

TEST(MapHttpApiResult, StructuredDefaultsAndBase64) {
  auto r = MapHttpApiResult(R"({"statusCode": 200, "body": "aGk=", "isBase64Encoded": true})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(HeaderValues(*r, "Content-Type"), "application/json");

  auto empty = MapHttpApiResult(R"({"statusCode": 204})");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->status, 204);
  EXPECT_EQ(empty->body, "");

  auto object_body = MapHttpApiResult(R"({"statusCode": 200, "body": {"a": 1, "b": 2.5}})");
  ASSERT_TRUE(object_body.ok());
  EXPECT_EQ(object_body->body, R"({"a":1,"b":2.5})");
}

TEST(MapHttpApiResult, InferredResult) {
  struct Case {
    std::string payload;
    std::string body;
  };
  for (const Case& c : std::vector<Case>{
           {R"("Hello from Lambda!")", "Hello from Lambda!"},
           {R"({ "message": "Hello from Lambda!" })", R"({ "message": "Hello from Lambda!" })"},
           {"[1, 2]", "[1, 2]"},
           {"42", "42"},
           {"", ""},
       }) {
    auto r = MapHttpApiResult(c.payload);
    ASSERT_TRUE(r.ok()) << c.payload;
    EXPECT_EQ(r->status, 200) << c.payload;
    EXPECT_EQ(r->body, c.body) << c.payload;
    EXPECT_EQ(HeaderValues(*r, "Content-Type"), "application/json") << c.payload;
  }
}

TEST(MapHttpApiResult, MalformedStructuredResultIsInvalidArgument) {
  for (const char* payload : {
           "not json at all",  // the payload must be JSON; API Gateway answers 500
           R"({"statusCode": 200)",
           R"({"statusCode": 99})",
           R"({"statusCode": 100})",
           R"({"statusCode": 199})",
           R"({"statusCode": 600})",
           R"({"statusCode": "200"})",
           R"({"statusCode": 200.5})",
           R"({"statusCode": 200, "headers": []})",
           R"({"statusCode": 200, "headers": {"x": {"a": 1}}})",
           R"({"statusCode": 200, "headers": {"bad name": "v"}})",
           R"({"statusCode": 200, "headers": {"x": "a\r\nb"}})",
           R"({"statusCode": 200, "cookies": "a=1"})",
           R"({"statusCode": 200, "cookies": [1]})",
           R"({"statusCode": 200, "isBase64Encoded": "yes"})",
           R"({"statusCode": 200, "body": "!!", "isBase64Encoded": true})",
       }) {
    auto r = MapHttpApiResult(payload);
    ASSERT_FALSE(r.ok()) << payload;
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << payload;
  }
}

}  // namespace
}  // namespace longhaul::lambda
