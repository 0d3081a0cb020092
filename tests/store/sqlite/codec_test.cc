#include "store/sqlite/internal/codec.h"

#include <gtest/gtest.h>

namespace longhaul::store::sqlite::internal {
namespace {

TEST(CodecTest, HeadersRoundTrip) {
  const Headers cases[] = {
      {},
      {{"A", "1"}},
      {{"X", "1"}, {"X", "2"}, {"Y", ""}},
      {{"Quote\"", "back\\slash"}, {"ctl", std::string("\0\x01\n\t", 4)}},
      {{"obs-text", "caf\xe9 \xff\xfe"}, {"utf8", "\xc3\xa9t\xc3\xa9"}},
  };
  for (const Headers& h : cases) {
    std::string json = EncodeHeaders(h);
    Headers back{{"stale", "x"}};
    ASSERT_TRUE(DecodeHeaders(json, back).ok()) << json;
    EXPECT_EQ(back, h) << json;
  }
  EXPECT_EQ(EncodeHeaders({{"A", "1"}, {"B", "2"}}), R"([["A","1"],["B","2"]])");
}

TEST(CodecTest, DamagedHeadersAreInternal) {
  Headers h;
  for (const char* bad : {"{", "{}", "[1]", "[[\"a\"]]", "[[\"a\",1]]", "[[\"a\",\"b\",\"c\"]]"}) {
    EXPECT_EQ(DecodeHeaders(bad, h).code(), base::Code::kInternal) << bad;
  }
}

TEST(CodecTest, Cursor) {
  for (int64_t seq : {int64_t{1}, int64_t{42}, int64_t{9007199254740993}}) {
    auto back = DecodeCursor(EncodeCursor(seq));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, seq);
  }
  for (const char* bad : {"", "s", "x12", "s-1", "s0", "s12x", "s99999999999999999999"}) {
    EXPECT_EQ(DecodeCursor(bad).status().code(), base::Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace longhaul::store::sqlite::internal
