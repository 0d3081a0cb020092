#include "hooks/webhook_mode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "testing/temp_dir.h"

namespace longhaul::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(GoFlagsToCli11, RewritesKnownSingleDashFlags) {
  std::vector<std::string> names = {"hooks", "port", "verbose", "http-methods"};
  EXPECT_THAT(GoFlagsToCli11({"-hooks", "a.json", "--hooks=b.yaml", "-port=0", "-verbose", "-x",
                              "-unknown", "value", "-http-methods", "POST,GET"},
                             names),
              ElementsAre("--hooks", "a.json", "--hooks=b.yaml", "--port=0", "--verbose", "-x",
                          "-unknown", "value", "--http-methods", "POST,GET"));
  EXPECT_THAT(GoFlagsToCli11({"--", "-hooks"}, names), ElementsAre("--", "-hooks"));
  // Go's "-urlprefix=" is an empty value, not a missing one.
  EXPECT_THAT(GoFlagsToCli11({"-http-methods=", "-port", "0"}, names),
              ElementsAre("--http-methods", "", "--port", "0"));
}

TEST(ParseHeaderFlag, NameEqualsValue) {
  auto h = ParseHeaderFlag("X-Powered-By=longhaul=yes");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "X-Powered-By");
  EXPECT_EQ(h->second, "longhaul=yes");
  EXPECT_FALSE(ParseHeaderFlag("novalue"));
  EXPECT_FALSE(ParseHeaderFlag("=x"));
  EXPECT_FALSE(ParseHeaderFlag("X-A=a\r\nX-B: b"));
  EXPECT_FALSE(ParseHeaderFlag("Bad Name=x"));
}

TEST(WebhookMode, LoadAndReload) {
  testing::TempDir dir;
  std::string file = dir.File("hooks.yaml");
  std::ofstream(file) << "- id: one\n  execute-command: /bin/true\n";
  WebhookOptions opts;
  opts.hooks_files = {file};
  opts.admin = "127.0.0.1:0";
  opts.port = 0;
  auto mode = WebhookMode::Load(opts, {});
  ASSERT_TRUE(mode.ok()) << mode.status().message();
  ASSERT_EQ((*mode)->config()->routes.size(), 1u);
  EXPECT_EQ((*mode)->log_level(), base::LogLevel::kWarn);

  // Nothing changed: nothing to do.
  EXPECT_EQ((*mode)->Reload(true), nullptr);
  std::ofstream(file) << "- id: one\n  execute-command: /bin/true\n"
                         "- id: two\n  execute-command: /bin/true\n";
  auto next = (*mode)->Reload(false);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->routes.size(), 2u);
  // A broken file keeps the hooks that were loaded.
  std::ofstream(file) << "- id: [\n";
  EXPECT_EQ((*mode)->Reload(false), nullptr);
  EXPECT_EQ((*mode)->config()->routes.size(), 2u);
}

// Each file reloads on its own, as upstream's do: a broken one keeps its previous hooks, and
// does not hold back another file's changes.
TEST(WebhookMode, ABrokenFileDoesNotHoldBackTheOthers) {
  testing::TempDir dir;
  const std::string a = dir.File("a.yaml");
  const std::string b = dir.File("b.yaml");
  std::ofstream(a) << "- id: one\n  execute-command: /bin/true\n";
  std::ofstream(b) << "- id: two\n  execute-command: /bin/true\n";
  WebhookOptions opts;
  opts.hooks_files = {a, b};
  opts.admin = "127.0.0.1:0";
  opts.port = 0;
  auto mode = WebhookMode::Load(opts, {});
  ASSERT_TRUE(mode.ok()) << mode.status().message();

  std::ofstream(a) << "- id: one\n  execute-command: [\n";
  std::ofstream(b) << "- id: two\n  execute-command: /bin/true\n"
                      "- id: three\n  execute-command: /bin/true\n";
  auto next = (*mode)->Reload(false);
  ASSERT_NE(next, nullptr) << "b.yaml's change was held back by a.yaml";
  std::vector<std::string> paths;
  for (const config::Route& r : next->routes) paths.push_back(r.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_THAT(paths, ElementsAre("/hooks/one", "/hooks/three", "/hooks/two"));

  // An id the other file already has is refused: everything stays as it was.
  std::ofstream(a) << "- id: two\n  execute-command: /bin/true\n";
  EXPECT_EQ((*mode)->Reload(false), nullptr);
  EXPECT_EQ((*mode)->config()->routes.size(), 3u);
}

TEST(WebhookMode, LoadErrors) {
  testing::TempDir dir;
  WebhookOptions opts;
  opts.admin = "127.0.0.1:0";
  opts.hooks_files = {dir.File("missing.json")};
  auto missing = WebhookMode::Load(opts, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("(cannot read hooks file " + dir.File("missing.json")));

  std::ofstream(dir.File("empty.json")) << "[]";
  opts.hooks_files = {dir.File("empty.json")};
  auto empty = WebhookMode::Load(opts, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("-nopanic"));
  opts.nopanic = true;
  EXPECT_TRUE(WebhookMode::Load(opts, {}).ok());
}

}  // namespace
}  // namespace longhaul::hooks
