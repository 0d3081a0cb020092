#include "config/admin_access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "testing/temp_dir.h"

namespace longhaul::config {
namespace {

using ::testing::HasSubstr;

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Only the admin address and token are read: a route's secret whose variable the operator's
// shell does not have is no obstacle (it lives in the server's environment).
TEST(ReadAdminAccess, ReadsTheAdminKeysAlone) {
  testing::TempDir dir;
  std::ofstream(dir.File("c.yaml")) << "server:\n"
                                       "  admin: 127.0.0.1:${ADMIN_PORT}\n"
                                       "  admin_token: ${LONGHAUL_ADMIN_TOKEN}\n"
                                       "routes:\n"
                                       "  - {path: /gh, function: f, provider: github,\n"
                                       "     secret: \"${GITHUB_SECRET}\"}\n";
  auto access = ReadAdminAccess(dir.File("c.yaml"),
                                MapEnv({{"ADMIN_PORT", "9001"}, {"LONGHAUL_ADMIN_TOKEN", "tok"}}));
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->admin.host, "127.0.0.1");
  EXPECT_EQ(access->admin.port, 9001);
  EXPECT_EQ(access->token, "tok");

  auto unset = ReadAdminAccess(dir.File("c.yaml"), MapEnv({{"ADMIN_PORT", "9001"}}));
  ASSERT_FALSE(unset.ok());
  EXPECT_THAT(unset.status().message(), HasSubstr(dir.File("c.yaml") + ":3: server.admin_token: "));
  EXPECT_THAT(unset.status().message(), HasSubstr("LONGHAUL_ADMIN_TOKEN"));
  // The token from elsewhere ($LONGHAUL_ADMIN_TOKEN): the config's is not read.
  auto address_only =
      ReadAdminAccess(dir.File("c.yaml"), MapEnv({{"ADMIN_PORT", "9001"}}), true, false);
  ASSERT_TRUE(address_only.ok()) << address_only.status().ToString();
  EXPECT_EQ(address_only->admin.port, 9001);
  EXPECT_EQ(address_only->token, "");
}

TEST(ReadAdminAccess, DefaultsAndErrors) {
  testing::TempDir dir;
  std::ofstream(dir.File("none.yaml")) << "functions: {}\n";
  auto defaults = ReadAdminAccess(dir.File("none.yaml"), MapEnv({}));
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->admin.port, 8081);
  EXPECT_EQ(defaults->token, "");

  EXPECT_EQ(ReadAdminAccess(dir.File("missing.yaml"), MapEnv({})).status().code(),
            base::Code::kNotFound);
  std::ofstream(dir.File("bad.yaml")) << "server:\n  admin: nowhere\n";
  auto bad = ReadAdminAccess(dir.File("bad.yaml"), MapEnv({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("server.admin"));

  // A file that is no config at all gives no defaults: the command would go to whatever
  // answers on 8081 (QA).
  std::ofstream(dir.File("empty.yaml")) << "# nothing yet\n";
  auto empty = ReadAdminAccess(dir.File("empty.yaml"), MapEnv({}));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(),
            dir.File("empty.yaml") + ":1: the file is empty; expected longhaul's config");
  std::ofstream(dir.File("list.yaml")) << "- a\n";
  EXPECT_THAT(ReadAdminAccess(dir.File("list.yaml"), MapEnv({})).status().message(),
              HasSubstr("list.yaml:1: expected a mapping"));
  std::ofstream(dir.File("quote.yaml")) << "server:\n  admin: \"127.0.0.1:9\n";
  EXPECT_THAT(
      ReadAdminAccess(dir.File("quote.yaml"), MapEnv({})).status().message(),
      HasSubstr("quote.yaml:2: invalid YAML: the quoted value that starts here has no closing"));
}

}  // namespace
}  // namespace longhaul::config
