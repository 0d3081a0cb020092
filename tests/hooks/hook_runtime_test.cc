#include "hooks/hook_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/base64.h"
#include "hooks/hooks_file.h"
#include "testing/fake_clock.h"
#include "testing/server_process.h"
#include "testing/temp_dir.h"

namespace longhaul::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

Hook ParseOne(const std::string& yaml) {
  auto parsed = ParseHooks(yaml, "h.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return parsed.ok() ? parsed->hooks[0] : Hook{};
}

store::Request JsonRequest(std::string body) {
  store::Request r;
  r.method = "POST";
  r.path = "/hooks/h";
  r.headers = {{"Content-Type", "application/json"}, {"X-Token", "t0k"}};
  r.remote_addr = "127.0.0.1";
  r.body = std::move(body);
  return r;
}

TEST(PlanCommand, ArgumentsEnvironmentAndFiles) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/deploy
  pass-arguments-to-command:
    - {source: payload, name: ref}
    - {source: payload, name: missing}
    - {source: string, name: --verbose}
    - {source: header, name: x-token}
  pass-environment-to-command:
    - {source: payload, name: head_commit.id}
    - {source: payload, name: ref, envname: REF}
    - {source: payload, name: missing}
  pass-file-to-command:
    - {source: entire-payload, envname: PAYLOAD}
    - {source: payload, name: data, base64decode: true}
    - {source: payload, name: missing}
)");
  store::Request req =
      JsonRequest(R"({"ref": "main", "head_commit": {"id": "abc"}, "data": "aGk="})");
  auto values = ParseRequest(req, hook);
  ASSERT_TRUE(values.ok());
  auto plan = PlanCommand(hook, *values);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  // A missing argument keeps its place as "" (upstream); missing env and files are left out.
  EXPECT_THAT(plan->argv, ElementsAre("/bin/deploy", "main", "", "--verbose", "t0k"));
  EXPECT_THAT(plan->env, ElementsAre(Pair("HOOK_head_commit.id", "abc"), Pair("REF", "main")));
  ASSERT_EQ(plan->files.size(), 2u);
  EXPECT_EQ(plan->files[0].env_name, "PAYLOAD");
  EXPECT_THAT(plan->files[0].data, HasSubstr(R"("ref":"main")"));
  EXPECT_EQ(plan->files[1].env_name, "HOOK_DATA");
  EXPECT_EQ(plan->files[1].data, "hi");
  EXPECT_EQ(plan->notes.size(), 3u);
}

// The command gets a payload's numbers as they were sent, as webhook passes them (its decoder
// keeps each number's text): not "inf" for 1e400, not a rounded 12345678901234567000000.
TEST(PlanCommand, NumbersReachTheCommandAsSent) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/run
  pass-arguments-to-command:
    - {source: payload, name: huge}
    - {source: payload, name: big}
    - {source: payload, name: one}
    - {source: payload, name: f}
    - {source: payload, name: e3}
    - {source: entire-payload}
  pass-environment-to-command:
    - {source: payload, name: huge, envname: HUGE}
  pass-file-to-command:
    - {source: entire-payload, envname: PAYLOAD}
)");
  auto values = ParseRequest(
      JsonRequest(
          R"({"huge": 1e400, "big": 12345678901234567890123, "one": 1, "f": -2.5, "e3": 1e3})"),
      hook);
  ASSERT_TRUE(values.ok());
  auto plan = PlanCommand(hook, *values);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  const std::string payload =
      R"({"big":12345678901234567890123,"e3":1e3,"f":-2.5,"huge":1e400,"one":1})";
  EXPECT_THAT(plan->argv, ElementsAre("/bin/run", "1e400", "12345678901234567890123", "1", "-2.5",
                                      "1e3", payload));
  EXPECT_THAT(plan->env, ElementsAre(Pair("HUGE", "1e400")));
  ASSERT_EQ(plan->files.size(), 1u);
  EXPECT_EQ(plan->files[0].data, payload);
}

TEST(PlanCommand, Base64WrappedOverLinesIsDecoded) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/true
  pass-file-to-command:
    - {source: payload, name: data, envname: F, base64decode: true}
)");
  // 100 bytes of 'x' as GNU base64 writes them: lines of 76 characters (JSON-escaped here).
  std::string wrapped = base::Base64Encode(std::string(100, 'x'));
  wrapped = wrapped.substr(0, 76) + "\\n" + wrapped.substr(76) + "\\r\\n";
  auto values = ParseRequest(JsonRequest(R"({"data": ")" + wrapped + R"("})"), hook);
  ASSERT_TRUE(values.ok());
  auto plan = PlanCommand(hook, *values);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->files.size(), 1u);
  EXPECT_EQ(plan->files[0].data, std::string(100, 'x'));
  EXPECT_TRUE(plan->notes.empty());
}

