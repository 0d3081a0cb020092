#include "ingest/route_table.h"

#include <gtest/gtest.h>

namespace longhaul::ingest {
namespace {

config::Route MakeRoute(std::string method, std::string path,
                        std::vector<config::PathSegment> segs) {
  config::Route r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.segments = std::move(segs);
  return r;
}

using K = config::PathSegment::Kind;

class RouteTableTest : public ::testing::Test {
 protected:
  std::vector<config::Route> routes{
      MakeRoute("POST", "/hooks/{name}", {{K::kLiteral, "hooks"}, {K::kParam, "name"}}),
      MakeRoute("POST", "/hooks/github", {{K::kLiteral, "hooks"}, {K::kLiteral, "github"}}),
      MakeRoute("ANY", "/files/{proxy+}", {{K::kLiteral, "files"}, {K::kGreedy, "proxy"}}),
      MakeRoute("GET", "/status", {{K::kLiteral, "status"}}),
  };
  RouteTable table{routes};
};

TEST_F(RouteTableTest, LiteralBeatsParameter) {
  auto m = table.Match("POST", "/hooks/github");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/hooks/github");
  EXPECT_TRUE(m.params.empty());
}

// The first segment where two routes differ decides, whatever their order in the file: for
// /a/b, /a/{rest+} (a literal first) beats /{x}/{y}.
TEST(RouteTable, TheFirstDifferingSegmentDecides) {
  for (bool swapped : {false, true}) {
    std::vector<config::Route> routes{
        MakeRoute("ANY", "/{x}/{y}", {{K::kParam, "x"}, {K::kParam, "y"}}),
        MakeRoute("ANY", "/a/{rest+}", {{K::kLiteral, "a"}, {K::kGreedy, "rest"}})};
    if (swapped) std::swap(routes[0], routes[1]);
    RouteTable table{routes};
    auto m = table.Match("POST", "/a/b");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->path, "/a/{rest+}") << swapped;
    m = table.Match("POST", "/c/b");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->path, "/{x}/{y}") << swapped;
  }
}

// A literal matches what a client sends for it: percent-encoded bytes ("/caf%C3%A9") or
// unreserved characters (%7E is ~).
TEST(RouteTable, ALiteralMatchesPercentDecoded) {
  std::vector<config::Route> routes{MakeRoute("ANY", "/café", {{K::kLiteral, "café"}}),
                                    MakeRoute("ANY", "/~user", {{K::kLiteral, "~user"}})};
  RouteTable table{routes};
  for (const char* path : {"/caf%C3%A9", "/café", "/caf%c3%a9"}) {
    auto m = table.Match("POST", path);
    ASSERT_NE(m.route, nullptr) << path;
    EXPECT_EQ(m.route->path, "/café");
  }
  auto m = table.Match("POST", "/%7Euser");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/~user");
  EXPECT_EQ(table.Match("POST", "/caf%C3%A9%2Fx").route, nullptr);
}

// The same whichever way the config writes the literal: encoded, it matches the raw form too.
TEST(RouteTable, AnEncodedLiteralMatchesTheRawForm) {
  std::vector<config::Route> routes{MakeRoute("ANY", "/caf%C3%A9", {{K::kLiteral, "caf%C3%A9"}}),
                                    MakeRoute("ANY", "/p%2Dq", {{K::kLiteral, "p%2Dq"}})};
  RouteTable table{routes};
  for (const char* path : {"/caf%C3%A9", "/café", "/caf%c3%a9"}) {
    auto m = table.Match("POST", path);
    ASSERT_NE(m.route, nullptr) << path;
    EXPECT_EQ(m.route->path, "/caf%C3%A9");
  }
  for (const char* path : {"/p-q", "/p%2dq"}) {
    ASSERT_NE(table.Match("POST", path).route, nullptr) << path;
  }
}

// ANY /a defined first does not hide POST /a: the route's own method is more specific.
TEST(RouteTable, AMethodBeatsAnyOnTheSamePath) {
  std::vector<config::Route> routes{MakeRoute("ANY", "/a", {{K::kLiteral, "a"}}),
                                    MakeRoute("POST", "/a", {{K::kLiteral, "a"}}),
                                    MakeRoute("POST", "/{x}", {{K::kParam, "x"}})};
  RouteTable table{routes};
  ASSERT_NE(table.Match("POST", "/a").route, nullptr);
  EXPECT_EQ(table.Match("POST", "/a").route->method, "POST");
  EXPECT_EQ(table.Match("GET", "/a").route->method, "ANY");
  EXPECT_EQ(table.Match("POST", "/b").route->path, "/{x}");
}

