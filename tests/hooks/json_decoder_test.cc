#include "hooks/json_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace longhaul::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DecodeJson, EachNumberIsTheIndexOfItsText) {
  NumberTexts numbers{"earlier"};
  auto v =
      DecodeJson(R"({"a": [1e400, -0, 12345678901234567890123], "b": {"c": 1.50}})", 64, numbers);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_THAT(numbers, ElementsAre("earlier", "1e400", "-0", "12345678901234567890123", "1.50"));
  const boost::json::array& a = v->at("a").as_array();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].as_uint64(), 1u);
  EXPECT_EQ(a[2].as_uint64(), 3u);
  EXPECT_EQ(v->at("b").at("c").as_uint64(), 4u);
}

TEST(DecodeJson, StringsKeysAndLiteralsAsAnyParser) {
  NumberTexts numbers;
  auto v = DecodeJson(R"({"k\u00e9y": "a\"b\n", "t": true, "f": false, "z": null, "k": 1,
                          "k": "later"})",
                      64, numbers);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->at("k\xc3\xa9y").as_string(), "a\"b\n");
  EXPECT_TRUE(v->at("t").as_bool());
  EXPECT_FALSE(v->at("f").as_bool());
  EXPECT_TRUE(v->at("z").is_null());
  EXPECT_EQ(v->at("k").as_string(), "later");  // a later duplicate key wins, as in Go
  // A top-level scalar, then bytes after the value that are not looked at, as Decode.
  numbers.clear();
  auto n = DecodeJson("  7e1 trailing", 64, numbers);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_THAT(numbers, ElementsAre("7e1"));
}

// Go's decoder makes each byte that is not UTF-8 a U+FFFD, in keys and strings alike (QA: a
// command got the raw \xff where webhook passes the replacement character).
TEST(DecodeJson, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  NumberTexts numbers;
  auto v = DecodeJson(
      "{\"k\xff\": \"a\xff\xfe"
      "b\", \"c\": \"\xe2\x82\"}",
      64, numbers);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->at("c").as_string(), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(v->at("k\xef\xbf\xbd").as_string(),
            "a\xef\xbf\xbd\xef\xbf\xbd"
            "b");
}

TEST(DecodeJson, RefusesWhatIsNotJsonOrNestsTooDeep) {
  NumberTexts numbers;
  for (const char* text : {"", "{", "{\"a\": }", "[1,]", "nul"}) {
    auto v = DecodeJson(text, 64, numbers);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_THAT(v.status().message(), HasSubstr("invalid JSON")) << text;
  }
  EXPECT_TRUE(DecodeJson(std::string(3, '[') + std::string(3, ']'), 3, numbers).ok());
  EXPECT_FALSE(DecodeJson(std::string(4, '[') + std::string(4, ']'), 3, numbers).ok());
}

}  // namespace
}  // namespace longhaul::hooks
