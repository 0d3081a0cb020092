#include "runtime/event.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "base/base64.h"

namespace longhaul::runtime {
namespace {

boost::json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_object() ? v.as_object() : boost::json::object();
}

TEST(EncodeEvent, HasEveryField) {
  store::Request req;
  req.method = "PUT";
  req.path = "/a/b";
  req.query = "x=1&y=%20";
  req.headers = {{"X-Multi", "1"}, {"x-multi", "2"}, {"Content-Type", "text/plain"}};
  req.path_params = {{"id", "42"}};
  req.body = "caf\xc3\xa9";
  boost::json::object e = ParseObject(EncodeEvent("job1", 3, 2, "fn", req));
  EXPECT_EQ(e.at("id").as_string(), "job1");
  EXPECT_EQ(e.at("attempt").as_int64(), 3);
  EXPECT_EQ(e.at("interrupted").as_int64(), 2);
  EXPECT_EQ(e.at("function").as_string(), "fn");
  EXPECT_EQ(e.at("method").as_string(), "PUT");
  EXPECT_EQ(e.at("path").as_string(), "/a/b");
  EXPECT_EQ(e.at("query").as_string(), "x=1&y=%20");
  EXPECT_EQ(e.at("headers").at("x-multi").as_string(), "1,2");
  EXPECT_EQ(e.at("headers").at("content-type").as_string(), "text/plain");
  EXPECT_EQ(e.at("pathParameters").at("id").as_string(), "42");
  EXPECT_EQ(e.at("body").as_string(), "caf\xc3\xa9");
  EXPECT_FALSE(e.at("isBase64Encoded").as_bool());
}

TEST(EncodeEvent, BinaryBodyIsBase64) {
  store::Request req;
  req.body = std::string("\xff\x00\x01", 3);
  boost::json::object e = ParseObject(EncodeEvent("j", 1, 0, "f", req));
  EXPECT_EQ(e.at("body").as_string(), "/wAB");
  EXPECT_TRUE(e.at("isBase64Encoded").as_bool());
}

// Bytes that are not UTF-8 in a header or path parameter (anyone can send them) must not make
// the event JSON a strict parser refuses (Python's json.loads): they become U+FFFD.
TEST(EncodeEvent, IsValidUtf8WhateverTheFields) {
  store::Request req;
  req.path =
      "/s/a\xff"
      "b";
  req.headers = {{"X-Name", "Jos\xe9"}};
  req.path_params = {{"id",
                      "a\xff"
                      "b"}};
  const std::string text = EncodeEvent("j", 1, 0, "f", req);
  boost::json::object e = ParseObject(text);  // Boost.JSON refuses invalid UTF-8
  EXPECT_EQ(e.at("headers").at("x-name").as_string(), "Jos\xef\xbf\xbd");
  EXPECT_EQ(e.at("pathParameters").at("id").as_string(),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(e.at("path").as_string(),
            "/s/a\xef\xbf\xbd"
            "b");
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::optional<std::string> back = DecodeBase64(base::Base64Encode(s));
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(DecodeBase64("Zm8"), "fo");
  EXPECT_FALSE(DecodeBase64("Zm8*").has_value());
  EXPECT_FALSE(DecodeBase64("Z").has_value());
  EXPECT_FALSE(DecodeBase64("Zm8==").has_value());
}

struct ProxyCase {
  std::string text;
  bool is_proxy;
  int status;
  store::Headers headers;
  std::string body;
};

TEST(DecodeProxyResponse, MapsProxyObjects) {
  const ProxyCase cases[] = {
      {"plain text", false, 0, {}, ""},
      {"[1,2]", false, 0, {}, ""},
      {"{\"ok\":true}", false, 0, {}, ""},
      {"{\"statusCode\":\"200\"}", false, 0, {}, ""},
      {"{\"statusCode\":204}", true, 204, {}, ""},
      {"{\"statusCode\":200.0,\"body\":\"x\"}", true, 200, {}, "x"},
      {"{\"statusCode\":201,\"headers\":{\"A\":\"1\"},\"multiValueHeaders\":"
       "{\"Set-Cookie\":[\"a=1\",\"b=2\"]},\"body\":\"aGk=\",\"isBase64Encoded\":true}",
       true,
       201,
       {{"A", "1"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}},
       "hi"},
      {"{\"statusCode\":200,\"body\":null,\"headers\":null}", true, 200, {}, ""},
  };
  for (const ProxyCase& c : cases) {
    base::Result<std::optional<store::Response>> r = DecodeProxyResponse(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    ASSERT_EQ(r->has_value(), c.is_proxy) << c.text;
    if (c.is_proxy) {
      EXPECT_EQ((*r)->status, c.status) << c.text;
      EXPECT_EQ((*r)->headers, c.headers) << c.text;
      EXPECT_EQ((*r)->body, c.body) << c.text;
    }
  }
}

TEST(IsValidHeaderValue, TakesTextTabsAndBytesAboveAscii) {
  EXPECT_TRUE(IsValidHeaderValue("a b\tc \xc3\xa9 \x80"));
  EXPECT_TRUE(IsValidHeaderValue(""));
  for (std::string_view bad :
       {std::string_view("a\rb"), std::string_view("a\nb"), std::string_view("a\0b", 3),
        std::string_view("\x1b[31m"), std::string_view("\x7f"), std::string_view("\x01")}) {
    EXPECT_FALSE(IsValidHeaderValue(bad)) << bad;
  }
}

TEST(DecodeProxyResponse, RejectsMalformedProxyObjects) {
  for (std::string text : {
           "{\"statusCode\":42}",
           "{\"statusCode\":100}",
           "{\"statusCode\":199}",
           "{\"statusCode\":1e9}",
           "{\"statusCode\":-200}",
           "{\"statusCode\":200,\"headers\":[]}",
           "{\"statusCode\":200,\"headers\":{\"A\":1}}",
           "{\"statusCode\":200,\"headers\":{\"A\\r\\nB\":\"1\"}}",
           "{\"statusCode\":200,\"headers\":{\"A\":\"1\\r\\nInjected: yes\"}}",
           // Nor any other control character (QA: ESC, DEL and \x01 went out as they were).
           "{\"statusCode\":200,\"headers\":{\"A\":\"a\\u0001b\"}}",
           "{\"statusCode\":200,\"headers\":{\"A\":\"\\u001b[31m\"}}",
           "{\"statusCode\":200,\"headers\":{\"A\":\"a\\u007f\"}}",
           "{\"statusCode\":200,\"body\":{}}",
           "{\"statusCode\":200,\"body\":\"*\",\"isBase64Encoded\":true}",
           "{\"statusCode\":200,\"isBase64Encoded\":\"yes\"}",
       }) {
    base::Result<std::optional<store::Response>> r = DecodeProxyResponse(text);
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace longhaul::runtime
