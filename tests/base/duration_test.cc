#include "base/duration.h"

#include <gtest/gtest.h>

namespace longhaul::base {
namespace {

TEST(ParseDuration, Units) {
  EXPECT_EQ(ParseDuration("500ms")->count(), 500);
  EXPECT_EQ(ParseDuration("30s")->count(), 30'000);
  EXPECT_EQ(ParseDuration("15m")->count(), 900'000);
  EXPECT_EQ(ParseDuration("6h")->count(), 21'600'000);
  EXPECT_EQ(ParseDuration("1h30m")->count(), 5'400'000);
  EXPECT_EQ(ParseDuration("2d")->count(), 172'800'000);
}

TEST(ParseDuration, BareNumberNeedsAUnitUnlessGiven) {
  EXPECT_EQ(ParseDuration("5").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDuration("5", std::chrono::seconds(1))->count(), 5000);
}

TEST(ParseDuration, Rejects) {
  for (const char* bad : {"", "s", "10x", "-5s", "1.5s", "10 s"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

// Each refusal says what is wrong with the value, not only what a duration looks like.
TEST(ParseDuration, SaysWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"1.5h", "whole numbers only (write 1h30m, or 1500ms)"},
      {"30S", "units are lower case: ms, s, m, h or d"},
      {"10x", "unknown unit 'x' (expected ms, s, m, h or d)"},
      {"5", "a unit (ms, s, m, h, d) is required"},
      {"-5s", "it is negative"},
      {"-x", "expected a number followed by ms, s, m, h or d"},
      {"9223372036854775807ms", "longer than the maximum of 36500d"},
      {"soon", "expected a number followed by ms, s, m, h or d"},
      // QA: 1h1h (a typo for 1h1m) passed as 2h.
      {"1h1h", "each unit at most once, the largest first (as in 1h30m)"},
      {"30s1m", "each unit at most once, the largest first (as in 1h30m)"},
      {"1s500ms1s", "each unit at most once, the largest first (as in 1h30m)"},
  };
  for (const auto& [text, why] : cases) {
    auto r = ParseDuration(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().message(), "invalid duration '" + std::string(text) + "': " + why) << text;
  }
}

// Regression (found by fuzz/config_fuzz): "999999999999999d" overflowed int64 (undefined
// behaviour) and could come back negative; so could a long sum of terms.
TEST(ParseDuration, RejectsWhatWouldOverflow) {
  for (const char* bad : {"999999999999999d", "106751991167d", "36501d", "36500d1ms",
                          "999999999999999h999999999999999h"}) {
    auto r = ParseDuration(bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  auto bare = ParseDuration("999999999999999", std::chrono::seconds(1));
  EXPECT_EQ(bare.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDuration("36500d")->count(), kMaxDuration.count());
  EXPECT_EQ(ParseDuration("35000d1000d501d").status().code(), Code::kInvalidArgument);
}

TEST(FormatDuration, Shortest) {
  EXPECT_EQ(FormatDuration(Duration(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(Duration(90'000)), "90s");
  EXPECT_EQ(FormatDuration(Duration(3'600'000)), "1h");
}

TEST(ParseSize, Units) {
  EXPECT_EQ(*ParseSize("10MiB"), 10u * 1024 * 1024);
  EXPECT_EQ(*ParseSize("1024"), 1024u);
  EXPECT_EQ(*ParseSize("1KB"), 1000u);
  EXPECT_FALSE(ParseSize("ten").ok());
  EXPECT_FALSE(ParseSize("1XB").ok());
}

// Regression: 99999999999999GiB wrapped around 2^64 to a small, wrong limit.
TEST(ParseSize, RejectsWhatWouldWrap) {
  EXPECT_FALSE(ParseSize("99999999999999GiB").ok());
  EXPECT_EQ(*ParseSize("999999999999999"), 999'999'999'999'999u);
  EXPECT_EQ(*ParseSize("999999999GiB"), 999'999'999ull * 1024 * 1024 * 1024);
}

}  // namespace
}  // namespace longhaul::base
