// Black-box tests of how the real binary frames answers that come from functions, hooks files
// and listener limits: a 204 or 304 never carries a body or Content-Length, a function's 1xx is
// a malformed result (never a final status), and an Invoke over the admin listener's body limit
// gets Lambda's own 413.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fstream>
#include <string>
#include <string_view>

#include "testing/raw_conn.h"
#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

namespace bh = boost::beast::http;
using ::testing::HasSubstr;

// A `runtime: command` function that prints `output` (no single quotes), without retries: its
// YAML, named `name`.
std::string Printing(const std::string& name, const std::string& output) {
  std::string escaped;  // for a YAML double-quoted string
  for (char c : output) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "  " + name +
         ":\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"printf '%s' '" +
         escaped +
         "'\"]\n"
         "    retries: 0\n";
}

// Sends `request` to 127.0.0.1:`port` on a new connection and parses what comes back before
// the server closes it (RawExchange).
bh::response<bh::string_body> Exchange(int port, std::string_view request) {
  std::string bytes = RawExchange(port, request);
  bh::response_parser<bh::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message() << " in: " << bytes;
  EXPECT_TRUE(parser.is_done()) << bytes;
  return parser.release();
}

TEST(FramingE2E, SyncRouteAnswersBodylessStatusesWithoutBody) {
  ServerProcess server("functions:\n" +
                       Printing("no-content", R"({"statusCode":204,"body":"hello"})") +
                       Printing("not-modified", R"({"statusCode":304,"body":"hello"})") +
                       Printing("interim", R"({"statusCode":100,"body":"hello"})") +
                       "routes:\n"
                       "  - path: /no-content\n"
                       "    function: no-content\n"
                       "    ack: sync\n"
                       "  - path: /not-modified\n"
                       "    function: not-modified\n"
                       "    ack: sync\n"
                       "  - path: /interim\n"
                       "    function: interim\n"
                       "    ack: sync\n");
  server.Start();
  for (auto [path, status] : {std::pair{"/no-content", 204}, std::pair{"/not-modified", 304}}) {
    auto r = server.Post(path, "{}");
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().ToString() << "\n" << server.Log();
    EXPECT_EQ(r->status, status) << path;
    EXPECT_EQ(r->body, "") << path;
    EXPECT_EQ(r->Header("Content-Length"), "") << path;
  }
  // A 1xx is a malformed result: the job fails, and the caller gets the 502 for a failed job
  // instead of a final "100 Continue".
  auto interim = server.Post("/interim", "{}");
  ASSERT_TRUE(interim.ok()) << interim.status().ToString();
  EXPECT_EQ(interim->status, 502) << interim->body;
  EXPECT_THAT(interim->body, HasSubstr("outside 200..599"));
  EXPECT_THAT(server.Log(), ::testing::Not(HasSubstr("http.connection_exception")));
}

TEST(FramingE2E, HookWithNoContentCodeAnswersWithoutBody) {
  TempDir scratch;
  std::string file = scratch.File("hooks.yaml");
  std::ofstream(file) << "- id: quiet\n"
                         "  execute-command: /bin/true\n"
                         "  response-message: hello\n"
                         "  success-http-response-code: 204\n";
  ServerProcess server("");
  server.StartWebhook({"-hooks", file});
  auto r = server.Post("/hooks/quiet", "x");
  ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << server.Log();
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(r->Header("Content-Length"), "");
  EXPECT_FALSE(r->Header("X-Longhaul-Job-Id").empty());
}

