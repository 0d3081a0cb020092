#include "config/listen.h"

#include <gtest/gtest.h>

namespace longhaul::config {
namespace {

TEST(ParseListen, Accepts) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  };
  for (const Case& c : {Case{"0.0.0.0:8080", "0.0.0.0", 8080}, Case{"127.0.0.1:0", "127.0.0.1", 0},
                        Case{"[::1]:65535", "::1", 65535}, Case{"[::]:80", "::", 80},
                        Case{"localhost:9", "127.0.0.1", 9}}) {
    auto listen = ParseListen(c.text);
    ASSERT_TRUE(listen.ok()) << c.text << ": " << listen.status().message();
    EXPECT_EQ(listen->host, c.host) << c.text;
    EXPECT_EQ(listen->port, c.port) << c.text;
  }
}

TEST(ParseListen, Rejects) {
  for (const char* bad :
       {"", "8080", ":8080", "0.0.0.0:", "0.0.0.0:65536", "0.0.0.0:-1", "0.0.0.0:80x", "::1:80",
        "[::1]80", "[::1:80", "[1.2.3.4]:80", "example.com:80", "1.2.3:80", "256.0.0.1:80"}) {
    auto listen = ParseListen(bad);
    EXPECT_FALSE(listen.ok()) << bad;
    EXPECT_EQ(listen.status().code(), base::Code::kInvalidArgument) << bad;
  }
}

// A URL where an address belongs is named as such (not as a misplaced IPv6 address).
TEST(ParseListen, SaysAUrlIsNotAnAddress) {
  auto listen = ParseListen("http://127.0.0.1:80");
  ASSERT_FALSE(listen.ok());
  EXPECT_NE(listen.status().message().find("expected host:port, not a URL"), std::string::npos)
      << listen.status().message();
}

TEST(FormatListen, BracketsIpv6) {
  EXPECT_EQ(FormatListen({"::1", 80}), "[::1]:80");
  EXPECT_EQ(FormatListen({"127.0.0.1", 0}), "127.0.0.1:0");
}

}  // namespace
}  // namespace longhaul::config