TEST(PlanCommand, RefusesPathTraversalInFileNames) {
  Hook hook = ParseOne("- id: h\n  execute-command: /bin/true\n");
  ValueRef f;
  f.source = ValueRef::Source::kRawBody;
  f.envname = "../../tmp/owned";
  hook.files.push_back(f);  // as if it slipped past the loader
  auto values = ParseRequest(JsonRequest("{}"), hook);
  ASSERT_TRUE(values.ok());
  auto plan = PlanCommand(hook, *values);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), base::Code::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("refusing file name"));
}

TEST(ResolveCommand, TheWorkingDirectoryElsePath) {
  testing::TempDir dir;
  std::string script = dir.File("local.sh");
  std::ofstream(script) << "#!/bin/sh\n";
  ::chmod(script.c_str(), 0755);
  EXPECT_EQ(ResolveCommand("/bin/sh", dir.path(), "/usr/bin:/bin"), "/bin/sh");
  // Named by its absolute path, as webhook does (a script's $0 then works from anywhere).
  EXPECT_EQ(ResolveCommand("./local.sh", dir.path(), "/usr/bin:/bin"), script);
  EXPECT_EQ(ResolveCommand("local.sh", dir.path(), "/nonexistent"), script);
  EXPECT_EQ(ResolveCommand("sub/../local.sh", dir.path(), "/nonexistent"), script);
  // With a working directory there is no PATH search, even for a name PATH has.
  EXPECT_EQ(ResolveCommand("sh", dir.path(), "/bin"), dir.File("sh"));
  EXPECT_EQ(ResolveCommand("nothere", dir.path(), "/bin"), dir.File("nothere"));
  // A relative working directory is the server's.
  EXPECT_EQ(ResolveCommand("x.sh", "wd", "/bin"),
            (std::filesystem::current_path() / "wd/x.sh").string());
  // Without one, PATH.
  EXPECT_EQ(ResolveCommand("sh", "", "/nonexistent:/bin"), "/bin/sh");
  EXPECT_EQ(ResolveCommand("sub/x.sh", "", "/bin"), "sub/x.sh");
  EXPECT_EQ(ResolveCommand("nothere", "", "/bin"), "nothere");
}

class HookRuntimeTest : public ::testing::Test {
 protected:
  runtime::Outcome Run(const Hook& hook, store::Request req,
                       base::Duration timeout = std::chrono::seconds(20)) {
    auto hooks = std::make_shared<const HookSet>(std::vector<Hook>{hook});
    runtime_.SetHooks(hooks);
    auto cfg = std::make_shared<config::Config>();
    config::Function fn;
    fn.name = hook.id;
    fn.timeout = timeout;
    fn.command.kill_grace = std::chrono::milliseconds(200);
    cfg->functions.push_back(fn);
    runtime::Invocation inv;
    inv.job_id = "J1";
    inv.config = cfg;
    inv.function = &cfg->functions[0];
    inv.request = std::move(req);
    inv.deadline = clock_.Now() + timeout;
    runtime::CancelToken cancel;
    return runtime_.Run(inv, cancel);
  }

  base::SystemClock clock_;
  base::Logger log_{base::LogFormat::kText, base::LogLevel::kError};
  HookRuntime runtime_{clock_, log_};
  testing::TempDir dir_;
};

TEST_F(HookRuntimeTest, RunsWithArgumentsEnvironmentFilesAndCombinedOutput) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/sh
  command-working-directory: )" +
                       dir_.path() + R"Y(
  success-http-response-code: 201
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'echo "arg=$1 env=$REF dir=$(pwd)"; echo oops >&2; cat "$PAYLOAD"; echo "$PAYLOAD" > files.txt; echo "job=$LONGHAUL_JOB_ID"'}
    - {source: string, name: sh}
    - {source: payload, name: ref}
  pass-environment-to-command:
    - {source: payload, name: ref, envname: REF}
  pass-file-to-command:
    - {source: raw-request-body, envname: PAYLOAD}
)Y");
  runtime::Outcome out = Run(hook, JsonRequest(R"({"ref": "main"})"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString() << "\n" << out.stdout_tail;
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.body, "arg=main env=main dir=" + dir_.path() + "\noops\n" +
                                   R"({"ref": "main"})" + "job=J1\n");
  // The temp file was private and is gone.
  std::ifstream f(dir_.File("files.txt"));
  std::string path;
  std::getline(f, path);
  EXPECT_THAT(path, HasSubstr("/longhaul-hook-"));
  EXPECT_THAT(path, HasSubstr("/PAYLOAD"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(path).parent_path()));
}

