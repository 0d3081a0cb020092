#include "runtime/forward/upstream_url.h"

#include <gtest/gtest.h>

#include <string>

namespace longhaul::runtime::forward {
namespace {

TEST(ParseUpstreamUrl, SplitsTheParts) {
  base::Result<UpstreamUrl> u = ParseUpstreamUrl("http://10.0.0.5:8000/api/v1?key=a%20b");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "10.0.0.5");
  EXPECT_EQ(u->port, "8000");
  EXPECT_EQ(u->host_header, "10.0.0.5:8000");
  EXPECT_EQ(u->path, "/api/v1");
  EXPECT_EQ(u->query, "key=a%20b");

  u = ParseUpstreamUrl("http://Example.com");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "Example.com");
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->host_header, "Example.com");
  EXPECT_EQ(u->path, "");

  u = ParseUpstreamUrl("http://[::1]:9000/x");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9000");
  EXPECT_EQ(u->host_header, "[::1]:9000");
}

TEST(ParseUpstreamUrl, RejectsWhatItCannotForwardTo) {
  for (const char* text : {"", "not a url", "/relative", "https://example.com/",
                           "ftp://example.com/", "http://user:pw@example.com/", "http:///path"}) {
    EXPECT_EQ(ParseUpstreamUrl(text).status().code(), base::Code::kInvalidArgument) << text;
  }
}

TEST(ForwardTarget, AppendsPathAndJoinsQueries) {
  struct Case {
    std::string url;
    bool exact;
    std::string path;
    std::string query;
    std::string want;
  };
  const Case cases[] = {
      {"http://h", false, "/hooks/x", "", "/hooks/x"},
      {"http://h/", false, "/hooks/x", "a=1", "/hooks/x?a=1"},
      {"http://h/api", false, "/hooks/x", "a=1", "/api/hooks/x?a=1"},
      {"http://h/api/", false, "/hooks/x", "", "/api/hooks/x"},
      {"http://h/api?k=v", false, "/x", "a=1", "/api/x?k=v&a=1"},
      {"http://h/api?k=v", false, "", "", "/api/?k=v"},
      {"http://h", false, "", "", "/"},
      {"http://h/exact?k=v", true, "/ignored", "ignored=1", "/exact?k=v"},
      {"http://h", true, "/ignored", "", "/"},
  };
  for (const Case& c : cases) {
    base::Result<UpstreamUrl> u = ParseUpstreamUrl(c.url);
    ASSERT_TRUE(u.ok()) << c.url;
    EXPECT_EQ(ForwardTarget(*u, c.exact, c.path, c.query), c.want)
        << c.url << " " << c.path << "?" << c.query;
  }
}

}  // namespace
}  // namespace longhaul::runtime::forward
