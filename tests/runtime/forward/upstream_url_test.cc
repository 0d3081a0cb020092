#include "runtime/forward/upstream_url.h"

#include <gtest/gtest.h>

#include <string>

namespace longhaul::runtime::forward {
namespace {

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
    base::Result<config::HttpUrl> u = config::ParseHttpUrl(c.url);
    ASSERT_TRUE(u.ok()) << c.url;
    EXPECT_EQ(ForwardTarget(*u, c.exact, c.path, c.query), c.want)
        << c.url << " " << c.path << "?" << c.query;
  }
}

}  // namespace
}  // namespace longhaul::runtime::forward