// argv[0] is the command as written when the PATH found it, as webhook passes it (QA: it was
// /usr/bin/sh where webhook gives sh); a command given with a directory keeps its path.
TEST_F(HookRuntimeTest, ACommandFoundInThePathIsItsOwnArgvZero) {
  for (const std::string command : {"sh", "/bin/sh"}) {
    Hook hook = ParseOne(R"(
- id: h
  execute-command: )" + command +
                         R"Y(
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'head -c 100 /proc/$$/cmdline | tr "\\0" " "'}
)Y");
    runtime::Outcome out = Run(hook, JsonRequest("{}"));
    ASSERT_TRUE(out.status.ok()) << out.status.ToString() << "\n" << out.stdout_tail;
    EXPECT_THAT(out.response.body, ::testing::StartsWith(command + " -c ")) << command;
  }
}

// As in webhook: two files of one variable name are two files, and the variable names the last.
TEST_F(HookRuntimeTest, TwoFilesOfOneNameAreBothWritten) {
  Hook hook = ParseOne(R"Y(
- id: h
  execute-command: /bin/sh
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'cat "$HOOK_TOKEN"; ls "$(dirname "$HOOK_TOKEN")" | wc -l'}
  pass-file-to-command:
    - {source: header, name: token}
    - {source: payload, name: token}
)Y");
  store::Request req = JsonRequest(R"({"token": "from-payload"})");
  req.headers.emplace_back("Token", "from-header");
  runtime::Outcome out = Run(hook, req);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString() << "\n" << out.stdout_tail;
  EXPECT_EQ(out.response.body, "from-payload2\n");
}

// exec would cut a value at a NUL: the command would get less than a rule checked. As in
// webhook, it does not run.
TEST_F(HookRuntimeTest, AValueWithANulByteIsNotPassed) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/sh
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'touch ran'}
    - {source: payload, name: a}
  command-working-directory: )" +
                       dir_.path() + "\n");
  runtime::Outcome out = Run(hook, JsonRequest(R"({"a": "x\u0000y"})"));
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument) << out.status.ToString();
  EXPECT_THAT(out.status.message(), HasSubstr("argument 3 contains a NUL byte"));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("ran")));
}

// A hook's `nohup server &` outlives the hook, as in webhook (deploy hooks restart servers so).
TEST_F(HookRuntimeTest, WhatAHookStartsInTheBackgroundKeepsRunning) {
  const std::string marker = dir_.File("alive");
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/sh
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'nohup sh -c "sleep 0.2; echo alive > $0" >/dev/null 2>&1 & echo started'}
    - {source: string, name: ')" +
                       marker + "'}\n");
  runtime::Outcome out = Run(hook, JsonRequest("{}"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "started\n");
  EXPECT_TRUE(testing::Eventually([&] { return std::filesystem::exists(marker); }))
      << "the background process was killed with the hook";
}

TEST_F(HookRuntimeTest, UnknownSuccessCodeIsStoredAs200) {
  Hook hook =
      ParseOne("- id: h\n  execute-command: /bin/true\n  success-http-response-code: 999\n");
  runtime::Outcome out = Run(hook, JsonRequest("{}"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 200);
}

TEST_F(HookRuntimeTest, FailureKeepsTheOutput) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/sh
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'echo partial; exit 3'}
)");
  runtime::Outcome out = Run(hook, JsonRequest("{}"));
  EXPECT_EQ(out.status.code(), base::Code::kUnknown);
  EXPECT_EQ(out.status.message(), "exit status 3");
  EXPECT_EQ(out.stdout_tail, "partial\n");
}

TEST_F(HookRuntimeTest, MissingCommandAndUnloadedHook) {
  Hook hook = ParseOne("- id: h\n  execute-command: /nonexistent/deploy --now\n");
  runtime::Outcome out = Run(hook, JsonRequest("{}"));
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
  EXPECT_THAT(out.status.message(), HasSubstr("pass-arguments-to-command"));

  runtime_.SetHooks(std::make_shared<const HookSet>());
  auto cfg = std::make_shared<config::Config>();
  cfg->functions.emplace_back();
  cfg->functions[0].name = "gone";
  runtime::Invocation inv;
  inv.config = cfg;
  inv.function = &cfg->functions[0];
  inv.deadline = clock_.Now() + std::chrono::seconds(5);
  runtime::CancelToken cancel;
  EXPECT_EQ(runtime_.Run(inv, cancel).status.code(), base::Code::kInvalidArgument);
}

TEST_F(HookRuntimeTest, Timeout) {
  Hook hook = ParseOne(R"(
- id: h
  execute-command: /bin/sh
  pass-arguments-to-command:
    - {source: string, name: -c}
    - {source: string, name: 'sleep 30'}
)");
  runtime::Outcome out = Run(hook, JsonRequest("{}"), std::chrono::milliseconds(300));
  EXPECT_EQ(out.status.code(), base::Code::kDeadlineExceeded);
}

}  // namespace
}  // namespace longhaul::hooks
