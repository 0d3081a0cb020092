#include "http/request_limits.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
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

}  // namespace
}  // namespace longhaul::http
