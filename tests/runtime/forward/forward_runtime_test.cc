#include "runtime/forward/forward_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "testing/tls_upstream.h"

namespace longhaul::runtime::forward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

// Listens on 127.0.0.1:0, serves one connection: reads one request, records it, writes
// `raw_response` verbatim and closes.
class OneShotUpstream {
 public:
  // With `header_only` it reads the request's header alone, answers and closes (with the body
  // unread: a reset), as an upstream that refuses a request early does.
  explicit OneShotUpstream(std::string raw_response, bool header_only = false)
      : raw_response_(std::move(raw_response)), header_only_(header_only) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotUpstream() {
    if (!accepted_) {  // unblock accept() when the test never connected
      tcp::socket poke(ioc_);
      beast::error_code ec;
      poke.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_), ec);
    }
    Join();
  }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The request as the upstream read it; waits for the server to finish.
  http::request<http::string_body> Received() {
    Join();
    return received_;
  }

 private:
  void Join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void Serve() {
    tcp::socket socket(ioc_);
    beast::error_code ec;
    acceptor_.accept(socket, ec);
    accepted_ = true;
    if (ec) {
      return;
    }
    beast::flat_buffer buffer;
    if (header_only_) {
      http::request_parser<http::string_body> parser;
      http::read_header(socket, buffer, parser, ec);
      received_ = parser.release();
      asio::write(socket, asio::buffer(raw_response_), ec);
      socket.close(ec);
      return;
    }
    http::read(socket, buffer, received_, ec);
    if (ec) {
      return;
    }
    asio::write(socket, asio::buffer(raw_response_), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  std::string raw_response_;
  bool header_only_ = false;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::atomic<bool> accepted_{false};
  http::request<http::string_body> received_;
  std::thread thread_;
};

std::string Header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string("<none>") : std::string(it->value());
}

class ForwardRuntimeTest : public ::testing::Test {
 protected:
  ForwardRuntimeTest() {
    fn_.name = "forwarder";
    fn_.kind = config::RuntimeKind::kHttp;
    fn_.timeout = seconds(30);
    inv_.job_id = "01JD0000000000000000000000";
    inv_.attempt = 3;
    inv_.interrupted = 1;
    inv_.function = &fn_;
    inv_.request.method = "POST";
    inv_.request.path = "/hooks/github";
  }

  Outcome Run(const std::string& url) {
    fn_.http.url = url;
    inv_.deadline = clock_.Now() + fn_.timeout;
    return runtime_->Run(inv_, cancel_);
  }

  base::SystemClock clock_;
  std::optional<ForwardRuntime> runtime_{std::in_place, clock_};
  config::Function fn_;
  Invocation inv_;
  CancelToken cancel_;
};