TEST_F(RouteTableTest, ParameterIsDecoded) {
  auto m = table.Match("POST", "/hooks/a%20b");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/hooks/{name}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "name");
  EXPECT_EQ(m.params[0].second, "a b");
}

// A one-segment parameter that decodes to more than one segment, or holds a NUL, matches none:
// its value would reach a command's environment as a path ("../../etc/passwd").
TEST_F(RouteTableTest, AParameterIsOneSegmentDecodedToo) {
  for (const char* path : {"/hooks/..%2F..%2Fetc%2Fpasswd", "/hooks/a%2fb", "/hooks/a%00b"}) {
    EXPECT_EQ(table.Match("POST", path).route, nullptr) << path;
  }
  auto m = table.Match("POST", "/hooks/a%2Cb");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params[0].second, "a,b");
}

TEST_F(RouteTableTest, GreedyTakesTheRest) {
  auto m = table.Match("DELETE", "/files/a/b/c.txt");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].second, "a/b/c.txt");
  EXPECT_EQ(table.Match("GET", "/files").route, nullptr);
  EXPECT_EQ(table.Match("GET", "/files/").route, nullptr);
  EXPECT_EQ(table.Match("GET", "/files/report.pdf%00.sh").route, nullptr);  // cut at the NUL
}

TEST_F(RouteTableTest, WrongMethodListsAllowed) {
  auto m = table.Match("POST", "/status");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, "GET, HEAD");
}

// HEAD is GET without the body: a GET route takes it, unless the path has a HEAD route of its
// own; ANY comes after both.
TEST(RouteTable, AGetRouteTakesHead) {
  std::vector<config::Route> routes{
      MakeRoute("GET", "/status", {{K::kLiteral, "status"}}),
      MakeRoute("ANY", "/status", {{K::kLiteral, "status"}}),
      MakeRoute("GET", "/both", {{K::kLiteral, "both"}}),
      MakeRoute("HEAD", "/both", {{K::kLiteral, "both"}}),
      MakeRoute("POST", "/post", {{K::kLiteral, "post"}}),
  };
  RouteTable table{routes};
  auto m = table.Match("HEAD", "/status");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  m = table.Match("HEAD", "/both");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "HEAD");
  m = table.Match("GET", "/both");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(table.Match("HEAD", "/post").route, nullptr);
  EXPECT_EQ(table.Match("HEAD", "/post").allowed, "POST");
}

TEST_F(RouteTableTest, NoMatch) {
  auto m = table.Match("POST", "/nothing/here");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_EQ(table.Match("POST", "/hooks/a/b").route, nullptr);
  EXPECT_EQ(table.Match("POST", "/hooks/").route, nullptr);
}

// "/" is a route of its own (no segments): it takes the bare host and nothing else.
TEST(RouteTable, TheRootRouteMatchesOnlyTheRoot) {
  std::vector<config::Route> routes{
      MakeRoute("POST", "/", {}),
      MakeRoute("POST", "/{rest+}", {{K::kGreedy, "rest"}}),
  };
  RouteTable table{routes};
  auto root = table.Match("POST", "/");
  ASSERT_NE(root.route, nullptr);
  EXPECT_EQ(root.route->path, "/");
  EXPECT_TRUE(root.params.empty());
  auto deeper = table.Match("POST", "/a");
  ASSERT_NE(deeper.route, nullptr);
  EXPECT_EQ(deeper.route->path, "/{rest+}");
  EXPECT_EQ(table.Match("GET", "/").allowed, "POST");
  // OPTIONS * asks about the server: no route takes it, not even a parameter's.
  std::vector<config::Route> param{MakeRoute("ANY", "/{one}", {{K::kParam, "one"}})};
  EXPECT_NE(RouteTable{param}.Match("OPTIONS", "/x").route, nullptr);
  EXPECT_EQ(RouteTable{param}.Match("OPTIONS", "*").route, nullptr);
  // Without it, "/" is not the greedy route's: its parameter takes one segment or more.
  routes.erase(routes.begin());
  EXPECT_EQ(RouteTable{routes}.Match("POST", "/").route, nullptr);
}

}  // namespace
}  // namespace longhaul::ingest
