#include "config/function_key.h"

#include <gtest/gtest.h>

namespace longhaul::config {
namespace {

TEST(FunctionAccessKey, NoneWhenTheInvokeApiTakesAnyCaller) {
  EXPECT_FALSE(FunctionAccessKey(Server{}).has_value());
}

TEST(FunctionAccessKey, FollowsTheConfiguredSecrets) {
  Server token;
  token.admin_token = "tok";
  std::optional<AccessKey> a = FunctionAccessKey(token);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->id.size(), 20u);
  EXPECT_EQ(a->id.substr(0, 4), "LHFN");
  EXPECT_EQ(a->secret.size(), 64u);
  EXPECT_EQ(a->id, FunctionAccessKey(token)->id) << "the same after a restart";
  EXPECT_EQ(a->secret, FunctionAccessKey(token)->secret);
  EXPECT_EQ(a->secret.find("tok"), std::string::npos);

  Server other = token;
  other.admin_token = "tok2";
  EXPECT_NE(FunctionAccessKey(other)->secret, a->secret) << "a new token, a new key";
  Server keys = token;
  keys.lambda_access_keys = {{"AKID", "s"}};
  EXPECT_NE(FunctionAccessKey(keys)->secret, a->secret);
  EXPECT_NE(FunctionAccessKey(keys)->id, a->id);
}

}  // namespace
}  // namespace longhaul::config
