#include "http/request_limits.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>
#include <string>
#include <string_view>

namespace longhaul::http {
namespace {

namespace bh = boost::beast::http;

// Feeds `bytes` to a parser configured for `limits`; returns the first error (none: parsed).
boost::beast::error_code Parse(std::string_view bytes, const ServerLimits& limits) {
  RequestParser parser;
  ConfigureParser(parser, limits);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  return ec;
}

TEST(ConfigureParser, HeaderAndBodyLimits) {
  ServerLimits limits;
  limits.header_limit = 1024;
  limits.body_limit = 4;
  EXPECT_FALSE(Parse("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", limits));
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nX: " + std::string(2048, 'x') + "\r\n\r\n", limits),
            bh::error::header_limit);
  EXPECT_EQ(Parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", limits),
            bh::error::body_limit);
  EXPECT_EQ(
      Parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n", limits),
      bh::error::body_limit);
}

// Regression: a header_limit of 4 GiB or more was truncated to 32 bits (4 GiB became 0), so
// every request got 431.
TEST(ConfigureParser, HeaderLimitOver32BitsIsClamped) {
  ServerLimits limits;
  limits.header_limit = uint64_t{4} * 1024 * 1024 * 1024;
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", limits));
}

TEST(AnnouncesBodyOverLimit, ComparesContentLength) {
  ServerLimits limits;
  limits.body_limit = 10;
  for (auto [length, over] : {std::pair{"10", false}, std::pair{"11", true}}) {
    RequestParser parser;
    ConfigureParser(parser, ServerLimits{});  // the header must parse whatever the body limit
    boost::beast::error_code ec;
    std::string head = std::string("POST / HTTP/1.1\r\nContent-Length: ") + length + "\r\n\r\n";
    parser.put(boost::asio::buffer(head), ec);
    ASSERT_FALSE(ec);
    EXPECT_EQ(AnnouncesBodyOverLimit(parser, limits), over) << length;
  }
}

// CheckRequestHeader's verdict on a complete request header ("ok" or the message).
std::string Checked(std::string_view head) {
  RequestParser parser;
  ConfigureParser(parser, ServerLimits{});
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec && ec != bh::error::need_more) return "parse error: " + ec.message();
  base::Status s = CheckRequestHeader(parser);
  return s.ok() ? "ok" : s.message();
}

