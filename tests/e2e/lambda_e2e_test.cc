// Black-box tests of `runtime: lambda` against the real binary: the C++ example bootstrap
// (examples/lambda-bootstrap-cpp), the shell example (examples/lambda-shell, needs curl) and
// small shell runtimes written by the tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void WriteExecutable(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  chmod(path.c_str(), 0755);
}

// A shell runtime: `body` runs for each invocation with EVENT, ID and API set, then `continue`s
// to the next one.
std::string ShellRuntime(const std::string& body) {
  return "#!/bin/bash\n"
         "API=\"http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\"\n"
         "H=$(mktemp)\n"
         "trap 'rm -f \"$H\"' EXIT\n"
         "while true; do\n"
         "  EVENT=$(curl -sS --fail -D \"$H\" \"$API/invocation/next\") || exit 1\n"
         "  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id \"$H\" | tr -d '[:space:]' | cut -d: "
         "-f2)\n" +
         body + "\ndone\n";
}

std::string EchoFunction() {
  return std::string(
             "functions:\n"
             "  echo:\n"
             "    runtime: lambda\n"
             "    bootstrap: ") +
         LONGHAUL_EXAMPLE_BOOTSTRAP +
         "\n"
         "    timeout: 10s\n"
         "    retries: 0\n"
         "routes:\n"
         "  - path: /echo/{name}\n"
         "    method: POST\n"
         "    function: echo\n"
         "    ack: sync\n";
}

