#include "config/path_pattern.h"

#include <gtest/gtest.h>

namespace longhaul::config {
namespace {

using Kind = PathSegment::Kind;

TEST(ParsePathPattern, Segments) {
  auto segments = ParsePathPattern("/hooks/{name}/x_y/{proxy+}");
  ASSERT_TRUE(segments.ok()) << segments.status().message();
  ASSERT_EQ(segments->size(), 4u);
  EXPECT_EQ((*segments)[0].kind, Kind::kLiteral);
  EXPECT_EQ((*segments)[0].text, "hooks");
  EXPECT_EQ((*segments)[1].kind, Kind::kParam);
  EXPECT_EQ((*segments)[1].text, "name");
  EXPECT_EQ((*segments)[2].kind, Kind::kLiteral);
  EXPECT_EQ((*segments)[3].kind, Kind::kGreedy);
  EXPECT_EQ((*segments)[3].text, "proxy");
}

TEST(ParsePathPattern, RootHasNoSegments) {
  auto segments = ParsePathPattern("/");
  ASSERT_TRUE(segments.ok());
  EXPECT_TRUE(segments->empty());
  EXPECT_EQ(PatternShape(*segments), "/");
}

TEST(ParsePathPattern, Rejects) {
  for (const char* bad :
       {"", "hooks", "//", "/a//b", "/a/", "/{}", "/{+}", "/{a b}", "/a{b}", "/{a}b", "/}",
        "/{x+}/y", "/{x}/{x}", "/{x}/{x+}", "/a?b", "/a#b", "/a b", "/{1x}", "/{a-b}", "/a/../b",
        "/./b", "/a/%2E%2e", "/a/.%2e/b",
        // QA: one LONGHAUL_PARAM_A for both; a request naming it is refused (400).
        "/y/{a}/{A}", "/x/..\\y", "/x/%5C..", "/x/a%2F..",
        // QA: requests for these are refused (400), so the route could never match.
        "/a/%zz", "/a/b%", "/a/%2"}) {
    auto segments = ParsePathPattern(bad);
    EXPECT_FALSE(segments.ok()) << bad;
  }
  EXPECT_EQ(ParsePathPattern("/y/{a}/{A}").status().message(),
            "parameter 'A' appears twice (as 'a'): names are told apart without case");
  for (const char* fine : {"/x/..y", "/x/a\\b", "/x/.well-known", "/a/%25zz", "/caf%C3%a9"}) {
    EXPECT_TRUE(ParsePathPattern(fine).ok()) << fine;
  }
}

TEST(PatternShape, ErasesNames) {
  EXPECT_EQ(PatternShape(*ParsePathPattern("/a/{x}/{rest+}")), "/a/{}/{+}");
  EXPECT_EQ(PatternShape(*ParsePathPattern("/a/{y}/{z+}")), "/a/{}/{+}");
}

// A literal matches a request as written or percent-decoded: routes that differ only in how
// their literals are encoded match the same requests.
TEST(PatternShape, DecodesLiterals) {
  EXPECT_EQ(PatternShape(*ParsePathPattern("/caf%C3%A9/{x}")),
            PatternShape(*ParsePathPattern("/café/{y}")));
  EXPECT_TRUE(ParsePathPattern("/a/.b/..c").ok());
  // An encoded '/' is part of one segment: not the same as two.
  EXPECT_NE(PatternShape(*ParsePathPattern("/files/a%2Fb")),
            PatternShape(*ParsePathPattern("/files/a/b")));
  // A literal brace is no parameter (QA: /x/%7B%7D was called a duplicate of /x/{b}).
  EXPECT_NE(PatternShape(*ParsePathPattern("/x/%7B%7D")),
            PatternShape(*ParsePathPattern("/x/{b}")));
  EXPECT_NE(PatternShape(*ParsePathPattern("/x/%7B+%7D")),
            PatternShape(*ParsePathPattern("/x/{b+}")));
}

}  // namespace
}  // namespace longhaul::config
