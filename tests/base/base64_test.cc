#include "base/base64.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>

namespace longhaul::base {
namespace {

TEST(Base64, KnownValues) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zg"), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm8"), "fo");
  EXPECT_EQ(Base64Decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(Base64Decode(""), std::string());
  // URL-safe alphabet.
  EXPECT_EQ(Base64Decode("-_8="), Base64Decode("+/8="));
  EXPECT_EQ(Base64Decode("+/8="), std::string("\xfb\xff", 2));
}

TEST(Base64, Rejects) {
  for (const char* bad : {"Z", "Zg=", "Zg===", "Z===", "====", "=",
                          "Zm9v=", "Zm8==", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zm9v!", "Z=g=", "=Zg=",
                          // Non-zero unused bits (a second spelling of "f" and "fo").
                          "Zh==", "Zh", "Zm9=", "Zm9"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Base64, RandomRoundTrip) {
  std::mt19937 rng(42);
  for (int n = 0; n < 200; ++n) {
    std::string bytes;
    for (int i = 0; i < n; ++i) bytes.push_back(static_cast<char>(rng() & 0xff));
    std::string text = Base64Encode(bytes);
    EXPECT_EQ(Base64Decode(text), bytes);
    while (!text.empty() && text.back() == '=') text.pop_back();
    EXPECT_EQ(Base64Decode(text), bytes);
  }
}

}  // namespace
}  // namespace longhaul::base