TEST(LambdaE2E, ASyncRouteRunsTheCppBootstrapWarm) {
  ServerProcess server(EchoFunction());
  server.Start();
  auto r = server.Post("/echo/abc?x=1&x=2", R"({"a":1})",
                       {{"X-Test", "yes"}, {"Content-Type", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body << "\n" << server.Log();
  EXPECT_EQ(r->Header("Content-Type"), "application/json");
  std::string id = r->Header("X-Longhaul-Job-Id");
  EXPECT_EQ(JsonAt(r->body, "/requestId"), id);
  EXPECT_EQ(JsonAt(r->body, "/functionName"), "echo");
  EXPECT_EQ(JsonAt(r->body, "/event/version"), "2.0");
  EXPECT_EQ(JsonAt(r->body, "/event/routeKey"), "POST /echo/{name}");
  EXPECT_EQ(JsonAt(r->body, "/event/rawPath"), "/echo/abc");
  EXPECT_EQ(JsonAt(r->body, "/event/rawQueryString"), "x=1&x=2");
  EXPECT_EQ(JsonAt(r->body, "/event/queryStringParameters/x"), "1,2");
  EXPECT_EQ(JsonAt(r->body, "/event/pathParameters/name"), "abc");
  EXPECT_EQ(JsonAt(r->body, "/event/headers/x-test"), "yes");
  EXPECT_EQ(JsonAt(r->body, "/event/body"), R"({"a":1})");
  EXPECT_EQ(JsonAt(r->body, "/event/isBase64Encoded"), "false");
  EXPECT_EQ(JsonAt(r->body, "/event/requestContext/http/method"), "POST");
  EXPECT_EQ(JsonAt(r->body, "/event/requestContext/requestId"), id);
  std::string pid = JsonAt(r->body, "/pid");
  ASSERT_FALSE(pid.empty());

  auto again = server.Post("/echo/def", "second");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(JsonAt(again->body, "/pid"), pid) << "the warm process served both";
  // No Content-Type: base64, as an HTTP API sends any body that is not of a text type.
  EXPECT_EQ(JsonAt(again->body, "/event/body"), "c2Vjb25k");
  EXPECT_EQ(JsonAt(again->body, "/event/isBase64Encoded"), "true");

  auto job = server.AdminGet("/jobs/" + id);
  ASSERT_TRUE(job.ok());
  std::string log = JsonAt(job->body, "/stderr_tail");
  EXPECT_THAT(log, HasSubstr("START RequestId: " + id + " Version: $LATEST\n"));
  EXPECT_THAT(log, HasSubstr("echo " + id + "\n"));
  EXPECT_THAT(log, HasSubstr("END RequestId: " + id + "\nREPORT RequestId: " + id));
  // The peak RSS of the runtime process (VmHWM), in whole MiB.
  EXPECT_THAT(log, ::testing::ContainsRegex("Max Memory Used: [1-9][0-9]* MB"));
  EXPECT_EQ(JsonAt(job->body, "/stdout_tail"), "echo " + id + "\n");
}

// A request whose API Gateway event would be over Lambda's 6 MB (here 5 MB of binary: 6.7 MB
// as base64) could never be invoked: it is refused with 413 and nothing is stored (QA: it was
// stored and handed to the function).
TEST(LambdaE2E, ARequestWhoseEventWouldBeOverSixMegabytesIsRefused) {
  ServerProcess server(EchoFunction());
  server.Start();
  auto r = server.Post("/echo/big", std::string(5 * 1024 * 1024, '\xff'));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_THAT(r->body, HasSubstr("over Lambda's limit of 6291456 bytes")) << r->body;
  auto jobs = server.AdminGet("/jobs");
  ASSERT_TRUE(jobs.ok());
  EXPECT_THAT(jobs->body, HasSubstr(R"("jobs":[])")) << jobs->body;
  // Just under the limit (4 MB of binary: 5.3 MB as base64) it runs.
  auto ok = server.Post("/echo/big", std::string(4 * 1024 * 1024, '\xff'));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200) << ok->body.substr(0, 300);
}

// Sync callers beyond a Lambda function's concurrency wait in the queue, and each freed slot
// takes the next at once: an attempt answered early frees its slot without claiming, so the
// loop must be told (with a poll interval of an hour, a missed wake-up shows as a 504).
TEST(LambdaE2E, QueuedSyncCallersRunAsSlotsFree) {
  ServerProcess server(std::string("functions:\n"
                                   "  echo:\n"
                                   "    runtime: lambda\n"
                                   "    bootstrap: ") +
                           LONGHAUL_EXAMPLE_BOOTSTRAP +
                           "\n"
                           "    concurrency: 1\n"
                           "    retries: 0\n"
                           "routes:\n"
                           "  - path: /echo/{name}\n"
                           "    method: POST\n"
                           "    function: echo\n"
                           "    ack: sync\n",
                       "  poll_interval: 1h\n");
  server.Start();
  constexpr int kCallers = 4;
  std::vector<base::Result<http::ClientResponse>> answers(kCallers, base::Internal("not sent"));
  {
    std::vector<std::jthread> callers;
    for (int i = 0; i < kCallers; ++i) {
      callers.emplace_back(
          [&, i] { answers[i] = server.Post("/echo/n" + std::to_string(i), "x"); });
    }
  }
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(answers[i].ok()) << answers[i].status().ToString();
    EXPECT_EQ(answers[i]->status, 200) << i << ": " << answers[i]->body << "\n" << server.Log();
  }
}

TEST(LambdaE2E, TheInvokeApiGetsTheRawPayload) {
  ServerProcess server(EchoFunction());
  server.Start();
  auto r = server.AdminPost("/2015-03-31/functions/echo/invocations", R"({"direct":[1,2]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body << "\n" << server.Log();
  EXPECT_EQ(r->Header("X-Amz-Function-Error"), "");
  EXPECT_EQ(r->Header("X-Amz-Executed-Version"), "$LATEST");
  EXPECT_EQ(JsonAt(r->body, "/event"), R"({"direct":[1,2]})");
  EXPECT_EQ(JsonAt(r->body, "/requestId"), r->Header("x-amzn-RequestId"));
}

// A synchronous caller gets the function's answer before the job's record is written; whoever
// reads, lists, counts or cancels the jobs right after sees the record anyway, logs included.
TEST(LambdaE2E, AJobReadRightAfterItsAnswerShowsItsRecord) {
  ServerProcess server(EchoFunction());
  server.Start();
  for (int i = 0; i < 50; ++i) {
    auto r = server.AdminPost("/2015-03-31/functions/echo/invocations", R"({"n":1})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body << "\n" << server.Log();
    std::string id = r->Header("x-amzn-RequestId");
    auto job = server.AdminGet("/jobs/" + id);
    ASSERT_TRUE(job.ok());
    ASSERT_EQ(JsonAt(job->body, "/state"), "succeeded") << "invoke " << i << ": " << job->body;
    EXPECT_THAT(JsonAt(job->body, "/stderr_tail"), HasSubstr("END RequestId: " + id)) << i;
    auto result = server.AdminGet("/jobs/" + id + "/result");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->status, 200) << "invoke " << i << ": " << result->body;
  }
  // Nor does a list show it older than its caller saw it.
  for (int i = 0; i < 200; ++i) {
    auto r = server.AdminPost("/2015-03-31/functions/echo/invocations", R"({"n":3})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
    std::string id = r->Header("x-amzn-RequestId");
    auto list = server.AdminGet("/jobs?limit=1");
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(JsonAt(list->body, "/jobs/0/id"), id) << list->body;
    ASSERT_EQ(JsonAt(list->body, "/jobs/0/state"), "succeeded")
        << "invoke " << i << ": " << list->body;
  }
  // Nor does a route's count of pending jobs count one whose answer went out.
  for (int i = 0; i < 500; ++i) {
    auto r = server.Post("/echo/count", R"({"n":4})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
    auto routes = server.AdminGet("/routes");
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(JsonAt(routes->body, "/routes/0/pending_update_count"), "0")
        << "request " << i << ": " << routes->body;
  }
  // Nor is a job that has its answer cancelled as though it still ran.
  for (int i = 0; i < 300; ++i) {
    auto r = server.AdminPost("/2015-03-31/functions/echo/invocations", R"({"n":2})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << r->body;
    std::string id = r->Header("x-amzn-RequestId");
    auto cancel = server.AdminPost("/jobs/" + id + "/cancel");
    ASSERT_TRUE(cancel.ok());
    EXPECT_EQ(cancel->status, 409) << "invoke " << i << ": " << cancel->body;
    auto job = server.AdminGet("/jobs/" + id);
    ASSERT_TRUE(job.ok());
    ASSERT_EQ(JsonAt(job->body, "/state"), "succeeded") << "invoke " << i << ": " << job->body;
  }
}

TEST(LambdaE2E, TheShellExampleAnswersARoute) {
  ServerProcess server(std::string("functions:\n"
                                   "  shell-echo:\n"
                                   "    runtime: lambda\n"
                                   "    bootstrap: ./bootstrap\n"
                                   "    handler: function.handler\n"
                                   "    working_dir: ") +
                       LONGHAUL_SOURCE_DIR +
                       "/examples/lambda-shell\n"
                       "    timeout: 10s\n"
                       "    retries: 0\n"
                       "routes:\n"
                       "  - path: /shell\n"
                       "    method: POST\n"
                       "    function: shell-echo\n"
                       "    ack: sync\n");
  server.Start();
  auto r = server.Post("/shell", "hello");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body << "\n" << server.Log();
  EXPECT_EQ(r->Header("Content-Type"), "text/plain");
  EXPECT_THAT(r->body, HasSubstr("echo from process "));
  auto again = server.Post("/shell", "hello again");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body.substr(0, again->body.find(':')), r->body.substr(0, r->body.find(':')))
      << "same process: " << r->body << " / " << again->body;
  auto job = server.AdminGet("/jobs/" + r->Header("X-Longhaul-Job-Id"));
  EXPECT_THAT(JsonAt(job->body, "/stderr_tail"), HasSubstr("event: {\"version\":\"2.0\""));
}

// On a sync route, as behind API Gateway: one attempt (the function's retries are for
// asynchronous invocations), and the caller gets a 502 without the function's error text.
TEST(LambdaE2E, AFunctionErrorIsTheInvokeResultAndA502OnTheRoute) {
  TempDir dir;
  WriteExecutable(
      dir.File("bootstrap"),
      ShellRuntime("  echo 'Error: no can do' >&2; echo '    at handler (index.js:3)' >&2\n"
                   "  curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: "
                   "Function.Test' --data-binary "
                   "'{\"errorMessage\":\"no can do\",\"errorType\":\"TestError\"}' "
                   "\"$API/invocation/$ID/error\""));
  ServerProcess server(
      "functions:\n"
      "  failing:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") +
      "\n"
      "    retries: 2\n"
      "    retry_base: 10ms\n"
      "routes:\n"
      "  - path: /fail\n"
      "    method: POST\n"
      "    function: failing\n"
      "    ack: sync\n");
  server.Start();
  auto invoked = server.AdminPost("/2015-03-31/functions/failing/invocations", "{}");
  ASSERT_TRUE(invoked.ok());
  EXPECT_EQ(invoked->status, 200);
  EXPECT_EQ(invoked->Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_EQ(JsonAt(invoked->body, "/errorType"), "TestError");
  EXPECT_EQ(JsonAt(invoked->body, "/errorMessage"), "no can do");

  auto routed = server.Post("/fail", "x");
  ASSERT_TRUE(routed.ok());
  EXPECT_EQ(routed->status, 502);
  EXPECT_EQ(JsonAt(routed->body, "/error"),
            "the function failed (its error is in the job's record)");
  EXPECT_THAT(routed->body, Not(HasSubstr("no can do")));
  auto job = server.AdminGet("/jobs/" + routed->Header("X-Longhaul-Job-Id"));
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(JsonAt(job->body, "/attempts"), "1");
  EXPECT_THAT(JsonAt(job->body, "/last_error"), HasSubstr("function error: TestError: no can do"));
  // The log's line of the failure has what the function wrote, not the platform's lines.
  EXPECT_TRUE(Eventually([&] {
    return server.Log().find("job=" + routed->Header("X-Longhaul-Job-Id")) != std::string::npos &&
           server.Log().find("output=\"Error: no can do\\n    at handler (index.js:3)\"") !=
               std::string::npos;
  })) << server.Log();
}

// A runtime that is done with is asked to end before it is killed, so that its EXIT trap
// removes what it made in /tmp (on AWS /tmp goes with the execution environment): here after
// each invocation (idle_timeout 0).
TEST(LambdaE2E, ARuntimeIsAskedToEndBeforeItIsKilled) {
  TempDir dir;
  WriteExecutable(
      dir.File("bootstrap"),
      "#!/bin/bash\n"
      "API=\"http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime\"\n"
      "H=$(mktemp -p " +
          dir.path() +
          ")\n"
          "trap 'rm -f \"$H\"; echo $$ >> " +
          dir.File("ended") +
          "' EXIT\n"
          "while true; do\n"
          "  curl -sS --fail -D \"$H\" -o /dev/null \"$API/invocation/next\" || exit 1\n"
          "  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id \"$H\" | tr -d '[:space:]' | "
          "cut -d: -f2)\n"
          "  curl -sS -o /dev/null --data-binary \"$$\" \"$API/invocation/$ID/response\"\n"
          "done\n");
  ServerProcess server(
      "functions:\n"
      "  once:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") +
      "\n"
      "    idle_timeout: 0s\n"
      // Time enough for the trap on a busy machine (the runtime runs at job_nice 19).
      "    kill_grace: 5m\n");
  server.Start();
  auto invoked = server.AdminPost("/2015-03-31/functions/once/invocations", "{}");
  ASSERT_TRUE(invoked.ok()) << invoked.status().ToString();
  ASSERT_EQ(invoked->status, 200) << invoked->body << "\n" << server.Log();
  EXPECT_TRUE(Eventually([&] { return ReadFile(dir.File("ended")) == invoked->body + "\n"; }))
      << ReadFile(dir.File("ended")) << "\n"
      << server.Log();
  size_t left = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    left += entry.path().filename().string().starts_with("tmp.");
  }
  EXPECT_EQ(left, 0u) << "the trap removed its file";
}

// A runtime that dies at init without a word to the Runtime API: what it wrote is the reason,
// on the failure's log line too.
TEST(LambdaE2E, ARuntimeThatDiesAtInitSaysWhyInTheLog) {
  TempDir dir;
  WriteExecutable(dir.File("bootstrap"),
                  "#!/bin/sh\necho 'Init error: cannot import module foo' >&2\nexit 1\n");
  ServerProcess server(
      "functions:\n"
      "  broken:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") + "\n");
  server.Start();
  auto invoked = server.AdminPost("/2015-03-31/functions/broken/invocations", "{}");
  ASSERT_TRUE(invoked.ok()) << invoked.status().ToString();
  EXPECT_EQ(invoked->Header("X-Amz-Function-Error"), "Unhandled") << invoked->body;
  const std::string line = "warn job.dead job=" + invoked->Header("X-Longhaul-Job-Id");
  EXPECT_TRUE(Eventually([&] { return server.Log().find(line) != std::string::npos; }))
      << server.Log();
  const std::string log = server.Log();
  const size_t at = log.find(line);
  const std::string dead = log.substr(at, log.find('\n', at) - at);
  EXPECT_THAT(dead, HasSubstr("output=\"Init error: cannot import module foo\\n")) << dead;
}

// A runtime process is background work like a command: it runs at server.job_nice.
TEST(LambdaE2E, TheRuntimeRunsAtTheJobNiceness) {
  TempDir dir;
  WriteExecutable(dir.File("bootstrap"),
                  ShellRuntime("  nice | curl -sS -o /dev/null --data-binary @- "
                               "\"$API/invocation/$ID/response\""));
  ServerProcess server(
      "functions:\n"
      "  niceness:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
          dir.File("bootstrap") + "\n",
      "  job_nice: 6\n");
  server.Start();
  auto invoked = server.AdminPost("/2015-03-31/functions/niceness/invocations", "{}");
  ASSERT_TRUE(invoked.ok()) << invoked.status().ToString();
  EXPECT_EQ(invoked->status, 200) << invoked->body;
  EXPECT_EQ(invoked->body, "6\n");
}

TEST(LambdaE2E, ACrashedRuntimeIsReplacedAndTheJobRetried) {
  TempDir dir;
  // The first invocation kills its runtime; the retry runs in a new process.
  WriteExecutable(dir.File("bootstrap"),
                  ShellRuntime("  if [ ! -f " + dir.File("crashed") + " ]; then echo $$ > " +
                               dir.File("crashed") +
                               "; exit 1; fi\n"
                               "  curl -sS -o /dev/null --data-binary \"{\\\"pid\\\":$$}\" "
                               "\"$API/invocation/$ID/response\""));
  ServerProcess server(
      "functions:\n"
      "  crashy:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") +
      "\n"
      "    retries: 1\n"
      "    retry_base: 10ms\n"
      "routes:\n"
      "  - path: /crash\n"
      "    method: POST\n"
      "    function: crashy\n");
  server.Start();
  auto r = server.Post("/crash", "{}");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 202);
  std::string id = r->Header("X-Longhaul-Job-Id");
  std::string job = server.WaitForJobState(id, "succeeded");
  ASSERT_FALSE(job.empty()) << server.Log();
  EXPECT_EQ(JsonAt(job, "/attempts"), "2");
  std::string crashed_pid = ReadFile(dir.File("crashed"));
  crashed_pid.erase(crashed_pid.find_last_not_of('\n') + 1);
  std::string pid = JsonAt(JsonAt(job, "/result/body"), "/pid");
  EXPECT_FALSE(pid.empty());
  EXPECT_NE(pid, crashed_pid);
  EXPECT_THAT(server.Log(), HasSubstr("process exited before completing request"));
}

