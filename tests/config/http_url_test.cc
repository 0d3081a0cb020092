#include "config/http_url.h"

#include <gtest/gtest.h>

namespace longhaul::config {
namespace {

TEST(ParseHttpUrl, SplitsTheParts) {
  base::Result<HttpUrl> u = ParseHttpUrl("http://10.0.0.5:8000/api/v1?key=a%20b");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "10.0.0.5");
  EXPECT_EQ(u->port, "8000");
  EXPECT_EQ(u->host_header, "10.0.0.5:8000");
  EXPECT_EQ(u->path, "/api/v1");
  EXPECT_EQ(u->query, "key=a%20b");

  u = ParseHttpUrl("http://Example.com");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "Example.com");
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->host_header, "Example.com");
  EXPECT_EQ(u->path, "");

  u = ParseHttpUrl("http://[::1]:9000/x");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9000");
  EXPECT_EQ(u->host_header, "[::1]:9000");
  EXPECT_FALSE(u->tls);
}

TEST(ParseHttpUrl, HttpsIsTlsOnPort443UnlessGiven) {
  base::Result<HttpUrl> u = ParseHttpUrl("https://hooks.example.com/services/T0/B0");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->host_header, "hooks.example.com");
  EXPECT_EQ(u->path, "/services/T0/B0");

  u = ParseHttpUrl("https://127.0.0.1:8443");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->port, "8443");
}

TEST(ParseHttpUrl, RejectsWhatItCannotForwardTo) {
  for (const char* text :
       {"", "not a url", "/relative", "ftp://example.com/", "https://user:pw@example.com/",
        "http://user:pw@example.com/", "http:///path", "http://[::1:80/", "http://127.0.0.1:80x/",
        "http://127.0.0.1:0/", "http://127.0.0.1:70000/"}) {
    EXPECT_EQ(ParseHttpUrl(text).status().code(), base::Code::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace longhaul::config
