#include "base/log.h"

#include <gtest/gtest.h>

#include <string>

namespace longhaul::base {
namespace {

std::string Escaped(std::string_view s) {
  std::string out = "[";
  AppendJsonEscaped(out, s);
  return out;
}

TEST(AppendJsonEscaped, PlainTextIsCopiedAsIs) {
  EXPECT_EQ(Escaped(""), "[");
  EXPECT_EQ(Escaped("application/json; charset=utf-8"), "[application/json; charset=utf-8");
  EXPECT_EQ(Escaped("caf\xc3\xa9"), "[caf\xc3\xa9");  // UTF-8 passes through
}

TEST(AppendJsonEscaped, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(Escaped("a\"b\\c"), "[a\\\"b\\\\c");
  EXPECT_EQ(Escaped("\n\r\t"), "[\\n\\r\\t");
  EXPECT_EQ(Escaped(std::string_view("x\0y\x1f", 4)), "[x\\u0000y\\u001f");
  EXPECT_EQ(Escaped("\"start and end\""), "[\\\"start and end\\\"");
}

TEST(AppendJsonEscaped, KeepsBytesThatAreNotUtf8) {
  EXPECT_EQ(Escaped("\xff\xfe"), "[\xff\xfe");  // the store's encodings round-trip
}

TEST(AppendJsonText, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  auto text = [](std::string_view s) {
    std::string out = "[";
    AppendJsonText(out, s);
    return out;
  };
  EXPECT_EQ(text("no route for /nope/\xff"), "[no route for /nope/\xef\xbf\xbd");
  EXPECT_EQ(text("\"\xc3\""), "[\\\"\xef\xbf\xbd\\\"");  // a cut sequence; escapes still apply
  EXPECT_EQ(text("caf\xc3\xa9"), "[caf\xc3\xa9");
}

}  // namespace
}  // namespace longhaul::base
