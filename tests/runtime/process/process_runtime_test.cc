#include "runtime/process/process_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/process/child_process.h"
#include "runtime/process/supervisor.h"
#include "testing/temp_dir.h"

namespace longhaul::runtime::process {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using testing::ReadFile;

// Polls `done` until it holds or `limit` passes; the limit only bounds a failing test.
bool WaitFor(const std::function<bool()>& done, std::chrono::steady_clock::duration limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// True when `pid` no longer runs. A zombie counts as gone: its reaper (PID 1 in a container)
// may never collect it.
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return true;
  }
  size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size()) {
    return false;
  }
  char state = line[paren + 2];
  return state == 'Z' || state == 'X';
}

// The pid the command wrote to `path`, or -1.
pid_t ReadPid(const std::string& path) {
  std::string text = ReadFile(path);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) {
    return -1;
  }
  return static_cast<pid_t>(std::stol(text));
}

std::map<std::string, std::string> ParseEnv(const std::string& text) {
  std::map<std::string, std::string> env;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) {
      env[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return env;
}

class ProcessRuntimeTest : public ::testing::Test {
 protected:
  ProcessRuntimeTest() {
    fn_.name = "worker";
    fn_.kind = config::RuntimeKind::kCommand;
    fn_.timeout = seconds(30);
    fn_.command.kill_grace = milliseconds(200);
    inv_.job_id = "01JD0000000000000000000000";
    inv_.attempt = 2;
    inv_.function = &fn_;
    inv_.request.method = "POST";
    inv_.request.path = "/hooks/github";
  }

  // Runs `argv` with the request body `body`; the deadline is `timeout` from now.
  Outcome Run(std::vector<std::string> argv, std::string body = "") {
    fn_.command.argv = std::move(argv);
    inv_.request.body = std::move(body);
    inv_.deadline = clock_.Now() + fn_.timeout;
    return runtime_.Run(inv_, cancel_);
  }

  base::SystemClock clock_;
  ProcessRuntime runtime_{clock_, {"PATH=/usr/bin:/bin", "BASE_VAR=from-server"}};
  testing::TempDir dir_;
  config::Function fn_;
  Invocation inv_;
  CancelToken cancel_;
};

TEST_F(ProcessRuntimeTest, EchoesBodyOnStdin) {
  Outcome out = Run({"/bin/sh", "-c", "cat"}, "hello\nworld");
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(out.response.body, "hello\nworld");
}

// A plain output is labelled as what it is: JSON, text, or bytes.
TEST_F(ProcessRuntimeTest, APlainResultHasTheContentTypeOfWhatItIs) {
  const std::pair<std::string, std::string> cases[] = {
      {R"( {"result": 42})", "application/json"},
      {"[1,2]\n", "application/json"},
      {"id,name\n1,a\n", "text/plain; charset=utf-8"},
      {"{not json", "text/plain; charset=utf-8"},
      {std::string("\x89PNG\r\n\x1a\n\xff", 9), "application/octet-stream"},
  };
  for (const auto& [body, type] : cases) {
    Outcome out = Run({"/bin/cat"}, body);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(out.response.headers, (store::Headers{{"Content-Type", type}})) << body;
  }
  Outcome empty = Run({"/bin/true"});
  EXPECT_TRUE(empty.response.headers.empty());
}

TEST_F(ProcessRuntimeTest, LooksUpArgv0InPath) {
  Outcome out = Run({"echo", "plain"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "plain\n");
}

// A function's own PATH is where its programs are found, as `env PATH=... cmd` would.
TEST_F(ProcessRuntimeTest, LooksUpArgv0InTheFunctionsOwnPath) {
  std::filesystem::create_directory(dir_.File("tools"));
  {
    std::ofstream script(dir_.File("tools/lh-only-here"));
    script << "#!/bin/sh\necho found-in-tools\n";
  }
  std::filesystem::permissions(dir_.File("tools/lh-only-here"), std::filesystem::perms::owner_all);
  Outcome out = Run({"lh-only-here"});
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);  // not in the server's PATH
  EXPECT_THAT(out.status.message(), HasSubstr("cannot execute lh-only-here"));

  fn_.environment = {{"PATH", dir_.File("tools") + ":/usr/bin:/bin"}};
  out = Run({"lh-only-here"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "found-in-tools\n");
  out = Run({"echo", "still"});  // the rest of its PATH
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "still\n");

  fn_.environment = {{"PATH", "/nonexistent"}};
  out = Run({"echo", "x"});
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(out.status.message(), "cannot execute echo: not found in the PATH of its environment");
}

TEST_F(ProcessRuntimeTest, ExportsRequestMetadata) {
  fn_.environment = {{"FN_VAR", "from-config"}, {"BASE_VAR", "overridden"}};
  fn_.command.pass_headers = {"X-GitHub-Event", "X-Missing"};
  inv_.request.query = "a=1&b=x%20y&b=z&c+d=e+f";
  inv_.request.remote_addr = "10.0.0.7";
  inv_.request.path_params = {{"name", "github"}, {"proxy+", "a/b"}};
  inv_.request.headers = {{"x-github-event", "push"}, {"Authorization", "secret"}};
  Outcome out = Run({"/bin/sh", "-c", "env"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  std::map<std::string, std::string> env = ParseEnv(out.response.body);
  EXPECT_EQ(env["LONGHAUL_JOB_ID"], inv_.job_id);
  EXPECT_EQ(env["LONGHAUL_ATTEMPT"], "2");
  EXPECT_EQ(env["LONGHAUL_FUNCTION"], "worker");
  EXPECT_EQ(env["LONGHAUL_METHOD"], "POST");
  EXPECT_EQ(env["LONGHAUL_PATH"], "/hooks/github");
  EXPECT_EQ(env["LONGHAUL_QUERY"], "a=1&b=x%20y&b=z&c+d=e+f");
  EXPECT_EQ(env["LONGHAUL_REMOTE_ADDR"], "10.0.0.7");
  EXPECT_EQ(env["LONGHAUL_DEADLINE_MS"], std::to_string(base::ToUnixMs(inv_.deadline)));
  EXPECT_EQ(env["LONGHAUL_PARAM_NAME"], "github");
  EXPECT_EQ(env["LONGHAUL_PARAM_PROXY_"], "a/b");
  EXPECT_EQ(env["LONGHAUL_QUERY_A"], "1");
  EXPECT_EQ(env["LONGHAUL_QUERY_B"], "x y,z");
  EXPECT_EQ(env["LONGHAUL_QUERY_C_D"], "e f");
  EXPECT_EQ(env["LONGHAUL_HEADER_X_GITHUB_EVENT"], "push");
  EXPECT_EQ(env.count("LONGHAUL_HEADER_X_MISSING"), 0u);
  EXPECT_EQ(env.count("LONGHAUL_HEADER_AUTHORIZATION"), 0u);
  EXPECT_EQ(env["FN_VAR"], "from-config");
  EXPECT_EQ(env["BASE_VAR"], "overridden");
  EXPECT_EQ(env["PATH"], "/usr/bin:/bin");
}

TEST_F(ProcessRuntimeTest, RunsInWorkingDir) {
  fn_.working_dir = dir_.path();
  Outcome out = Run({"/bin/pwd", "-P"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, std::filesystem::canonical(dir_.path()).string() + "\n");
  // $PWD says so too, not the server's directory (Node's and Python's code reads it).
  Outcome pwd = Run({"/usr/bin/printenv", "PWD"});
  ASSERT_TRUE(pwd.status.ok()) << pwd.status.ToString();
  EXPECT_EQ(pwd.response.body,
            std::filesystem::path(dir_.path()).lexically_normal().string() + "\n");
}

TEST_F(ProcessRuntimeTest, RelativeArgv0IsResolvedInWorkingDir) {
  {
    std::ofstream script(dir_.File("run.sh"));
    script << "#!/bin/sh\necho from-script\n";
  }
  std::filesystem::permissions(dir_.File("run.sh"), std::filesystem::perms::owner_all);
  fn_.working_dir = dir_.path();
  Outcome out = Run({"./run.sh"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "from-script\n");
}

// A relative program path that the working directory does not have is the start directory's
// (config README: "found from the function's working_dir, else from that same start directory").
TEST_F(ProcessRuntimeTest, RelativeArgv0NotInWorkingDirIsTheStartDirectorys) {
  std::filesystem::create_directories(dir_.File("scripts"));
  {
    std::ofstream script(dir_.File("scripts/run.sh"));
    script << "#!/bin/sh\necho from-start-dir\n";
  }
  std::filesystem::permissions(dir_.File("scripts/run.sh"), std::filesystem::perms::owner_all);
  // Deep enough that the same relative path from there cannot reach the script.
  fn_.working_dir = dir_.File("w/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16");
  std::filesystem::create_directories(fn_.working_dir);
  const std::string relative =
      std::filesystem::relative(dir_.File("scripts/run.sh"), std::filesystem::current_path());
  ASSERT_NE(relative.front(), '/');
  Outcome out = Run({relative});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString() << " " << relative;
  EXPECT_EQ(out.response.body, "from-start-dir\n");
}

TEST_F(ProcessRuntimeTest, NonZeroExitIsUnknownWithOutput) {
  Outcome out = Run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(out.status.code(), base::Code::kUnknown);
  EXPECT_EQ(out.status.message(), "exit status 3");
  EXPECT_EQ(out.stdout_tail, "out\n");
  EXPECT_EQ(out.stderr_tail, "err\n");
}

TEST_F(ProcessRuntimeTest, DeathBySignalIsUnknown) {
  Outcome out = Run({"/bin/sh", "-c", "kill -9 $$"});
  EXPECT_EQ(out.status.code(), base::Code::kUnknown);
  EXPECT_EQ(out.status.message(), "killed by signal 9");
}

TEST_F(ProcessRuntimeTest, MissingExecutableIsInvalidArgument) {
  Outcome out = Run({"./does-not-exist"});
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(out.status.message(), "cannot execute ./does-not-exist: No such file or directory");
  out = Run({"no-such-command-anywhere"});
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
}

// A program still being written (a deploy) cannot be executed yet: that attempt fails, and
// is retried (kUnavailable), unlike a program that is not there at all.
TEST_F(ProcessRuntimeTest, AProgramBeingWrittenIsUnavailable) {
  const std::string program = dir_.File("deploying");
  std::FILE* writing = std::fopen(program.c_str(), "w");
  ASSERT_NE(writing, nullptr);
  std::fputs("#!/bin/sh\necho hi\n", writing);
  std::fflush(writing);
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  Outcome out = Run({program});
  EXPECT_EQ(out.status.code(), base::Code::kUnavailable) << out.status.ToString();
  EXPECT_THAT(out.status.message(), HasSubstr("Text file busy"));
  std::fclose(writing);
  out = Run({program});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "hi\n");
}

TEST_F(ProcessRuntimeTest, MissingWorkingDirIsInvalidArgument) {
  fn_.working_dir = dir_.File("missing");
  Outcome out = Run({"/bin/true"});
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
  EXPECT_THAT(out.status.message(), HasSubstr("cannot change to working directory"));
}

TEST_F(ProcessRuntimeTest, TimeoutKillsTheWholeProcessGroup) {
  fn_.timeout = milliseconds(500);
  std::string pidfile = dir_.File("pid");
  Outcome out = Run({"/bin/sh", "-c", "sleep 1000 & echo $! > " + pidfile + "; wait"});
  EXPECT_EQ(out.status.code(), base::Code::kDeadlineExceeded);
  EXPECT_EQ(out.status.message(), "timed out after 500ms");
  pid_t grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(grandchild); }, seconds(10)));
}

// Descendants that left the command's process group (coreutils `timeout` calls setpgid,
// `setsid` starts a session) are stopped with it: they would run on beside the next attempt.
TEST_F(ProcessRuntimeTest, TimeoutStopsDescendantsThatLeftTheGroup) {
  fn_.timeout = milliseconds(500);
  std::string session = dir_.File("session");
  std::string group = dir_.File("group");
  Outcome out = Run({"/bin/sh", "-c",
                     "setsid sleep 1000 & echo $! > " + session +
                         "; timeout 1000 sleep 1001 & echo $! > " + group + "; wait"});
  EXPECT_EQ(out.status.code(), base::Code::kDeadlineExceeded);
  for (const std::string& pidfile : {session, group}) {
    pid_t escaped = ReadPid(pidfile);
    ASSERT_GT(escaped, 0) << pidfile;
    EXPECT_TRUE(WaitFor([&] { return ProcessGone(escaped); }, seconds(10))) << pidfile;
  }
}

TEST_F(ProcessRuntimeTest, TimeoutEscalatesToSigkillAfterGrace) {
  fn_.timeout = milliseconds(500);
  std::string pidfile = dir_.File("pid");
  // Ignored signals are inherited, so neither the shell nor the sleep stops on SIGTERM.
  Outcome out =
      Run({"/bin/sh", "-c", "trap '' TERM; sleep 1000 & echo $! > " + pidfile + "; wait; wait"});
  EXPECT_EQ(out.status.code(), base::Code::kDeadlineExceeded);
  pid_t grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(grandchild); }, seconds(10)));
}

