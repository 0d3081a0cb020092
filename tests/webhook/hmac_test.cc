#include "webhook/hmac.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace longhaul::webhook {
namespace {

// GitHub's published vector (docs: validating-webhook-deliveries); SHA-1 and SHA-512 of the same
// inputs were computed with Python's hmac module.
constexpr char kGithubSecret[] = "It's a Secret to Everybody";
constexpr char kGithubBody[] = "Hello, World!";

TEST(ComputeHmac, GithubPublishedVector) {
  auto mac = ComputeHmac(HashAlgorithm::kSha256, kGithubSecret, kGithubBody);
  ASSERT_TRUE(mac.ok()) << mac.status().ToString();
  EXPECT_EQ(HexEncode(*mac), "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(ComputeHmac, OtherAlgorithms) {
  auto sha1 = ComputeHmac(HashAlgorithm::kSha1, kGithubSecret, kGithubBody);
  ASSERT_TRUE(sha1.ok());
  EXPECT_EQ(HexEncode(*sha1), "01dc10d0c83e72ed246219cdd91669667fe2ca59");
  auto sha512 = ComputeHmac(HashAlgorithm::kSha512, kGithubSecret, kGithubBody);
  ASSERT_TRUE(sha512.ok());
  EXPECT_EQ(HexEncode(*sha512),
            "11ed355a617e98134e842012a7944ccf59c10256cb182357bd7e3a42013ff07c"
            "376f8c14cf5cc1923da20b51d64256b2fb8ebbf100aa67a61326f61fea8111bc");
}

TEST(ComputeHmac, PartsEqualConcatenation) {
  auto whole = ComputeHmac(HashAlgorithm::kSha256, "k", "1614265330.{\"id\":1}");
  auto parts = ComputeHmac(HashAlgorithm::kSha256, "k", {"1614265330", ".", "", "{\"id\":1}"});
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(*whole, *parts);
}

TEST(ComputeHmac, EmptyKeyAndMessage) {
  // RFC 2104 HMAC-SHA256 with empty key and message (well-known value).
  auto mac = ComputeHmac(HashAlgorithm::kSha256, "", "");
  ASSERT_TRUE(mac.ok()) << mac.status().ToString();
  EXPECT_EQ(HexEncode(*mac), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ComputeHmac, LongKeyIsHashedFirst) {
  std::string key(200, 'k');
  auto a = ComputeHmac(HashAlgorithm::kSha256, key, "m");
  auto b = ComputeHmac(HashAlgorithm::kSha256, key + "x", "m");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

TEST(Hex, RoundTripAndCase) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(HexDecode(HexEncode(all)), all);
  EXPECT_EQ(HexDecode("00ffAbcD"), std::string("\x00\xff\xab\xcd", 4));
  EXPECT_EQ(HexDecode(""), std::string());
}

TEST(Hex, Rejects) {
  for (const char* bad : {"0", "abc", "0g", "g0", " 00", "00 ", "0x00", "+1", "-1", "zz"}) {
    EXPECT_FALSE(HexDecode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(HexDecode(std::string("0\0", 2)).has_value());
}

TEST(MacEquals, ComparesLengthAndContents) {
  EXPECT_TRUE(MacEquals("abc", "abc"));
  EXPECT_FALSE(MacEquals("abc", "abd"));
  EXPECT_FALSE(MacEquals("abc", "ab"));
  EXPECT_FALSE(MacEquals("abc", "abcd"));
  EXPECT_FALSE(MacEquals("", ""));  // an empty MAC never authenticates
}

TEST(SecretEquals, ComparesWholeSecret) {
  EXPECT_TRUE(SecretEquals("s3cr3t-token_A", "s3cr3t-token_A"));
  EXPECT_FALSE(SecretEquals("s3cr3t-token_A", "s3cr3t-token_B"));
  EXPECT_FALSE(SecretEquals("s3cr3t-token_A", "s3cr3t-token_"));
  EXPECT_FALSE(SecretEquals("s3cr3t-token_A", ""));
  EXPECT_FALSE(SecretEquals("s3cr3t", std::string("s3cr3t\0", 7)));
}

}  // namespace
}  // namespace longhaul::webhook
