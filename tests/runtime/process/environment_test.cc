#include "runtime/process/environment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace longhaul::runtime::process {
namespace {

TEST(EnvName, UppercasesAndReplacesOtherBytes) {
  EXPECT_EQ(EnvName("X-GitHub-Event"), "X_GITHUB_EVENT");
  EXPECT_EQ(EnvName("proxy+"), "PROXY_");
  EXPECT_EQ(EnvName("a.b c9"), "A_B_C9");
  EXPECT_EQ(EnvName("\xc3\xa9"), "__");
}

TEST(DecodeQuery, DecodesPartsInOrder) {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(DecodeQuery(""), Pairs{});
  EXPECT_EQ(DecodeQuery("a=1&b=x%20y+z&&flag&c%3D=%zz%4"),
            (Pairs{{"a", "1"}, {"b", "x y z"}, {"flag", ""}, {"c=", "%zz%4"}}));
  EXPECT_EQ(DecodeQuery("k=a=b"), (Pairs{{"k", "a=b"}}));
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(BuildEnvironment, LaterSourcesWinAndEachNameAppearsOnce) {
  config::Function fn;
  fn.name = "fn";
  fn.environment = {{"A", "fn"}, {"LONGHAUL_JOB_ID", "spoofed"}};
  fn.command.pass_headers = {"x-token", "X-Token"};
  Invocation inv;
  inv.job_id = "job";
  inv.interrupted = 2;
  inv.function = &fn;
  inv.deadline = base::FromUnixMs(1'700'000'000'123);
  inv.request.headers = {{"X-Token", "t1"}, {"x-token", "t2"}};
  std::vector<std::string> env =
      BuildEnvironment(InheritableEnvironment({"A=base", "B=base", "=odd", "noeq"}), inv);
  EXPECT_EQ(Sorted(env), Sorted({
                             "A=fn",
                             "B=base",
                             "LONGHAUL_JOB_ID=job",
                             "LONGHAUL_ATTEMPT=1",
                             "LONGHAUL_INTERRUPTED=2",
                             "LONGHAUL_FUNCTION=fn",
                             "LONGHAUL_METHOD=",
                             "LONGHAUL_PATH=",
                             "LONGHAUL_QUERY=",
                             "LONGHAUL_REMOTE_ADDR=",
                             "LONGHAUL_DEADLINE_MS=1700000000123",
                             "LONGHAUL_HEADER_X_TOKEN=t1,t2",
                         }));
}

// An environment cannot carry a NUL: such a value has no variable (the raw query keeps it).
TEST(BuildEnvironment, AQueryValueHoldingANulHasNoVariable) {
  config::Function fn;
  fn.name = "fn";
  Invocation inv;
  inv.function = &fn;
  inv.request.query = "who=you&utm=a%00b";
  std::vector<std::string> env = BuildEnvironment({}, inv);
  EXPECT_NE(std::find(env.begin(), env.end(), "LONGHAUL_QUERY_WHO=you"), env.end());
  EXPECT_NE(std::find(env.begin(), env.end(), "LONGHAUL_QUERY=who=you&utm=a%00b"), env.end());
  for (const std::string& entry : env)
    EXPECT_FALSE(entry.starts_with("LONGHAUL_QUERY_UTM")) << entry;
}

TEST(BuildEnvironment, InheritedDuplicatesKeepTheLastAndLonghaulNamesAreNeverInherited) {
  config::Function fn;
  fn.name = "fn";
  Invocation inv;
  inv.job_id = "job";
  inv.function = &fn;
  std::vector<std::string> env = BuildEnvironment(
      InheritableEnvironment({"B=1", "A=first", "LONGHAUL_JOB_ID=inherited", "A=last", "C=x=y"}),
      inv);
  std::vector<std::string> inherited;
  for (const std::string& e : env) {
    if (e.rfind("LONGHAUL_", 0) != 0) inherited.push_back(e);
  }
  EXPECT_EQ(Sorted(inherited), Sorted({"A=last", "B=1", "C=x=y"}));
  EXPECT_EQ(std::count(env.begin(), env.end(), "LONGHAUL_JOB_ID=job"), 1);
  EXPECT_EQ(std::count(env.begin(), env.end(), "LONGHAUL_JOB_ID=inherited"), 0);
}

// `secret: ${GITHUB_SECRET}` must not hand the secret to every function with the server's
// environment: a variable holding one of the config's secrets is not inherited.
TEST(BuildEnvironment, VariablesHoldingTheConfigsSecretsAreNotInherited) {
  auto config = std::make_shared<config::Config>();
  config::Route route;
  route.secret = "gh-secret";
  config->routes.push_back(route);
  config->server.admin_token = "admin-token";
  config->server.lambda_access_keys = {{"AKID", "key-secret"}};
  config::Function fn;
  fn.name = "fn";
  fn.environment = {{"MINE", "gh-secret"}};  // what the function is given on purpose stays
  Invocation inv;
  inv.config = config;
  inv.function = &fn;
  std::vector<std::string> env =
      BuildEnvironment(InheritableEnvironment({"GITHUB_SECRET=gh-secret", "TOKEN=admin-token",
                                               "K=key-secret", "PATH=/bin", "NEAR=gh-secret2"}),
                       inv);
  std::vector<std::string> inherited;
  for (const std::string& e : env) {
    if (e.rfind("LONGHAUL_", 0) != 0) inherited.push_back(e);
  }
  EXPECT_EQ(Sorted(inherited), Sorted({"MINE=gh-secret", "NEAR=gh-secret2", "PATH=/bin"}));
}

// A variable that holds only part of a secret (`secret: whsec_${KEY}`: KEY is the whole signing
// key) is not inherited either: the config remembers which variables its secrets were made of.
TEST(BuildEnvironment, VariablesInsideTheConfigsSecretsAreNotInherited) {
  const std::map<std::string, std::string> vars = {{"STD_KEY", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                                                   {"TOKEN_PART", "abc"},
                                                   {"AK", "k1"},
                                                   {"UPSTREAM", "http://127.0.0.1:9"}};
  auto config = config::LoadConfigText(
      "server:\n"
      "  admin_token: \"t-${TOKEN_PART}\"\n"
      "  lambda_access_keys: {AKID: \"s-${AK}\"}\n"
      "functions:\n"
      "  fn: {runtime: http, url: \"${UPSTREAM}\"}\n"
      "routes:\n"
      "  - {path: /std, function: fn, provider: standard, secret: \"whsec_${STD_KEY}\"}\n",
      "test.yaml", [&](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
      });
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ((*config)->secret_variables, (std::set<std::string>{"AK", "STD_KEY", "TOKEN_PART"}));
  Invocation inv;
  inv.config = *config;
  inv.function = &(*config)->functions[0];
  std::vector<std::string> env = BuildEnvironment(
      InheritableEnvironment({"STD_KEY=MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "TOKEN_PART=abc", "AK=k1",
                              "UPSTREAM=http://127.0.0.1:9", "PATH=/bin"}),
      inv);
  std::vector<std::string> inherited;
  for (const std::string& e : env) {
    if (e.rfind("LONGHAUL_", 0) != 0) inherited.push_back(e);
  }
  EXPECT_EQ(Sorted(inherited), Sorted({"UPSTREAM=http://127.0.0.1:9", "PATH=/bin"}));
}

}  // namespace
}  // namespace longhaul::runtime::process
