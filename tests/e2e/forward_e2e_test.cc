// Black-box tests of http functions against the real binary: forwarding to an https upstream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "testing/server_process.h"
#include "testing/tls_upstream.h"

namespace longhaul::testing {
namespace {

using ::testing::HasSubstr;

// The server trusts the certificates that SSL_CERT_FILE names (set by TrustedCertificate() in
// this process, inherited by the server): the trusted upstream answers the sync route's caller;
// a stranger's certificate fails the job with the reason and gets no request.
TEST(ForwardE2E, HttpsUpstreamsAreVerified) {
  TlsUpstream upstream("HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\nX-Up: tls\r\n\r\nsent");
  TlsUpstream stranger("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", /*trusted=*/false);
  TlsUpstream refuser("HTTP/1.1 400 Bad Request\r\nContent-Length: 17\r\n\r\nchat 42 not found");
  ASSERT_TRUE(upstream.ok() && stranger.ok() && refuser.ok())
      << "openssl could not make a certificate";
  ServerProcess server(
      "functions:\n"
      "  notify:\n"
      "    runtime: http\n"
      "    url: " +
      upstream.url("/api") +
      "\n"
      "    retries: 0\n"
      "  stranger:\n"
      "    runtime: http\n"
      "    url: " +
      stranger.url() +
      "\n"
      "    retries: 0\n"
      "  refuser:\n"
      "    runtime: http\n"
      "    url: " +
      refuser.url() +
      "\n"
      "routes:\n"
      "  - path: /notify\n"
      "    function: notify\n"
      "    ack: sync\n"
      "  - path: /stranger\n"
      "    function: stranger\n"
      "    ack: sync\n"
      "  - path: /refused\n"
      "    function: refuser\n"
      "    ack: sync\n");
  server.Start();

  auto r = server.Post("/notify", "{\"text\":\"hi\"}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 202) << r->body << "\n" << server.Log();
  EXPECT_EQ(r->body, "sent");
  EXPECT_EQ(r->Header("X-Up"), "tls");
  auto got = upstream.Received();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->target(), "/api/notify");
  EXPECT_EQ(got->body(), "{\"text\":\"hi\"}");

  r = server.Post("/stranger", "{}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 502) << r->body;
  EXPECT_THAT(r->body, HasSubstr("certificate verify failed"));
  EXPECT_EQ(stranger.handshakes(), 0);

  // An upstream's refusal is logged with what it said, as a command's last words are.
  r = server.Post("/refused", "{}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_TRUE(Eventually([&] {
    return server.Log().find(
               "error=\"INVALID_ARGUMENT: upstream answered 400\" output=\"chat 42 not found\"") !=
           std::string::npos;
  })) << server.Log();
}

}  // namespace
}  // namespace longhaul::testing