TEST_F(ProcessRuntimeTest, LeftoverProcessesAreKilledWhenTheCommandExits) {
  std::string pidfile = dir_.File("pid");
  Outcome out = Run({"/bin/sh", "-c", "sleep 1000 & echo $! > " + pidfile + "; echo done"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "done\n");
  pid_t grandchild = ReadPid(pidfile);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(WaitFor([&] { return ProcessGone(grandchild); }, seconds(10)));
}

// `setsid worker &` as a command's last line: setsid may still be starting, in the group, when
// the command exits. What leaves the group within leave_group_grace is left running (here the
// worker leaves only after the command has exited, so the kill at exit would always catch it).
TEST_F(ProcessRuntimeTest, WhatLeavesTheGroupAsTheCommandExitsIsLeftRunning) {
  std::string pidfile = dir_.File("pid");
  SpawnOptions spawn;
  spawn.argv = {
      "/bin/sh", "-c",
      "(sleep 0.2; exec setsid sleep 1000 >/dev/null 2>&1 </dev/null) & echo $! > " + pidfile};
  base::Result<ChildProcess> child = ChildProcess::Spawn(spawn);
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  SuperviseOptions options;
  options.deadline = base::TimePoint::max();
  options.leave_group_grace = seconds(60);  // the wait ends once the group is empty
  SuperviseResult run = Supervise(*child, options, clock_, cancel_);
  EXPECT_EQ(run.stopped, StopReason::kNone);
  pid_t worker = ReadPid(pidfile);
  ASSERT_GT(worker, 0);
  EXPECT_FALSE(ProcessGone(worker));
  EXPECT_NE(getpgid(worker), child->pid());
  kill(worker, SIGKILL);
}

TEST_F(ProcessRuntimeTest, CancelStopsTheCommand) {
  std::string started = dir_.File("started");
  Outcome out;
  std::thread runner([&] {
    out = Run({"/bin/sh", "-c", "echo yes > " + started + "; exec sleep 1000"});
  });
  EXPECT_TRUE(WaitFor([&] { return std::filesystem::exists(started); }, seconds(10)));
  cancel_.Cancel();
  runner.join();
  EXPECT_EQ(out.status.code(), base::Code::kCancelled);
}

TEST_F(ProcessRuntimeTest, CancelledBeforeStartDoesNotSpawn) {
  cancel_.Cancel();
  std::string marker = dir_.File("ran");
  Outcome out = Run({"/bin/sh", "-c", "touch " + marker});
  EXPECT_EQ(out.status.code(), base::Code::kCancelled);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(ProcessRuntimeTest, OutputIsCappedHeadOfStdoutTailOfStderr) {
  fn_.command.output_limit = 1000;
  Outcome out = Run({"/bin/sh", "-c",
                     "echo first; head -c 300000 /dev/zero | tr '\\0' a; "
                     "head -c 300000 /dev/zero | tr '\\0' b >&2; echo last >&2"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.response.body.size(), 1000u);
  EXPECT_EQ(out.response.body.substr(0, 6), "first\n");
  EXPECT_EQ(out.response.body.back(), 'a');
  ASSERT_EQ(out.stderr_tail.size(), 1000u);
  EXPECT_EQ(out.stderr_tail.substr(995), "last\n");
  EXPECT_EQ(out.stderr_tail.front(), 'b');
  // The cut result says so.
  EXPECT_EQ(out.response.headers, (store::Headers{{"Content-Type", "text/plain; charset=utf-8"},
                                                  {"X-Longhaul-Result-Truncated", "1000"}}));

  Outcome whole = Run({"/bin/sh", "-c", "echo small"});
  EXPECT_EQ(whole.response.headers, (store::Headers{{"Content-Type", "text/plain; charset=utf-8"}}))
      << "a result that fits is not marked";
}

// A failed command's log keeps how its stdout ended, where the error usually is.
TEST_F(ProcessRuntimeTest, AFailuresStdoutTailIsTheEndOfStdout) {
  fn_.command.output_limit = 1000;
  Outcome out = Run({"/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; echo error; exit 1"});
  EXPECT_EQ(out.status.code(), base::Code::kUnknown);
  ASSERT_EQ(out.stdout_tail.size(), 1000u);
  EXPECT_EQ(out.stdout_tail.substr(994), "error\n");
}

TEST_F(ProcessRuntimeTest, BigStdinWhileChildWritesLotsDoesNotDeadlock) {
  fn_.command.output_limit = 16 * 1024 * 1024;
  std::string body(6 * 1024 * 1024, 'x');
  for (size_t i = 0; i < body.size(); i += 4096) {
    body[i] = static_cast<char>('a' + (i / 4096) % 26);
  }
  // cat echoes as it reads; the stderr writer fills the other pipe at the same time.
  Outcome out = Run({"/bin/sh", "-c", "head -c 2000000 /dev/zero >&2 & cat; wait"}, body);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_TRUE(out.response.body == body) << out.response.body.size();
  EXPECT_EQ(out.stderr_tail.size(), 2000000u);
}

TEST_F(ProcessRuntimeTest, ChildThatWritesBeforeReadingDoesNotDeadlock) {
  std::string body(4 * 1024 * 1024, 'y');
  Outcome out = Run({"/bin/sh", "-c", "head -c 3000000 /dev/zero; wc -c"}, body);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  ASSERT_EQ(out.response.body.size(), 1024u * 1024u);  // the default output_limit
}

TEST_F(ProcessRuntimeTest, ChildThatIgnoresStdinIsFine) {
  std::string body(8 * 1024 * 1024, 'z');
  Outcome out = Run({"/bin/sh", "-c", "echo ignored"}, body);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "ignored\n");
}

TEST_F(ProcessRuntimeTest, StdinNoneIsDevNull) {
  fn_.command.stdin_mode = config::CommandRuntime::Stdin::kNone;
  Outcome out = Run({"/bin/sh", "-c", "cat; echo end"}, "not sent");
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "end\n");
}

TEST_F(ProcessRuntimeTest, StdinEventIsJson) {
  fn_.command.stdin_mode = config::CommandRuntime::Stdin::kEvent;
  inv_.request.query = "x=1";
  inv_.request.headers = {{"Content-Type", "application/json"}};
  inv_.request.path_params = {{"name", "github"}};
  Outcome out = Run({"/bin/sh", "-c", "cat"}, "{\"a\":1}");
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  boost::system::error_code ec;
  boost::json::value event = boost::json::parse(out.response.body, ec);
  ASSERT_FALSE(ec) << out.response.body;
  const boost::json::object& obj = event.as_object();
  EXPECT_EQ(obj.at("id").as_string(), inv_.job_id);
  EXPECT_EQ(obj.at("attempt").as_int64(), 2);
  EXPECT_EQ(obj.at("function").as_string(), "worker");
  EXPECT_EQ(obj.at("method").as_string(), "POST");
  EXPECT_EQ(obj.at("path").as_string(), "/hooks/github");
  EXPECT_EQ(obj.at("query").as_string(), "x=1");
  EXPECT_EQ(obj.at("headers").at("content-type").as_string(), "application/json");
  EXPECT_EQ(obj.at("pathParameters").at("name").as_string(), "github");
  EXPECT_EQ(obj.at("body").as_string(), "{\"a\":1}");
  EXPECT_EQ(obj.at("isBase64Encoded").as_bool(), false);
}

TEST_F(ProcessRuntimeTest, StatusCodeJsonIsMappedToTheResponse) {
  Outcome out = Run({"/bin/sh", "-c",
                     "printf '%s' '{\"statusCode\":201,\"headers\":{\"X-A\":\"b\"},"
                     "\"body\":\"aGk=\",\"isBase64Encoded\":true}'"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.headers, (store::Headers{{"X-A", "b"}}));
  EXPECT_EQ(out.response.body, "hi");
}

// From the Invoke API the output is the payload as it is, as a Lambda function's result is:
// a statusCode in it is the caller's to read.
TEST_F(ProcessRuntimeTest, AnInvokeGetsStatusCodeJsonAsItIs) {
  const std::string printed = R"({"statusCode":404,"headers":{"X-A":"b"},"body":"nf"})";
  inv_.route = "invoke";
  Outcome out = Run({"/bin/sh", "-c", "printf '%s' '" + printed + "'"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(out.response.body, printed);
  // Even one that would not pass as a response.
  out = Run({"/bin/sh", "-c", "printf '%s' '{\"statusCode\":42}'"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.body, "{\"statusCode\":42}");
}

TEST_F(ProcessRuntimeTest, OtherJsonIsThePlainBody) {
  Outcome out = Run({"/bin/sh", "-c", "printf '%s' '{\"ok\":true}'"});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.response.status, 200);
  EXPECT_EQ(out.response.body, "{\"ok\":true}");
}

TEST_F(ProcessRuntimeTest, MalformedProxyResponseIsInvalidArgument) {
  Outcome out = Run({"/bin/sh", "-c", "printf '%s' '{\"statusCode\":42}'"});
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(out.stdout_tail, "{\"statusCode\":42}");
}

TEST_F(ProcessRuntimeTest, ConcurrentRunsAreIndependent) {
  constexpr int kRuns = 6;
  std::vector<Outcome> outs(kRuns);
  std::vector<std::thread> threads;
  config::Function fn = fn_;
  fn.command.argv = {"/bin/sh", "-c", "cat; echo \"$LONGHAUL_JOB_ID\""};
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      Invocation inv = inv_;
      inv.function = &fn;
      inv.job_id = "job" + std::to_string(i);
      inv.request.body = "body" + std::to_string(i) + ":";
      inv.deadline = clock_.Now() + seconds(30);
      outs[i] = runtime_.Run(inv, cancel_);
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_TRUE(outs[i].status.ok()) << outs[i].status.ToString();
    EXPECT_EQ(outs[i].response.body,
              "body" + std::to_string(i) + ":job" + std::to_string(i) + "\n");
  }
}

}  // namespace
}  // namespace longhaul::runtime::process