TEST_F(ForwardRuntimeTest, ForwardsMethodTargetHeadersAndBody) {
  OneShotUpstream upstream(
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Up: yes\r\nConnection: close\r\n\r\nok");
  fn_.http.headers = {{"Authorization", "Bearer configured"}};
  inv_.request.method = "PUT";
  inv_.request.query = "a=1&b=%20";
  inv_.request.headers = {{"Host", "public.example"},
                          {"Content-Type", "application/json"},
                          {"Connection", "keep-alive, X-Private"},
                          {"X-Private", "hop"},
                          {"Keep-Alive", "timeout=5"},
                          {"Authorization", "Bearer from-client"},
                          {"X-Longhaul-Job-Id", "spoofed"},
                          {"x-longhaul-interrupted", "spoofed"},
                          {"X-Forwarded-For", "198.51.100.1"},
                          {"Prefer", "respond-async, return=minimal"},
                          {"X-Custom", "1"}};
  inv_.request.remote_addr = "192.0.2.4";
  inv_.request.body = "{\"hello\":1}";
  Outcome out = Run(upstream.url("/base"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();

  http::request<http::string_body> got = upstream.Received();
  EXPECT_EQ(got.method_string(), "PUT");
  EXPECT_EQ(got.target(), "/base/hooks/github?a=1&b=%20");
  EXPECT_EQ(Header(got, "Host"), "127.0.0.1:" + std::to_string(upstream.port()));
  EXPECT_EQ(Header(got, "Content-Type"), "application/json");
  EXPECT_EQ(Header(got, "X-Custom"), "1");
  EXPECT_EQ(Header(got, "Authorization"), "Bearer configured");
  EXPECT_EQ(got.count("Authorization"), 1u);
  EXPECT_EQ(Header(got, "X-Longhaul-Job-Id"), inv_.job_id);
  EXPECT_EQ(got.count("X-Longhaul-Job-Id"), 1u);
  EXPECT_EQ(Header(got, "X-Longhaul-Attempt"), "3");
  EXPECT_EQ(Header(got, "X-Longhaul-Interrupted"), "1");
  EXPECT_EQ(got.count("X-Longhaul-Interrupted"), 1u);
  EXPECT_EQ(Header(got, "X-Private"), "<none>");
  EXPECT_EQ(Header(got, "Keep-Alive"), "<none>");
  EXPECT_EQ(Header(got, "Connection"), "close");
  EXPECT_EQ(Header(got, "Content-Length"), "11");
  EXPECT_EQ(Header(got, "X-Forwarded-For"), "198.51.100.1, 192.0.2.4");
  EXPECT_EQ(got.count("X-Forwarded-For"), 1u);
  EXPECT_EQ(Header(got, "X-Forwarded-Host"), "public.example");
  EXPECT_EQ(Header(got, "X-Forwarded-Proto"), "http");
  EXPECT_EQ(Header(got, "Prefer"), "return=minimal");  // respond-async was longhaul's
  EXPECT_EQ(got.body(), "{\"hello\":1}");

  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(out.response.body, "ok");
  EXPECT_EQ(out.response.headers, (store::Headers{{"X-Up", "yes"}}));
}

TEST_F(ForwardRuntimeTest, ExactPathUsesTheUrlAsIs) {
  OneShotUpstream upstream("HTTP/1.1 204 No Content\r\n\r\n");
  fn_.http.exact_path = true;
  inv_.request.query = "dropped=1";
  Outcome out = Run(upstream.url("/exact?k=v"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(upstream.Received().target(), "/exact?k=v");
  EXPECT_EQ(out.response.status, 204);
}

// Through the Invoke API or as a destination, an http function gets the payload alone, at its
// url as written: not the Invoke call's path, nor its headers (its SigV4 signature).
TEST_F(ForwardRuntimeTest, AnInvokeOrDestinationIsThePayloadPostedToTheUrl) {
  for (const char* route : {"invoke", "destination"}) {
    OneShotUpstream upstream("HTTP/1.1 204 No Content\r\n\r\n");
    inv_.route = route;
    inv_.request.method = "POST";
    inv_.request.path = "/2015-03-31/functions/forwarder/invocations";
    inv_.request.headers = {{"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/..."},
                            {"X-Amz-Invocation-Type", "Event"}};
    inv_.request.remote_addr = "127.0.0.1";
    inv_.request.body = R"({"event":1})";
    Outcome out = Run(upstream.url("/notify"));
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    http::request<http::string_body> got = upstream.Received();
    EXPECT_EQ(got.method_string(), "POST") << route;
    EXPECT_EQ(got.target(), "/notify") << route;
    EXPECT_EQ(Header(got, "Authorization"), "<none>") << route;
    EXPECT_EQ(Header(got, "X-Amz-Invocation-Type"), "<none>") << route;
    EXPECT_EQ(Header(got, "X-Forwarded-Proto"), "<none>") << route;
    EXPECT_EQ(Header(got, "Content-Type"), "application/json") << route;
    EXPECT_EQ(got.body(), R"({"event":1})") << route;
  }
}

TEST_F(ForwardRuntimeTest, ChunkedResponseAfterInterimResponse) {
  OneShotUpstream upstream(
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Up: 1\r\n\r\n"
      "2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n");
  Outcome out = Run(upstream.url());
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.body, "ok!!!");
  EXPECT_EQ(out.response.headers, (store::Headers{{"X-Up", "1"}}));
}

// A chunked body's trailers are not the answer's headers (RFC 9110 6.5.1).
TEST_F(ForwardRuntimeTest, TrailersAreNotHeaders) {
  OneShotUpstream upstream(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
      "2\r\nok\r\n0\r\nContent-Type: text/html\r\nX-Checksum: abc\r\n\r\n");
  Outcome out = Run(upstream.url());
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "ok");
  EXPECT_EQ(out.response.headers, (store::Headers{{"Content-Type", "text/plain"}}));
}

// An upstream that refuses a large body before reading it (413) is heard, not retried as a
// broken pipe.
TEST_F(ForwardRuntimeTest, AnAnswerBeforeTheBodyIsReadIsTheAnswer) {
  OneShotUpstream upstream(
      "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\n"
      "too big!",
      /*header_only=*/true);
  inv_.request.body = std::string(16 * 1024 * 1024, 'x');
  Outcome out = Run(upstream.url());
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument) << out.status.ToString();
  EXPECT_EQ(out.response.status, 413);
  EXPECT_EQ(out.response.body, "too big!");
}

TEST_F(ForwardRuntimeTest, HeadResponseHasNoBody) {
  OneShotUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
  inv_.request.method = "HEAD";
  Outcome out = Run(upstream.url());
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(upstream.Received().method_string(), "HEAD");
  EXPECT_EQ(out.response.body, "");
  // The size of the body a GET would get (RFC 9110 section 8.6), for the caller.
  EXPECT_EQ(out.response.headers, (store::Headers{{"Content-Length", "10"}}));
}

TEST_F(ForwardRuntimeTest, ErrorStatusesMapToCodesAndKeepTheResponse) {
  struct Case {
    int status;
    base::Code code;
  };
  const Case cases[] = {
      {404, base::Code::kInvalidArgument}, {400, base::Code::kInvalidArgument},
      {301, base::Code::kInvalidArgument}, {429, base::Code::kResourceExhausted},
      {408, base::Code::kUnavailable},     {500, base::Code::kUnknown},
      {502, base::Code::kUnknown},         {503, base::Code::kUnknown},
  };
  for (const Case& c : cases) {
    OneShotUpstream upstream("HTTP/1.1 " + std::to_string(c.status) +
                             " Whatever\r\nContent-Length: 4\r\n\r\nnope");
    Outcome out = Run(upstream.url());
    EXPECT_EQ(out.status.code(), c.code) << c.status;
    EXPECT_EQ(out.status.message(), "upstream answered " + std::to_string(c.status));
    EXPECT_EQ(out.response.status, c.status);
    EXPECT_EQ(out.response.body, "nope");
    EXPECT_TRUE(out.response_is_answer) << "a waiting caller gets the upstream's " << c.status;
  }
}

TEST_F(ForwardRuntimeTest, ConnectionRefusedIsUnavailable) {
  asio::io_context ioc;
  tcp::acceptor bound(ioc);  // bound, never listening: connections are refused
  bound.open(tcp::v4());
  bound.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  Outcome out = Run("http://127.0.0.1:" + std::to_string(bound.local_endpoint().port()));
  EXPECT_EQ(out.status.code(), base::Code::kUnavailable);
  EXPECT_THAT(out.status.message(), HasSubstr("cannot connect to 127.0.0.1:"));
}

TEST_F(ForwardRuntimeTest, UpstreamClosingWithoutAnswerIsUnavailable) {
  OneShotUpstream upstream("");
  Outcome out = Run(upstream.url());
  EXPECT_EQ(out.status.code(), base::Code::kUnavailable) << out.status.ToString();
}

TEST_F(ForwardRuntimeTest, GarbageResponseIsUnknown) {
  OneShotUpstream upstream("SSH-2.0-OpenSSH\r\n\r\n");
  Outcome out = Run(upstream.url());
  EXPECT_EQ(out.status.code(), base::Code::kUnknown) << out.status.ToString();
}

// A final answer is 200..599: an upgrade (101), or interim answers without end, is a bad
// response (the job fails with why; the caller gets a 502, not the server's 500).
TEST_F(ForwardRuntimeTest, AnUpstreamThatNeverAnswersFinallyIsABadResponse) {
  std::string endless;
  for (int i = 0; i < 9; ++i) endless += "HTTP/1.1 100 Continue\r\n\r\n";
  const std::pair<std::string, std::string> cases[] = {
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
       "bad response from upstream: 101 Switching Protocols (it must not upgrade)"},
      {endless + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
       "bad response from upstream: more than 8 interim (1xx) responses"},
      {"HTTP/1.1 099 Weird\r\nContent-Length: 2\r\n\r\nok",
       "bad response from upstream: status 99 is not 200..599"},
  };
  for (const auto& [answer, error] : cases) {
    OneShotUpstream upstream(answer);
    Outcome out = Run(upstream.url());
    EXPECT_EQ(out.status.code(), base::Code::kUnknown) << out.status.ToString();
    EXPECT_EQ(out.status.message(), error);
  }
}

TEST_F(ForwardRuntimeTest, SilentUpstreamTimesOut) {
  asio::io_context ioc;
  tcp::acceptor silent(ioc);  // the kernel completes the handshake; nobody ever answers
  silent.open(tcp::v4());
  silent.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  silent.listen();
  fn_.timeout = milliseconds(300);
  Outcome out = Run("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()));
  EXPECT_EQ(out.status.code(), base::Code::kDeadlineExceeded);
  EXPECT_EQ(out.status.message(), "timed out after 300ms");
}

TEST_F(ForwardRuntimeTest, CancelClosesTheConnection) {
  asio::io_context ioc;
  tcp::acceptor silent(ioc);
  silent.open(tcp::v4());
  silent.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  silent.listen();
  std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  Outcome out;
  std::thread runner([&] { out = Run(url); });
  tcp::socket peer(ioc);
  silent.accept(peer);  // the runtime has connected
  cancel_.Cancel();
  runner.join();
  EXPECT_EQ(out.status.code(), base::Code::kCancelled);
}

TEST_F(ForwardRuntimeTest, OversizedResponseIsFailedPrecondition) {
  ForwardOptions options;
  options.body_limit = 16;
  runtime_.emplace(clock_, options);
  OneShotUpstream upstream("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" +
                           std::string(100, 'x'));
  Outcome out = Run(upstream.url());
  EXPECT_EQ(out.status.code(), base::Code::kFailedPrecondition) << out.status.ToString();
}

TEST_F(ForwardRuntimeTest, BadUrlIsInvalidArgument) {
  Outcome out = Run("ftp://example.com/");
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
}

TEST_F(ForwardRuntimeTest, HttpsUpstreamGetsTheRequestOverTls) {
  testing::TlsUpstream upstream(
      "HTTP/1.1 201 Created\r\nContent-Length: 7\r\nX-Up: tls\r\n\r\ncreated");
  ASSERT_TRUE(upstream.ok()) << "openssl could not make a certificate";
  inv_.request.headers = {{"Content-Type", "text/plain"}};
  inv_.request.body = "over tls";
  Outcome out = Run(upstream.url("/base"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.body, "created");
  EXPECT_EQ(out.response.headers, (store::Headers{{"X-Up", "tls"}}));
  auto got = upstream.Received();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->target(), "/base/hooks/github");
  EXPECT_EQ(Header(*got, "Host"), "127.0.0.1:" + std::to_string(upstream.port()));
  EXPECT_EQ(got->body(), "over tls");
}

// An upstream whose certificate is not trusted, or not for the url's host, never gets the
// request: the attempt fails (and is retried) with the reason.
TEST_F(ForwardRuntimeTest, HttpsUpstreamMustProveItIsTheUrlsHost) {
  testing::TrustedCertificate();  // trusted: this process's certificate, not the stranger's
  testing::TlsUpstream stranger("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                                /*trusted=*/false);
  ASSERT_TRUE(stranger.ok()) << "openssl could not make a certificate";
  Outcome out = Run(stranger.url("/"));
  EXPECT_EQ(out.status.code(), base::Code::kUnavailable);
  EXPECT_THAT(out.status.message(), HasSubstr("TLS handshake with 127.0.0.1:"));
  EXPECT_THAT(out.status.message(), HasSubstr("certificate verify failed"));
  EXPECT_EQ(stranger.handshakes(), 0) << out.status.ToString();

  // Trusted, but for 127.0.0.1 only: "localhost" is another name.
  testing::TlsUpstream trusted("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(trusted.ok());
  out = Run(trusted.url("/", "localhost"));
  EXPECT_EQ(out.status.code(), base::Code::kUnavailable);
  EXPECT_THAT(out.status.message(), HasSubstr("certificate verify failed: hostname mismatch"));
  EXPECT_EQ(trusted.handshakes(), 0) << out.status.ToString();
  EXPECT_FALSE(trusted.Received().has_value());
}

TEST_F(ForwardRuntimeTest, PastDeadlineDoesNotConnect) {
  fn_.http.url = "http://127.0.0.1:1/";
  inv_.deadline = clock_.Now() - milliseconds(1);
  Outcome out = runtime_->Run(inv_, cancel_);
  EXPECT_EQ(out.status.code(), base::Code::kDeadlineExceeded);
}

}  // namespace
}  // namespace longhaul::runtime::forward