// Lambda-Runtime-Invoked-Function-Arn is the ARN as invoked, qualifier included, on every
// attempt: it comes from the stored request, so a retry after kill -9 and restart gets it too.
TEST(LambdaE2E, TheRuntimeGetsTheArnAsInvoked) {
  TempDir dir;
  // Answers {"arn": <the header>}; an event {"block":true} first blocks, once (until the test's
  // directory is gone).
  WriteExecutable(
      dir.File("bootstrap"),
      ShellRuntime("  ARN=$(grep -Fi Lambda-Runtime-Invoked-Function-Arn \"$H\" | tr -d '\\r' | "
                   "cut -d' ' -f2)\n"
                   "  if [ \"$EVENT\" = '{\"block\":true}' ] && [ ! -f " +
                   dir.File("blocked") + " ]; then touch " + dir.File("blocked") + "; while [ -d " +
                   dir.path() +
                   " ]; do sleep 0.1; done; exit 1; fi\n"
                   "  curl -sS -o /dev/null --data-binary \"{\\\"arn\\\":\\\"$ARN\\\"}\" "
                   "\"$API/invocation/$ID/response\""));
  ServerProcess server(
      "functions:\n"
      "  arnfn:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") +
      "\n"
      "    retries: 2\n"
      "    retry_base: 10ms\n");
  server.Start();
  const std::string ours = "arn:aws:lambda:us-east-1:000000000000:function:arnfn";
  const std::pair<std::string, std::string> cases[] = {
      {"arnfn", ours},
      {"arnfn:v1", ours + ":v1"},
      {"arnfn?Qualifier=v1", ours + ":v1"},
      {"000000000000:function:arnfn:$LATEST", ours + ":$LATEST"},
      {"arn:aws:lambda:eu-west-1:123456789012:function:arnfn:prod",
       "arn:aws:lambda:eu-west-1:123456789012:function:arnfn:prod"},
      {"arn:aws:lambda:eu-west-1:123456789012:function:arnfn?Qualifier=prod",
       "arn:aws:lambda:eu-west-1:123456789012:function:arnfn:prod"},
  };
  for (const auto& [name, want] : cases) {
    size_t q = name.find('?');
    std::string path = "/2015-03-31/functions/" + name.substr(0, q) + "/invocations" +
                       (q == std::string::npos ? "" : name.substr(q));
    auto r = server.AdminPost(path, "{}");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 200) << name << ": " << r->body << "\n" << server.Log();
    EXPECT_EQ(JsonAt(r->body, "/arn"), want) << name;
  }

  // An Event invocation whose first attempt is cut short by kill -9: the retry after the
  // restart still has the qualifier.
  http::ClientRequest req;
  req.method = "POST";
  req.url = server.admin_url() + "/2015-03-31/functions/arnfn:v2/invocations";
  req.headers = {{"X-Amz-Invocation-Type", "Event"}};
  req.body = R"({"block":true})";
  req.timeout = std::chrono::seconds(60);
  auto queued = http::Fetch(req);
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  ASSERT_EQ(queued->status, 202) << queued->body;
  std::string id = queued->Header("X-Longhaul-Job-Id");
  ASSERT_TRUE(Eventually([&] { return std::ifstream(dir.File("blocked")).good(); }))
      << server.Log();
  server.Kill();
  server.Start();
  std::string job = server.WaitForJobState(id, "succeeded");
  ASSERT_FALSE(job.empty()) << server.Log();
  EXPECT_EQ(JsonAt(JsonAt(job, "/result/body"), "/arn"), ours + ":v2");
}

