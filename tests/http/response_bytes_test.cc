#include "http/response_bytes.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace longhaul::http {
namespace {

namespace bh = boost::beast::http;

// Parses `bytes` back with Beast's response parser: what a client would read.
Response ParseBack(const std::string& bytes) {
  bh::response_parser<bh::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(used, bytes.size());
  EXPECT_TRUE(parser.is_done());
  return parser.release();
}

TEST(AppendResponseBytes, StatusLineFieldsAndBody) {
  Response res = MakeResponse(202, R"({"id":"x"})");
  res.set("X-Job-Id", "x");
  res.keep_alive(true);
  res.prepare_payload();
  std::string out = "kept|";
  AppendResponseBytes(res, out);
  EXPECT_EQ(out,
            "kept|HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-Job-Id: x\r\n"
            "Content-Length: 10\r\n\r\n{\"id\":\"x\"}");
}

TEST(AppendResponseBytes, RoundTripsThroughAParser) {
  Response res = MakeResponse(503, "store unavailable", "text/plain");
  res.set("Retry-After", "1");
  res.keep_alive(false);
  res.prepare_payload();
  std::string out;
  AppendResponseBytes(res, out);
  Response back = ParseBack(out);
  EXPECT_EQ(back.result_int(), 503u);
  EXPECT_EQ(back.reason(), "Service Unavailable");
  EXPECT_EQ(back["Retry-After"], "1");
  EXPECT_FALSE(back.keep_alive());
  EXPECT_EQ(back.body(), "store unavailable");
}

TEST(AppendResponseBytes, Http10AndCustomReason) {
  Response res{bh::status::ok, 10};
  res.reason("Fine");
  res.body() = "ok";
  res.prepare_payload();
  std::string out;
  AppendResponseBytes(res, out);
  EXPECT_EQ(out.rfind("HTTP/1.0 200 Fine\r\n", 0), 0u) << out;
}

TEST(AppendResponseBytes, ChunkedBodyIsOneChunkAndTheLast) {
  Response res{bh::status::ok, 11};
  res.chunked(true);
  res.body() = "hello world";
  std::string out;
  AppendResponseBytes(res, out);
  EXPECT_NE(out.find("\r\n\r\nb\r\nhello world\r\n0\r\n\r\n"), std::string::npos) << out;
  EXPECT_EQ(ParseBack(out).body(), "hello world");
}

TEST(AppendResponseBytes, EmptyChunkedBodyIsTheLastChunkOnly) {
  Response res{bh::status::no_content, 11};
  res.chunked(true);
  std::string out;
  AppendResponseBytes(res, out);
  EXPECT_EQ(out.substr(out.size() - 9), "\r\n\r\n0\r\n\r\n");
}

TEST(AppendResponseBytes, WithoutBodySendsTheFieldsOnly) {
  Response res = MakeResponse(404, "{}");
  std::string out;
  AppendResponseBytes(res, out, /*with_body=*/false);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "\r\n");
}

// Beast's prepare_payload throws "invalid response body" for these; PreparePayload drops the
// body and sends no framing fields (RFC 9110 §6.4.1, §8.6).
TEST(PreparePayload, BodylessStatusesLoseBodyAndFraming) {
  for (auto status : {bh::status::continue_, bh::status::no_content, bh::status::not_modified}) {
    for (bool chunked : {false, true}) {
      Response res{status, 11};
      res.body() = "hello";
      if (chunked) {
        res.chunked(true);
      } else {
        res.content_length(5);
      }
      PreparePayload(res);
      EXPECT_EQ(res.body(), "") << res.result_int();
      EXPECT_EQ(res.count(bh::field::content_length), 0u) << res.result_int();
      EXPECT_EQ(res.count(bh::field::transfer_encoding), 0u) << res.result_int();
    }
  }
  Response empty{bh::status::no_content, 11};
  PreparePayload(empty);
  EXPECT_EQ(empty.count(bh::field::content_length), 0u);  // not "Content-Length: 0"
}

TEST(PreparePayload, OtherStatusesGetTheBodysLength) {
  for (auto status : {bh::status::ok, bh::status::accepted, bh::status::not_found}) {
    Response res{status, 11};
    res.chunked(true);
    res.body() = "hello";
    PreparePayload(res);
    EXPECT_EQ(res[bh::field::content_length], "5");
    EXPECT_FALSE(res.chunked());
  }
  Response empty{bh::status::ok, 11};
  PreparePayload(empty);
  EXPECT_EQ(empty[bh::field::content_length], "0");
}

TEST(MakeResponse, BodylessStatusDropsTheBody) {
  Response res = MakeResponse(204, "hello");
  EXPECT_EQ(res.body(), "");
  EXPECT_EQ(res.count(bh::field::content_length), 0u);
}

TEST(ReasonPhrase, KnownOwnAndUnknownCodes) {
  Response res{beast_http::status::ok, 11};
  EXPECT_EQ(ReasonPhrase(res), "OK");
  res.result(418);
  EXPECT_EQ(ReasonPhrase(res), "I'm a teapot");
  res.result(577);
  EXPECT_EQ(ReasonPhrase(res), "");
  std::string out;
  AppendResponseBytes(res, out);
  EXPECT_EQ(out.substr(0, out.find("\r\n")), "HTTP/1.1 577 ");
  res.reason("Custom");
  EXPECT_EQ(ReasonPhrase(res), "Custom");
}

}  // namespace
}  // namespace longhaul::http
