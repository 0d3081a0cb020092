#include "base/utf8.h"

#include <gtest/gtest.h>

namespace longhaul::base {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  for (std::string_view ok : {"", "plain", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
    EXPECT_EQ(ToValidUtf8(ok), ok);
  }
}

TEST(Utf8, RejectsAndReplacesMalformedBytes) {
  // A stray byte, an overlong '/', a surrogate, a code point past U+10FFFF, a cut sequence.
  for (std::string_view bad :
       {"a\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
    EXPECT_TRUE(IsValidUtf8(ToValidUtf8(bad))) << bad;
  }
  EXPECT_EQ(ToValidUtf8("a\xFF\xFE"
                        "b"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ToValidUtf8("caf\xC3\xA9\xC3"), "caf\xC3\xA9\xEF\xBF\xBD");
}

}  // namespace
}  // namespace longhaul::base
