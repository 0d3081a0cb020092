#include "ingest/prefer.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace longhaul::ingest