// As in Lambda, a cold start's init does not count against the function's timeout: the
// invocation gets all of it, from when the runtime takes it (Lambda-Runtime-Deadline-Ms too).
TEST(LambdaE2E, InitDoesNotCountAgainstTheTimeout) {
  TempDir dir;
  std::string script = ShellRuntime(
      "  DL=$(grep -Fi Lambda-Runtime-Deadline-Ms \"$H\" | tr -d '[:space:]' | cut -d: -f2)\n"
      "  NOW=$(date +%s%3N)\n"
      "  curl -sS -o /dev/null -X POST --data \"{\\\"left_ms\\\":$((DL - NOW))}\" "
      "\"$API/invocation/$ID/response\"");
  script.insert(script.find('\n') + 1, "sleep 3.5\n");  // init: longer than the timeout
  WriteExecutable(dir.File("bootstrap"), script);
  ServerProcess server(
      "functions:\n"
      "  slowinit:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") +
      "\n"
      "    timeout: 3s\n"  // what a loaded machine may need to run grep, date and curl
      "    retries: 0\n");
  server.Start();
  auto invoked = server.AdminPost("/2015-03-31/functions/slowinit/invocations", "{}");
  ASSERT_TRUE(invoked.ok());
  EXPECT_EQ(invoked->status, 200);
  EXPECT_EQ(invoked->Header("X-Amz-Function-Error"), "") << invoked->body << "\n" << server.Log();
  // The deadline the runtime saw was ahead of it, not already past during init.
  std::string left = JsonAt(invoked->body, "/left_ms");
  ASSERT_FALSE(left.empty()) << invoked->body;
  EXPECT_GT(std::stoi(left), 0) << invoked->body;
}