TEST(FramingE2E, InvokeOverTheBodyLimitGetsLambdasRequestTooLarge) {
  ServerProcess server("functions:\n" + Printing("fn", "ok") +
                       "routes:\n"
                       "  - path: /unused\n"
                       "    function: fn\n");
  server.Start();
  const int admin = server.admin_port();
  // Over the default server.body_limit (10 MiB): refused from the header, the body unsent.
  const std::string length = "Content-Length: " + std::to_string(11 * 1024 * 1024) + "\r\n";
  auto sync = Exchange(
      admin, "POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\n" + length + "\r\n");
  EXPECT_EQ(sync.result_int(), 413u);
  EXPECT_EQ(sync["x-amzn-ErrorType"], "RequestTooLargeException");
  EXPECT_EQ(sync.body(),
            R"({"Type":"User","Message":"Request must be smaller than 6291456 bytes for the )"
            R"(RequestResponse invocation type"})");

  auto event = Exchange(admin,
                        "POST /2015-03-31/functions/fn/invocations HTTP/1.1\r\nHost: x\r\n"
                        "X-Amz-Invocation-Type: Event\r\n" +
                            length + "\r\n");
  EXPECT_EQ(event.result_int(), 413u);
  EXPECT_EQ(event["x-amzn-ErrorType"], "RequestTooLargeException");
  EXPECT_THAT(event.body(), HasSubstr("smaller than 1048576 bytes for the Event invocation type"));

  // Any other admin call keeps the generic answer.
  auto other = Exchange(admin, "POST /jobs HTTP/1.1\r\nHost: x\r\n" + length + "\r\n");
  EXPECT_EQ(other.result_int(), 413u);
  EXPECT_EQ(other["x-amzn-ErrorType"], "");
  EXPECT_THAT(other.body(), HasSubstr("PAYLOAD_TOO_LARGE"));
}

// A client that sends its whole body before it reads (Python's http.client, say) gets the 413
// refused from the header, not a connection reset: the server takes what it still sends for a
// while after answering (a lingering close) instead of closing on unread bytes.
TEST(FramingE2E, ARefusalFromTheHeaderReachesAClientStillSendingItsBody) {
  ServerProcess server("functions:\n" + Printing("fn", "ok") +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: fn\n",
                       "  body_limit: 1KiB\n");
  server.Start();
  const std::string body(4 * 1024 * 1024, 'x');
  RawConn c(server.public_port());
  ASSERT_TRUE(c.Send("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_TRUE(c.Send(body)) << "the connection was reset while the client sent its body";
  std::string answer = c.ReadResponse(std::chrono::seconds(30));
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 413 "));
  EXPECT_THAT(answer, HasSubstr("over the limit"));
}

// A client that waits for 100 Continue to a path a route takes gets it, then sends its body.
TEST(FramingE2E, ExpectContinueToARouteGetsA100BeforeTheBodyIsSent) {
  ServerProcess server("functions:\n" + Printing("fn", "ok") +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: fn\n");
  server.Start();
  RawConn c(server.public_port());
  ASSERT_TRUE(
      c.Send("POST /hook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
             "Content-Length: 2\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse(std::chrono::seconds(20)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.Send("{}"));
  bool closed = false;
  std::string answer = c.ReadUntilClosed(std::chrono::seconds(20), &closed);
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 202 "));
}

// HEAD on a GET route is answered as the GET is, without the body (RFC 9110 section 9.3.2):
// monitors and link checkers probe with HEAD.
TEST(FramingE2E, AGetRouteAnswersHead) {
  ServerProcess server("functions:\n" + Printing("fn", "hello") +
                       "routes:\n"
                       "  - path: /status\n"
                       "    method: GET\n"
                       "    function: fn\n"
                       "    ack: sync\n");
  server.Start();
  const std::string answer = RawExchange(
      server.public_port(), "HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(answer, ::testing::StartsWith("HTTP/1.1 200 "));
  EXPECT_THAT(answer, HasSubstr("Content-Length: 5\r\n"));
  EXPECT_THAT(answer, ::testing::EndsWith("\r\n\r\n")) << "a HEAD answer has no body";
  const std::string post = RawExchange(server.public_port(),
                                       "POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n");
  EXPECT_THAT(post, ::testing::StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(post, HasSubstr("Allow: GET, HEAD\r\n"));
}

}  // namespace
}  // namespace longhaul::testing
