#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/error_mapping.h"
#include "testing/raw_conn.h"

namespace longhaul::http {
namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using ::testing::HasSubstr;

// What the test handler answers, by request target. The bodyless statuses are built by hand, as
// a handler that never calls prepare_payload would.
asio::awaitable<Response> Answer(Request& req, const ConnInfo& conn) {
  std::string_view target = req.target();
  if (target == "/204-body" || target == "/304-body") {
    Response res{target == "/204-body" ? bh::status::no_content : bh::status::not_modified, 11};
    res.body() = "hello";
    co_return res;
  }
  if (target == "/204-length") {
    Response res{bh::status::no_content, 11};
    res.content_length(0);  // what prepare_payload sets for an empty body
    co_return res;
  }
  if (target == "/100") {
    Response res{bh::status::continue_, 11};
    co_return res;
  }
  if (target == "/json") co_return MakeResponse(202, R"({"id":"x"})");
  if (target == "/fields") {  // the header fields and body the handler got
    std::string seen;
    for (const auto& field : req) {
      seen += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
    }
    for (const auto& [name, value] : conn.trailers) seen += "trailer " + name + ": " + value + "\n";
    co_return MakeResponse(200, seen + "body=" + req.body());
  }
  co_return ErrorResponse(404, base::Code::kNotFound, "no route");
}

// An HttpServer on 127.0.0.1:0 with the handler above, run by one thread.
class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerLimits limits = {}, const std::string& host = "127.0.0.1") {
    server_.emplace(ioc_, log_, "test", std::move(limits),
                    [this](Request& req, const ConnInfo& conn) -> asio::awaitable<Response> {
                      ++handled_;
                      if (req.target() == "/remote") co_return MakeResponse(200, conn.remote_addr);
                      co_return co_await Answer(req, conn);
                    });
    auto port = server_->Listen(host, 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~ServerTest() override {
    if (server_) server_->StopAccepting();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Sends `request` on a new connection and returns all the server sends until it closes.
  std::string Exchange(std::string_view request) { return testing::RawExchange(port_, request); }

  asio::io_context ioc_;
  base::Logger log_{base::LogFormat::kText, base::LogLevel::kError};
  std::optional<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<int> handled_{0};
};

// Reads the responses in `bytes` one after another, as a client that sent `methods` would, and
// fails the test unless they use up every byte exactly.
std::vector<Response> ParseAll(std::string_view bytes, const std::vector<bh::verb>& methods) {
  std::vector<Response> out;
  for (bh::verb method : methods) {
    bh::response_parser<bh::string_body> parser;
    parser.skip(method == bh::verb::head);  // a HEAD answer has no body, whatever it announces
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
    EXPECT_FALSE(ec) << ec.message() << " in: " << bytes;
    EXPECT_TRUE(parser.is_done()) << bytes;
    if (ec || !parser.is_done()) return out;
    bytes.remove_prefix(used);
    out.push_back(parser.release());
  }
  EXPECT_EQ(bytes, "") << "bytes after the last response";
  return out;
}

TEST_F(ServerTest, BodylessStatusesGoOutWithoutBodyOrContentLength) {
  StartServer();
  std::string bytes = Exchange(
      "GET /204-body HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /304-body HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /204-length HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get, bh::verb::get, bh::verb::get, bh::verb::get});
  ASSERT_EQ(responses.size(), 4u) << bytes;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(responses[i].result_int(), i == 1 ? 304u : 204u);
    EXPECT_EQ(responses[i].count(bh::field::content_length), 0u) << bytes;
    EXPECT_EQ(responses[i].count(bh::field::transfer_encoding), 0u) << bytes;
    EXPECT_EQ(responses[i].body(), "");
  }
  EXPECT_EQ(responses[3].result_int(), 202u);  // the connection stayed in step
  EXPECT_EQ(responses[3].body(), R"({"id":"x"})");
  // Every answer says when (RFC 9110 section 6.6.1): "Sun, 06 Dec 2026 01:24:34 GMT".
  for (const Response& res : responses) {
    std::string date(res[bh::field::date]);
    EXPECT_EQ(date.size(), 29u) << date;
    EXPECT_TRUE(date.ends_with(" GMT")) << date;
  }
}

TEST_F(ServerTest, InterimStatusFromAHandlerBecomes500) {
  StartServer();
  std::string bytes = Exchange("GET /100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 500u);
  EXPECT_THAT(responses[0].body(), HasSubstr("interim status 100"));
}

TEST_F(ServerTest, HeadGetsTheFieldsOfGetWithoutTheBody) {
  StartServer();
  std::string bytes = Exchange(
      "HEAD /json HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::head, bh::verb::head, bh::verb::get});
  ASSERT_EQ(responses.size(), 3u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 202u);
  EXPECT_EQ(responses[0][bh::field::content_length], "10");
  EXPECT_EQ(responses[1].result_int(), 404u);
  EXPECT_EQ(responses[1][bh::field::content_length],
            std::to_string(ErrorResponse(404, base::Code::kNotFound, "no route").body().size()));
  EXPECT_EQ(responses[2].result_int(), 202u);
  EXPECT_EQ(responses[2].body(), R"({"id":"x"})");
}

TEST_F(ServerTest, TransferCodingOtherThanChunkedIsRefusedBeforeTheHandler) {
  StartServer();
  struct Case {
    std::string fields;
    unsigned status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"Transfer-Encoding: gzip, chunked\r\n", 501,
            "Transfer-Encoding gzip is not supported; only chunked"},
           {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501,
            "Transfer-Encoding gzip is not supported"},
           {"Transfer-Encoding: gzip\r\n", 501, "Transfer-Encoding gzip is not supported"},
           {"Transfer-Encoding: chunked, chunked\r\n", 400, "must be chunked, once"},
       }) {
    std::string bytes = Exchange("POST /json HTTP/1.1\r\nHost: x\r\n" + c.fields + "\r\n0\r\n\r\n");
    auto responses = ParseAll(bytes, {bh::verb::post});
    ASSERT_EQ(responses.size(), 1u) << c.fields << bytes;
    EXPECT_EQ(responses[0].result_int(), c.status) << c.fields;
    EXPECT_THAT(responses[0].body(), HasSubstr(c.message)) << c.fields;
  }
  // Still accepted: chunked alone, in any case.
  std::string bytes = Exchange(
      "POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
      "2\r\nab\r\n0\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::post});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 202u);
  EXPECT_EQ(handled_.load(), 1);
}

// Trailers are not header fields (RFC 9110 section 6.5.1): a trailing Host or Connection must
// not change the request, nor reach the handler.
TEST_F(ServerTest, ChunkedTrailersAreNotHeaderFields) {
  StartServer();
  std::string bytes = Exchange(
      "POST /fields HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\nHost: evil\r\nConnection: close\r\nX-Sum: 1\r\n\r\n"
      "GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::post, bh::verb::get});
  ASSERT_EQ(responses.size(), 2u) << bytes;  // the trailing Connection: close did not end it
  // The handler has them apart, as trailers (a Lambda runtime reports a streamed error so).
  EXPECT_EQ(responses[0].body(),
            "Host: x\nTransfer-Encoding: chunked\ntrailer Host: evil\ntrailer Connection: "
            "close\ntrailer X-Sum: 1\nbody=abc");
  EXPECT_EQ(responses[1].result_int(), 202u);
}

// A Connection field's options are one list over all its lines (RFC 9110 section 5.3): a close
// on a second line ends the connection, and the request after it is not read (QA: it ran).
TEST_F(ServerTest, ACloseOnASecondConnectionLineEndsTheConnection) {
  StartServer();
  std::string bytes = Exchange(
      "GET /json HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"
      "GET /json HTTP/1.1\r\nHost: x\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0][bh::field::connection], "close");
}

// What Beast would buffer whole without a limit in a chunked body, a chunk's size line (its
// extensions) and the trailer section, counts against header_limit; so does a field Beast cannot
// keep (over 65535 bytes) under any limit: 431, not a dropped connection.
TEST_F(ServerTest, LongChunkLinesTrailersAndFieldsAre431) {
  ServerLimits limits;
  limits.header_limit = 4096;
  StartServer(limits);
  const std::string chunked =
      "POST /fields HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  // Longer than one read of the server's (16 KiB): they arrive in parts; shorter ones come
  // whole in one read (overload QA: those were let through).
  for (const std::string& request :
       {chunked + "3;ext=" + std::string(100000, 'e') + "\r\nabc\r\n0\r\n\r\n",
        chunked + "3\r\nabc\r\n0\r\n" + "X-T: " + std::string(100000, 't') + "\r\n\r\n",
        chunked + "3;ext=" + std::string(5000, 'e') + "\r\nabc\r\n0\r\n\r\n",
        chunked + "3\r\nabc\r\n0;ext=" + std::string(5000, 'e') + "\r\n\r\n",
        chunked + "3\r\nabc\r\n0\r\n" + "X-T: " + std::string(5000, 't') + "\r\n\r\n",
        chunked + "3\r\nabc\r\n0\r\n" + std::string(2, 'A') + ": " + std::string(2100, 'a') +
            "\r\nB: " + std::string(2100, 'b') + "\r\n\r\n"}) {
    std::string bytes = Exchange(request);
    auto responses = ParseAll(bytes, {bh::verb::post});
    ASSERT_EQ(responses.size(), 1u) << bytes.substr(0, 200);
    EXPECT_EQ(responses[0].result_int(), 431u);
  }
  EXPECT_EQ(handled_.load(), 0);
  server_->StopAccepting();
  ioc_.stop();
  thread_.join();
  server_.reset();
  ioc_.restart();

  limits.header_limit = 1024 * 1024;
  StartServer(limits);
  std::string bytes =
      Exchange("GET /json HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'v') + "\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes.substr(0, 200);
  EXPECT_EQ(responses[0].result_int(), 431u);
  EXPECT_THAT(responses[0].body(), HasSubstr("a field over 65535 bytes"));
}

// RFC 9112 section 2.2: empty lines before a request line are skipped, at a connection's start
// and after a body that a client ended with an extra CRLF.
TEST_F(ServerTest, EmptyLinesBeforeARequestAreSkipped) {
  StartServer();
  std::string bytes = Exchange(
      "\r\n\nPOST /fields HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na\r\n"
      "GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::post, bh::verb::get});
  ASSERT_EQ(responses.size(), 2u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 200u);
  EXPECT_EQ(responses[0].body(), "Host: x\nContent-Length: 1\nbody=a");
  EXPECT_EQ(responses[1].result_int(), 202u);
}

// On a dual-stack listener an IPv4 sender is its IPv4 address, not ::ffff:127.0.0.1.
TEST_F(ServerTest, AnIpv4SenderOnADualStackListenerIsItsIpv4Address) {
  server_.emplace(ioc_, log_, "probe", ServerLimits{},
                  [](Request&, const ConnInfo&) -> asio::awaitable<Response> {
                    co_return MakeResponse(200, "");
                  });
  if (!server_->Listen("::", 0).ok()) GTEST_SKIP() << "no IPv6 on this machine";
  server_.reset();
  StartServer({}, "::");
  std::string bytes = Exchange("GET /remote HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].body(), "127.0.0.1");
}

// A listener for our own children only (a Lambda Runtime API) closes a connection another user
// opened, unanswered, and serves one of ours.
TEST_F(ServerTest, ThisUserOnlyRefusesAnotherUsersConnection) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to connect as another user";
  ServerLimits limits;
  limits.this_user_only = true;
  StartServer(limits);
  const std::string request = "GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // As nobody: the answer must be the connection closed without a byte.
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) _exit(3);
    std::string answer = testing::RawExchange(port_, request);
    _exit(answer.empty() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "another user's connection was answered";
  auto responses = ParseAll(Exchange(request), {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].result_int(), 202u);
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(ServerTest, Http11WithoutHostIs400) {
  StartServer();
  std::string bytes = Exchange("GET /json HTTP/1.1\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 400u);
  EXPECT_THAT(responses[0].body(), HasSubstr("missing Host header"));
  EXPECT_EQ(handled_.load(), 0);

  // A HEAD gets the same answer without its body.
  bytes = Exchange("HEAD /json HTTP/1.1\r\n\r\n");
  responses = ParseAll(bytes, {bh::verb::head});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 400u);
  EXPECT_EQ(bytes.find("missing Host"), std::string::npos) << bytes;

  // HTTP/1.0 has no Host requirement.
  bytes = Exchange("GET /json HTTP/1.0\r\n\r\n");
  responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 202u);
  EXPECT_EQ(handled_.load(), 1);
}

// An absolute-form target reaches the handler in origin form; a target that is no path is 400.
TEST_F(ServerTest, RequestTargetsComeInOriginForm) {
  StartServer();
  std::string bytes = Exchange(
      "GET http://127.0.0.1:1/json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  auto responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 202u) << "routed as /json";
  EXPECT_EQ(handled_.load(), 1);

  bytes = Exchange("GET json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  responses = ParseAll(bytes, {bh::verb::get});
  ASSERT_EQ(responses.size(), 1u) << bytes;
  EXPECT_EQ(responses[0].result_int(), 400u);
  EXPECT_THAT(responses[0].body(), HasSubstr("must be a path starting with '/'"));
  EXPECT_EQ(handled_.load(), 1) << "never handled";
}

TEST_F(ServerTest, BodyOverTheLimitGetsTheListenersOwnAnswer) {
  ServerLimits limits;
  limits.body_limit = 16;
  limits.body_too_large = [](const RequestHeader& head,
                             uint64_t body_limit) -> std::optional<Response> {
    if (head.target() != "/own") return std::nullopt;
    Response res = MakeResponse(413, "own: " + std::to_string(body_limit), "text/plain");
    res.set("X-Own", "yes");
    return res;
  };
  StartServer(std::move(limits));
  const std::string chunked_over =
      "Transfer-Encoding: chunked\r\n\r\n11\r\n" + std::string(17, 'a') + "\r\n0\r\n\r\n";
  struct Case {
    std::string request;
    bool own;
  };
  for (const Case& c : std::vector<Case>{
           {"POST /own HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n", true},
           {"POST /own HTTP/1.1\r\nHost: x\r\n" + chunked_over, true},
           {"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n", false},
           {"POST /other HTTP/1.1\r\nHost: x\r\n" + chunked_over, false},
       }) {
    std::string bytes = Exchange(c.request);
    auto responses = ParseAll(bytes, {bh::verb::post});
    ASSERT_EQ(responses.size(), 1u) << c.request << bytes;
    EXPECT_EQ(responses[0].result_int(), 413u);
    if (c.own) {
      EXPECT_EQ(responses[0]["X-Own"], "yes");
      EXPECT_EQ(responses[0].body(), "own: 16");
    } else {
      EXPECT_THAT(responses[0].body(), HasSubstr("PAYLOAD_TOO_LARGE"));
    }
  }
  EXPECT_EQ(handled_.load(), 0);
}

}  // namespace
}  // namespace longhaul::http
