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

// What ends a line for readers that split on more than LF (Python's splitlines(), editors):
// DEL, the C1 controls (NEL) and the line and paragraph separators (QA: a request path with a
// NEL split its log line in two there). Other characters of the same lead bytes pass.
TEST(AppendJsonEscaped, EscapesOtherLineBreaks) {
  EXPECT_EQ(Escaped("a\x7f"
                    "b"),
            "[a\\u007fb");
  EXPECT_EQ(Escaped("x\xc2\x85y\xc2\x9f"), "[x\\u0085y\\u009f");
  EXPECT_EQ(Escaped("1\xe2\x80\xa8"
                    "2\xe2\x80\xa9"
                    "3"),
            "[1\\u20282\\u20293");
  EXPECT_EQ(Escaped("\xc2\xa9 \xe2\x80\x94 \xe2\x9c\x93"), "[\xc2\xa9 \xe2\x80\x94 \xe2\x9c\x93");
  EXPECT_EQ(Escaped("cut\xc2"), "[cut\xc2");  // a lead byte at the end: not UTF-8, kept
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

// Events anyone can cause are logged at most once a second, with how many were held back.
TEST(LogThrottle, OneLineASecond) {
  LogThrottle throttle;
  uint64_t held = 99;
  EXPECT_TRUE(throttle.Allow(10'000, &held));
  EXPECT_EQ(held, 0u);
  EXPECT_FALSE(throttle.Allow(10'001, &held));
  EXPECT_FALSE(throttle.Allow(10'999, &held));
  EXPECT_TRUE(throttle.Allow(11'000, &held));
  EXPECT_EQ(held, 2u);
  EXPECT_FALSE(throttle.Allow(11'500, &held));
  EXPECT_TRUE(throttle.Allow(20'000, &held));
  EXPECT_EQ(held, 1u);
}

// A text line is valid UTF-8 whatever a value holds (grep, journald): bytes that are not become
// U+FFFD, as in the JSON format.
TEST(Logger, TextLinesAreUtf8) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  {
    Logger log(LogFormat::kText, LogLevel::kInfo, out);
    log.Warn("job.dead", {{"output", "bad\xff byte, caf\xc3\xa9"}});
  }
  std::fclose(out);
  std::string line(text, size);
  std::free(text);
  EXPECT_NE(line.find(" job.dead output=\"bad\xef\xbf\xbd byte, caf\xc3\xa9\"\n"),
            std::string::npos)
      << line;
}

// JSON lines write integer fields as numbers (`jq '.attempt > 1'`), the rest as strings, even
// when a string holds only digits; a text line shows both alike.
TEST(Logger, JsonLinesHaveNumbersForNumberFields) {
  for (LogFormat format : {LogFormat::kJson, LogFormat::kText}) {
    char* text = nullptr;
    size_t size = 0;
    std::FILE* out = open_memstream(&text, &size);
    ASSERT_NE(out, nullptr);
    {
      Logger log(format, LogLevel::kInfo, out);
      log.Warn("job.retrying", {{"job", "42"}, {"attempt", "2", true}, {"pid", "-1", true}});
    }
    std::fclose(out);
    std::string line(text, size);
    std::free(text);
    EXPECT_NE(line.find(format == LogFormat::kJson
                            ? R"("event":"job.retrying","job":"42","attempt":2,"pid":-1})"
                            : " job.retrying job=42 attempt=2 pid=-1\n"),
              std::string::npos)
        << line;
  }
}

}  // namespace
}  // namespace longhaul::base
