#include "ingest/prefer.h"

#include <gtest/gtest.h>

#include "base/duration.h"

namespace longhaul::ingest {
namespace {

TEST(ParsePrefer, RespondAsync) {
  EXPECT_TRUE(ParsePrefer("respond-async").respond_async);
  EXPECT_TRUE(ParsePrefer("handling=lenient, Respond-Async").respond_async);
  EXPECT_FALSE(ParsePrefer("return=minimal").respond_async);
}

TEST(ParsePrefer, Wait) {
  auto p = ParsePrefer("respond-async, wait=10");
  EXPECT_TRUE(p.respond_async);
  ASSERT_TRUE(p.wait.has_value());
  EXPECT_EQ(p.wait->count(), 10'000);
  EXPECT_EQ(ParsePrefer("wait=\"3\"").wait->count(), 3000);
  EXPECT_FALSE(ParsePrefer("wait=abc").wait.has_value());
  EXPECT_FALSE(ParsePrefer("wait=-1").wait.has_value());
  EXPECT_FALSE(ParsePrefer("").wait.has_value());
}

// Regression (found by fuzz/http_request_fuzz): wait=999999999999999999 overflowed int64 when
// converted to milliseconds (undefined behaviour; the handler could see a negative wait).
TEST(ParsePrefer, HugeWaitIsClampedNotOverflowed) {
  for (const char* header : {"wait=999999999999999999", "wait=9223372036854775807"}) {
    auto p = ParsePrefer(header);
    ASSERT_TRUE(p.wait.has_value()) << header;
    EXPECT_EQ(*p.wait, base::kMaxDuration) << header;
  }
  EXPECT_FALSE(ParsePrefer("wait=9223372036854775808").wait.has_value());  // not an int64
}

}  // namespace
}  // namespace longhaul::ingest