TEST(LambdaE2E, ARuntimePastItsTimeoutFailsTheJob) {
  TempDir dir;
  WriteExecutable(dir.File("bootstrap"), ShellRuntime("  sleep 30"));
  ServerProcess server(
      "functions:\n"
      "  slow:\n"
      "    runtime: lambda\n"
      "    bootstrap: " +
      dir.File("bootstrap") +
      "\n"
      "    timeout: 1s\n"
      "    retries: 0\n");
  server.Start();
  auto invoked = server.AdminPost("/2015-03-31/functions/slow/invocations", "{}");
  ASSERT_TRUE(invoked.ok());
  EXPECT_EQ(invoked->status, 200);
  EXPECT_EQ(invoked->Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_THAT(JsonAt(invoked->body, "/errorMessage"),
              HasSubstr("Task timed out after 1.00 seconds"));
  auto job = server.AdminGet("/jobs/" + invoked->Header("X-Longhaul-Job-Id"));
  EXPECT_EQ(JsonAt(job->body, "/state"), "dead");
  EXPECT_THAT(JsonAt(job->body, "/last_error"), HasSubstr("Task timed out after 1.00 seconds"));
  EXPECT_THAT(JsonAt(job->body, "/stderr_tail"), HasSubstr("\tStatus: timeout\n"));
}

}  // namespace
}  // namespace longhaul::testing
