// server.lambda_access_keys: the SigV4 keys of the Invoke API.
#include <gtest/gtest.h>

#include "config/config.h"

namespace longhaul::config {
namespace {

TEST(LambdaAccessKeys, ReadsAMappingWithSubstitutedSecrets) {
  EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "LAMBDA_SECRET") return std::string("s3cret");
    return std::nullopt;
  };
  auto loaded = LoadConfigText(
      "server:\n"
      "  lambda_access_keys:\n"
      "    AKIDLOCAL: ${LAMBDA_SECRET}\n"
      "    AKIDOTHER: plain\n",
      "longhaul.yaml", env);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const auto& keys = (*loaded)->server.lambda_access_keys;
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.at("AKIDLOCAL"), "s3cret");
  EXPECT_EQ(keys.at("AKIDOTHER"), "plain");
}

TEST(LambdaAccessKeys, DefaultIsEmptyAndAListIsRefused) {
  EnvLookup env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto plain = LoadConfigText("server:\n  threads: 1\n", "longhaul.yaml", env);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_TRUE((*plain)->server.lambda_access_keys.empty());
  auto bad = LoadConfigText("server:\n  lambda_access_keys: [a, b]\n", "longhaul.yaml", env);
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace longhaul::config