TEST(CheckRequestHeader, OneValidHost) {
  EXPECT_EQ(Checked("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"), "ok");
  EXPECT_EQ(Checked("GET / HTTP/1.1\r\nHost: \r\n\r\n"), "ok");  // an empty Host is allowed
  EXPECT_EQ(Checked("GET / HTTP/1.0\r\n\r\n"), "ok");
  EXPECT_EQ(Checked("GET / HTTP/1.1\r\n\r\n"), "missing Host header");
  EXPECT_EQ(Checked("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "more than one Host header");
  EXPECT_EQ(Checked("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), "more than one Host header");
  EXPECT_EQ(Checked("GET / HTTP/1.1\r\nHost: a b/c@d\r\n\r\n"),
            "invalid Host header (host[:port] expected)");
}

TEST(CheckRequestHeader, TransferEncodingIsRefusedInHttp10) {
  EXPECT_EQ(Checked("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), "ok");
  EXPECT_EQ(Checked("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "Transfer-Encoding is not allowed in an HTTP/1.0 request");
}

TEST(IsValidHost, UriHostAndPort) {
  for (std::string_view ok :
       {"", "localhost", "example.com", "example.com:443", "127.0.0.1:80", "[::1]", "[::1]:8080",
        "[fe80::1%25eth0]", "xn--bcher-kva.de", "a_b~c!$&'()*+,;=", "host:"}) {
    EXPECT_TRUE(IsValidHost(ok)) << ok;
  }
  for (std::string_view bad : {"a b", "a/b", "user@host", "host:80x", "[::1", "[]", "[::1]x",
                               "[::1]:8x", "h\xc3\xa9", "a\tb"}) {
    EXPECT_FALSE(IsValidHost(bad)) << bad;
  }
}

// Beast checks header_limit per put(): a header fed in parts under the limit gets through it.
// PutBuffered counts across the parts.
TEST(PutBuffered, CountsTheHeaderAcrossParts) {
  const std::string field = "X-Pad: " + std::string(91, 'p') + "\r\n";  // 100 bytes
  const std::string first = "POST / HTTP/1.1\r\nHost: x\r\n" + field + field + field;
  for (const std::string& rest :
       {field + field + "\r\n", field + field + "\r\n{}", field + field + "X-Incomplete: ab"}) {
    for (bool counted : {false, true}) {
      RequestParser parser;
      ServerLimits limits;
      limits.header_limit = 400;  // each part alone is under it, both together over it
      ConfigureParser(parser, limits);
      boost::beast::flat_buffer buffer;
      uint64_t header_bytes = 0;
      boost::beast::error_code ec;
      for (const std::string& part : {first, rest}) {
        ASSERT_LT(part.size(), limits.header_limit);
        auto b = buffer.prepare(part.size());
        std::memcpy(b.data(), part.data(), part.size());
        buffer.commit(part.size());
        if (counted) {
          ec = PutBuffered(parser, buffer, limits.header_limit, header_bytes);
        } else {
          buffer.consume(parser.put(buffer.data(), ec));
        }
        if (ec && ec != bh::error::need_more) break;
      }
      if (counted) {
        EXPECT_EQ(ec, bh::error::header_limit) << rest;
      } else {
        EXPECT_NE(ec, bh::error::header_limit) << "Beast alone: " << rest;
      }
    }
  }
}

TEST(HasDotSegment, LiteralAndEncoded) {
  for (std::string_view bad : {"/a/../b", "/..", "/a/.", "/./a", "/a/%2e%2e/b", "/a/%2E%2e/b",
                               "/a/..%2fb", "/a/..%2Fb", "/a/%2e%2e%2fb", "/a/..\\b", "/a/%2e/b"}) {
    EXPECT_TRUE(HasDotSegment(bad)) << bad;
  }
  for (std::string_view ok : {"/", "/a/b", "/a/.b", "/a/b.", "/a/...", "/a..b", "/v1.2/x",
                              "/a?x=../..", "/a/%2e%2ex", "/.well-known/x"}) {
    EXPECT_FALSE(HasDotSegment(ok)) << ok;
  }
}

TEST(NormalizeRequestTarget, RefusesDotSegments) {
  for (std::string_view target :
       {"/site/../../private/secret.txt", "/site/%2e%2e/x", "http://host/site/../x"}) {
    RequestHeader head;
    head.target(target);
    base::Status s = NormalizeRequestTarget(head);
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << target;
    EXPECT_NE(s.message().find("must not have '.' or '..' segments"), std::string::npos)
        << s.message();
  }
  RequestHeader fine;
  fine.target("/site/a.b/c");
  EXPECT_TRUE(NormalizeRequestTarget(fine).ok());
}

// A fragment never travels in a request (RFC 9112 section 3.2); one would be forwarded as is.
TEST(NormalizeRequestTarget, RefusesAFragment) {
  for (std::string_view target : {"/fsync/x?x=1#frag", "/a#", "http://host/a#b"}) {
    RequestHeader head;
    head.target(target);
    base::Status s = NormalizeRequestTarget(head);
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << target;
    EXPECT_NE(s.message().find("must not have a #fragment"), std::string::npos) << s.message();
  }
  RequestHeader encoded;
  encoded.target("/a%23b?q=%23");
  EXPECT_TRUE(NormalizeRequestTarget(encoded).ok());
}

// "*" names the server, for OPTIONS only (RFC 9112 section 3.2.4; QA: POST * reached a /{token}
// route with token "*").
TEST(NormalizeRequestTarget, TakesTheAsteriskFormForOptionsOnly) {
  for (auto verb : {boost::beast::http::verb::post, boost::beast::http::verb::get}) {
    RequestHeader head;
    head.method(verb);
    head.target("*");
    base::Status s = NormalizeRequestTarget(head);
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument);
    EXPECT_EQ(s.message(), "the request target '*' is for OPTIONS only");
  }
  RequestHeader options;
  options.method(boost::beast::http::verb::options);
  options.target("*");
  EXPECT_TRUE(NormalizeRequestTarget(options).ok());
}

// A path's parameters are decoded: one that cannot be is refused, as Go's servers (webhook)
// do. The query is left as sent.
TEST(NormalizeRequestTarget, RefusesAnInvalidPercentEncodingInThePath) {
  for (std::string_view target : {"/e/a%zz/c", "/e/a/b%2", "/e/%", "http://host/a%g1"}) {
    RequestHeader head;
    head.target(target);
    base::Status s = NormalizeRequestTarget(head);
    EXPECT_EQ(s.code(), base::Code::kInvalidArgument) << target;
    EXPECT_NE(s.message().find("not followed by two hex digits"), std::string::npos) << s.message();
  }
  for (std::string_view target : {"/e/a%20b/%C3%a9", "/e/a?x=%zz&y=%", "/%2F"}) {
    RequestHeader head;
    head.target(target);
    EXPECT_TRUE(NormalizeRequestTarget(head).ok()) << target;
  }
}

// An absolute-form target's authority is the request's host (RFC 9112 section 3.2.2): the Host
// field sent with it is ignored, so the admin API's host check sees the name that was asked for.
TEST(NormalizeRequestTarget, AnAbsoluteTargetsAuthorityIsTheHost) {
  RequestHeader head;
  head.target("http://evil.example:8081/jobs?limit=1");
  head.set(boost::beast::http::field::host, "127.0.0.1");
  ASSERT_TRUE(NormalizeRequestTarget(head).ok());
  EXPECT_EQ(head.target(), "/jobs?limit=1");
  EXPECT_EQ(head[boost::beast::http::field::host], "evil.example:8081");
  for (std::string_view target : {"http:///jobs", "http://user@host/jobs"}) {
    RequestHeader bad;
    bad.target(target);
    EXPECT_EQ(NormalizeRequestTarget(bad).code(), base::Code::kInvalidArgument) << target;
  }
}

}  // namespace
}  // namespace longhaul::http
