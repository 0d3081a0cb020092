// Black-box tests of the Lambda Invoke API on the admin listener (admin/invoke_api.h) against
// the real binary, with `runtime: command` functions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "base/ids.h"
#include "http/client.h"
#include "testing/server_process.h"
#include "webhook/hmac.h"

namespace longhaul::testing {
namespace {

using ::testing::HasSubstr;

std::string Config(const TempDir& dir) {
  return "functions:\n"
         "  ok:\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"echo log-line-from-ok >&2; cat | tee -a " +
         dir.File("ok.txt") +
         "\"]\n"
         "    retries: 0\n"
         "  fail:\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"echo boom-on-stderr >&2; exit 3\"]\n"
         "    retries: 0\n"
         "  small:\n"
         "    runtime: command\n"
         "    command: [\"/bin/cat\"]\n"
         "    output_limit: 10\n"
         "    retries: 0\n"
         "  lambda-echo:\n"
         "    runtime: lambda\n"
         "    bootstrap: " LONGHAUL_EXAMPLE_BOOTSTRAP
         "\n"
         "    retries: 0\n"
         "routes:\n"
         "  - path: /unused\n"
         "    method: POST\n"
         "    function: ok\n";
}

base::Result<http::ClientResponse> Invoke(
    ServerProcess& server, const std::string& function, const std::string& body,
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::ClientRequest req;
  req.method = "POST";
  // `function` may end in "?query", which belongs after /invocations.
  size_t q = function.find('?');
  req.url = server.admin_url() + "/2015-03-31/functions/" + function.substr(0, q) + "/invocations" +
            (q == std::string::npos ? "" : function.substr(q));
  req.body = body;
  req.headers = std::move(headers);
  req.timeout = std::chrono::seconds(60);
  return http::Fetch(req);
}

// A command function with one slot that echoes its input once `gate` exists (and exits when
// the test directory is gone), without retries: its YAML body, under the function's name.
std::string GatedCat(const TempDir& scratch, const std::string& gate) {
  return "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"while [ ! -e " +
         gate + " ]; do [ -d " + scratch.path() +
         " ] || exit 1; sleep 0.02; done; cat\"]\n"
         "    concurrency: 1\n"
         "    retries: 0\n";
}

TEST(InvokeE2E, RequestResponseReturnsThePayloadAndTheLogTail) {
  TempDir scratch;
  ServerProcess server(Config(scratch));
  server.Start();
  auto r = Invoke(server, "arn:aws:lambda:us-east-1:000000000000:function:ok:$LATEST",
                  R"({"hello":1})", {{"X-Amz-Log-Type", "Tail"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body << "\n" << server.Log();
  EXPECT_EQ(r->body, R"({"hello":1})");
  EXPECT_EQ(r->Header("X-Amz-Executed-Version"), "$LATEST");
  EXPECT_FALSE(r->Header("x-amzn-RequestId").empty());
  EXPECT_EQ(r->Header("X-Amz-Function-Error"), "");
  auto log = webhook::Base64Decode(r->Header("X-Amz-Log-Result"));
  ASSERT_TRUE(log.has_value()) << r->Header("X-Amz-Log-Result");
  EXPECT_THAT(*log, HasSubstr("log-line-from-ok"));
}

// With Lambda access keys, SDK calls are signed; the operator's CLI brings the admin token
// instead, which the Invoke API takes too (and a wrong one is refused).
TEST(InvokeE2E, TheCliInvokesWithTheAdminTokenBesideAccessKeys) {
  TempDir scratch;
  ServerProcess server(Config(scratch),
                       "  admin_token: op-token\n"
                       "  lambda_access_keys:\n"
                       "    AKIDTEST: topsecretkey\n");
  server.Start();
  std::string out;
  std::string err;
  EXPECT_EQ(server.RunToExit({"invoke", "ok", "--data", "from-cli", "--admin", server.admin_url(),
                              "--config", server.config_path()},
                             &out, &err),
            0)
      << err;
  EXPECT_EQ(out, "from-cli");  // the result as it is: no newline added off a terminal
  // Any bytes (audio, images) come out whole, a NUL included.
  const std::string bytes("a\0b\xff\n\x01", 6);
  std::ofstream(scratch.File("bytes.bin"), std::ios::binary) << bytes;
  EXPECT_EQ(server.RunToExit({"invoke", "ok", "--data", "@" + scratch.File("bytes.bin"), "--admin",
                              server.admin_url(), "--config", server.config_path()},
                             &out, &err),
            0)
      << err;
  EXPECT_EQ(out, bytes);
  // A command line that does not parse is 1 (webhook's, as webhook's own, 2), with the reason.
  EXPECT_EQ(server.RunToExit({"jobs", "wait", "X", "--timeout", "-1"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("--timeout"));
  EXPECT_EQ(server.RunToExit({"webhook", "-no-such-flag"}, &out, &err), 2);
  EXPECT_EQ(server.RunToExit({"jobs", "lst"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("unknown command 'lst' (list, show, retry, cancel, wait)"));
  EXPECT_EQ(server.RunToExit({"--version"}, &out, &err), 0);
  EXPECT_THAT(out, HasSubstr("longhaul "));
  // A -logfile that cannot be opened says why, on stderr, and exits 1, as webhook's log.Fatal.
  // A flag given twice takes the last value, as Go's flag package does (QA: it was refused).
  EXPECT_EQ(server.RunToExit(
                {"webhook", "-logfile", "/nonexistent/a.log", "-logfile", "/nonexistent/x.log"},
                &out, &err),
            1);
  EXPECT_THAT(err, HasSubstr("cannot open -logfile /nonexistent/x.log: No such file or directory"));
  // The config's admin port is 0 (any free port): only --admin can say which.
  EXPECT_EQ(server.RunToExit({"invoke", "ok", "--config", server.config_path()}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("has port 0 (any free port): give --admin"));
  // Without the token (no --config to find it in), the refusal says where a token comes from.
  EXPECT_EQ(server.RunToExit({"invoke", "ok", "--admin", server.admin_url()}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("error: HTTP 403: Missing Authentication Token\n"));
  EXPECT_THAT(err, HasSubstr("hint: the admin API wants the server's admin_token (the CLI reads it "
                             "from $LONGHAUL_ADMIN_TOKEN or the --config file)"));

  auto wrong = Invoke(server, "ok", "x", {{"Authorization", "Bearer not-the-token"}});
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  EXPECT_EQ(wrong->status, 401);
  auto unsigned_call = Invoke(server, "ok", "x");
  ASSERT_TRUE(unsigned_call.ok()) << unsigned_call.status().ToString();
  EXPECT_EQ(unsigned_call->status, 403);
}

// With Lambda access keys an Invoke must be signed, so it may name the server anyhow, as an SDK's
// endpoint_url names a service (QA: http://longhaul:8081 got a 403 botocore could not read); the
// rest of the admin API, with no admin_token, still answers to its address and localhost only.
TEST(InvokeE2E, AnInvokeThatMustBeSignedMayUseAnyName) {
  TempDir scratch;
  ServerProcess server(Config(scratch), "  lambda_access_keys:\n    AKIDTEST: topsecretkey\n");
  server.Start();
  auto named = Invoke(server, "ok", "x", {{"Host", "longhaul:8081"}});
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->status, 403);
  EXPECT_EQ(named->Header("x-amzn-ErrorType"), "MissingAuthenticationTokenException")
      << named->body;
  http::ClientRequest jobs;
  jobs.url = server.admin_url() + "/jobs";
  jobs.headers = {{"Host", "longhaul:8081"}};
  auto listed = http::Fetch(jobs);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->status, 403);
  EXPECT_THAT(listed->body, HasSubstr("not by the name longhaul:8081"));
}

// The CLI believes only the admin API: pointed at a public listener that takes any path (or a
// proxy's redirect), it says so and fails, never "succeeded" off another route's answer. Inputs
// it cannot read or an address it cannot reach as written are errors, not defaults.
TEST(InvokeE2E, TheCliRefusesAnswersThatAreNotTheAdminApis) {
  TempDir scratch;
  ServerProcess server(Config(scratch) + "  - {path: \"/{proxy+}\", method: ANY, function: ok}\n");
  server.Start();
  std::string out;
  std::string err;
  const std::string not_admin = "is not an answer of longhaul's admin API";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"jobs", "wait", "01J0000000000000000000000"},
        {"jobs", "show", "01J0000000000000000000000"},
        {"jobs", "cancel", "01J0000000000000000000000"},
        {"jobs", "retry", "01J0000000000000000000000"},
        {"jobs", "list"},
        {"invoke", "ok", "--data", "x"},
        {"invoke", "ok", "--async", "--data", "x"}}) {
    std::vector<std::string> call = args;
    call.insert(call.end(), {"--admin", server.public_url()});
    EXPECT_EQ(server.RunToExit(call, &out, &err), 1) << args[0] << " " << args[1] << ": " << out;
    EXPECT_THAT(err, HasSubstr(not_admin)) << args[0] << " " << args[1];
  }
  const std::vector<std::string> admin = {"--admin", server.admin_url()};
  auto with_admin = [&](std::vector<std::string> args) {
    args.insert(args.end(), admin.begin(), admin.end());
    return args;
  };
  EXPECT_EQ(
      server.RunToExit(with_admin({"invoke", "ok", "--data", "@" + scratch.path()}), &out, &err),
      1);
  EXPECT_THAT(err, HasSubstr(scratch.path() + ": cannot read: Is a directory"));
  EXPECT_EQ(server.RunToExit({"jobs", "list", "--config", scratch.path()}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr(scratch.path() + ": cannot read: Is a directory"));
  EXPECT_EQ(server.RunToExit({"jobs", "list", "--admin", "http://127.0.0.1:99999"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("has port '99999', not a number from 1 to 65535"));
  EXPECT_EQ(server.RunToExit({"jobs", "list", "--admin", "ftp://127.0.0.1:8081"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("the admin API is reached at http://HOST:PORT or HOST:PORT"));
  // An empty --admin (an unset variable in a script) is not taken for "the default".
  EXPECT_EQ(server.RunToExit({"jobs", "list", "--admin", ""}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("an empty address names no server"));
  // The admin API itself, with a trailing slash even, is believed.
  EXPECT_EQ(server.RunToExit({"jobs", "list", "--admin", server.admin_url() + "/"}, &out, &err), 0)
      << err;
  EXPECT_THAT(out, HasSubstr("FUNCTION"));
}

// A RequestResponse invoke cut short by a SIGTERM: its caller hears that the function failed
// because the server stopped (not a timeout, nothing an SDK retries by itself), and the
// invocation is not run again after the restart, when nobody waits for it.
TEST(InvokeE2E, ASyncInvokeStoppedByShutdownIsNotRunAgain) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  slow:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo run >> " +
          scratch.File("runs.txt") +
          "; sleep 30\"]\n"
          "    retries: 0\n",
      "  shutdown_grace: 200ms\n");
  server.Start();
  std::optional<base::Result<http::ClientResponse>> answer;
  std::thread caller([&] { answer = Invoke(server, "slow", "{}"); });
  ASSERT_TRUE(Eventually([&] { return !ReadFile(scratch.File("runs.txt")).empty(); },
                         std::chrono::seconds(30)));
  EXPECT_EQ(server.Terminate(), 0);
  caller.join();
  ASSERT_TRUE(answer.has_value() && answer->ok());
  EXPECT_EQ((*answer)->status, 200) << (*answer)->body;
  EXPECT_EQ((*answer)->Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_THAT((*answer)->body, HasSubstr("the server stopped during the invocation"));
  const std::string id = (*answer)->Header("X-Longhaul-Job-Id");
  ASSERT_FALSE(id.empty());

  server.Start();
  std::string job = server.WaitForJobState(id, "dead");
  EXPECT_THAT(job, HasSubstr("the server stopped during the invocation")) << server.Log();
  EXPECT_EQ(ReadFile(scratch.File("runs.txt")), "run\n");
}

// The same cut short by kill -9: the caller's connection ends, and after the restart the
// invocation is dead, not run again for nobody (an SDK that retries makes its own new call).
TEST(InvokeE2E, ASyncInvokeCutShortByAKillIsNotRunAgain) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  slow:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo run >> " +
      scratch.File("runs.txt") +
      "; sleep 30\"]\n"
      "    retries: 0\n");
  server.Start();
  std::optional<base::Result<http::ClientResponse>> answer;
  std::thread caller([&] { answer = Invoke(server, "slow", "{}"); });
  ASSERT_TRUE(Eventually([&] { return !ReadFile(scratch.File("runs.txt")).empty(); },
                         std::chrono::seconds(30)));
  server.Kill();
  caller.join();
  ASSERT_TRUE(answer.has_value());
  EXPECT_FALSE(answer->ok());

  server.Start();
  std::string id;
  ASSERT_TRUE(Eventually([&] {
    auto page = server.AdminGet("/jobs?function=slow&state=dead");
    id = page.ok() ? JsonAt(page->body, "/jobs/0/id") : "";
    return !id.empty();
  })) << server.Log();
  std::string job = server.WaitForJobState(id, "dead");
  EXPECT_THAT(job, HasSubstr("the runner stopped before the attempt finished")) << job;
  EXPECT_EQ(JsonField(job, "attempts"), "1");
  EXPECT_EQ(ReadFile(scratch.File("runs.txt")), "run\n");
}

// A result cut at the function's output_limit says so, as GET /jobs/{id}/result does.
TEST(InvokeE2E, ACutResultSaysSo) {
  TempDir scratch;
  ServerProcess server(Config(scratch));
  server.Start();
  auto r = Invoke(server, "small", "0123456789abcdef");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "0123456789");
  EXPECT_EQ(r->Header("X-Longhaul-Result-Truncated"), "10") << r->body;
}

TEST(InvokeE2E, EventIsAcceptedThenRuns) {
  TempDir scratch;
  ServerProcess server(Config(scratch));
  server.Start();
  auto r = Invoke(server, "ok", R"({"async":true})",
                  {{"X-Amz-Invocation-Type", "Event"},
                   {"Authorization", "AWS4-HMAC-SHA256 Credential=AKID/secret-signature"},
                   {"X-Amz-Security-Token", "secret-session-token"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(r->body, "");
  std::string id = r->Header("x-amzn-RequestId");
  ASSERT_FALSE(id.empty());
  std::string job = server.WaitForJobState(id, "succeeded");
  ASSERT_FALSE(job.empty()) << server.Log();
  EXPECT_THAT(ReadFile(scratch.File("ok.txt")), HasSubstr(R"({"async":true})"));
  // The caller's credentials are not kept with the job; the other headers are.
  EXPECT_THAT(job, HasSubstr("X-Amz-Invocation-Type"));
  EXPECT_THAT(job, ::testing::Not(HasSubstr("secret-signature")));
  EXPECT_THAT(job, ::testing::Not(HasSubstr("secret-session-token")));
}

TEST(InvokeE2E, DryRunChecksOnly) {
  TempDir scratch;
  ServerProcess server(Config(scratch));
  server.Start();
  auto r = Invoke(server, "ok?Qualifier=$LATEST", "{}", {{"X-Amz-Invocation-Type", "DryRun"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 204) << r->body;
  EXPECT_EQ(ReadFile(scratch.File("ok.txt")), "");
}

TEST(InvokeE2E, AFailingFunctionIs200WithFunctionError) {
  TempDir scratch;
  ServerProcess server(Config(scratch));
  server.Start();
  auto r = Invoke(server, "123456789012:function:fail", "{}", {{"X-Amz-Log-Type", "Tail"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->Header("X-Amz-Function-Error"), "Unhandled");
  EXPECT_THAT(r->body, HasSubstr("errorMessage"));
  auto log = webhook::Base64Decode(r->Header("X-Amz-Log-Result"));
  ASSERT_TRUE(log.has_value());
  EXPECT_THAT(*log, HasSubstr("boom-on-stderr"));
}

TEST(InvokeE2E, ServiceErrorsCarryTheLambdaErrorType) {
  TempDir scratch;
  ServerProcess server(Config(scratch));
  server.Start();
  struct Case {
    std::string function;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
    std::string type;
  };
  const Case cases[] = {
      {"nope", "{}", {}, 404, "ResourceNotFoundException"},
      {"lambda-echo", "not json", {}, 400, "InvalidRequestContentException"},
      {"ok", "{}", {{"X-Amz-Invocation-Type", "Later"}}, 400, "InvalidParameterValueException"},
      {"ok", "{}", {{"X-Amz-Log-Type", "All"}}, 400, "InvalidParameterValueException"},
      {"ok:v1?Qualifier=v2", "{}", {}, 400, "InvalidParameterValueException"},
      {"ok",
       "\"" + std::string(1024 * 1024 + 1, 'x') + "\"",
       {{"X-Amz-Invocation-Type", "Event"}},
       413,
       "RequestTooLargeException"},
  };
  for (const auto& c : cases) {
    auto r = Invoke(server, c.function, c.body, c.headers);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, c.status) << c.function << " " << r->body;
    EXPECT_EQ(r->Header("x-amzn-ErrorType"), c.type) << c.function;
    EXPECT_THAT(r->body, HasSubstr("\"Type\":\"User\"")) << c.function;
    EXPECT_THAT(r->body, HasSubstr("\"Message\":")) << c.function;
    EXPECT_TRUE(base::LooksLikeJobId(r->Header("x-amzn-RequestId"))) << c.function;
  }
}

// on_success / on_failure of Event invokes: a recorder function (a new durable job) gets Lambda's
// invocation record.
TEST(InvokeE2E, DestinationsReceiveTheInvocationRecord) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  ok:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat\"]\n"
      "    retries: 0\n"
      "    on_success: {function: recorder}\n"
      "  fail:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"exit 4\"]\n"
      "    retries: 1\n"
      "    on_failure: {function: recorder}\n"
      "  recorder:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat >> " +
      scratch.File("records.txt") + "; echo >> " + scratch.File("records.txt") +
      "\"]\n"
      "    retries: 0\n");
  server.Start();
  auto ok = Invoke(server, "ok", R"({"n":1})", {{"X-Amz-Invocation-Type", "Event"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->status, 202);
  // A sync invoke is not asynchronous: no record for it.
  auto sync = Invoke(server, "ok", R"({"n":2})");
  ASSERT_TRUE(sync.ok());
  auto failed = Invoke(server, "fail", R"({"n":3})", {{"X-Amz-Invocation-Type", "Event"}});
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->status, 202);
  std::string records;
  ASSERT_TRUE(Eventually(
      [&] {
        records = ReadFile(scratch.File("records.txt"));
        return records.find("RetriesExhausted") != std::string::npos &&
               records.find("\"Success\"") != std::string::npos;
      },
      std::chrono::seconds(90)))
      << records << "\n"
      << server.Log();
  EXPECT_THAT(records, HasSubstr(R"("requestPayload":{"n":1})"));
  EXPECT_THAT(records, HasSubstr(R"("responsePayload":{"n":1})"));
  EXPECT_THAT(records, HasSubstr(R"("requestPayload":{"n":3})"));
  EXPECT_THAT(records, HasSubstr(R"("approximateInvokeCount":2)"));
  EXPECT_THAT(records, HasSubstr(R"("functionError":"Unhandled")"));
  EXPECT_THAT(records, HasSubstr("arn:aws:lambda:us-east-1:000000000000:function:ok:$LATEST"));
  EXPECT_EQ(records.find(R"({"n":2})"), std::string::npos);
}

// A `url` destination is delivered by a job of the delivery function "<fn>:on_success": durable
// and retried like any job, and listed with the others. The receiver is a second longhaul.
TEST(InvokeE2E, UrlDestinationsAreDeliveredByJobs) {
  TempDir scratch;
  ServerProcess receiver(
      "functions:\n"
      "  recorder:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat >> " +
      scratch.File("records.txt") + "; echo >> " + scratch.File("records.txt") +
      "\"]\n"
      "    retries: 0\n"
      "routes:\n"
      "  - path: /records\n"
      "    method: POST\n"
      "    function: recorder\n");
  receiver.Start();
  ServerProcess server(
      "functions:\n"
      "  ok:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat\"]\n"
      "    retries: 0\n"
      "    on_success: {url: \"" +
      receiver.public_url() +
      "/records\"}\n"
      "  fail:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"exit 4\"]\n"
      "    retries: 0\n"
      "    on_failure: {url: \"" +
      receiver.public_url() + "/records\"}\n");
  server.Start();
  for (const char* fn : {"ok", "fail"}) {
    auto r = Invoke(server, fn, std::string(R"({"from":")") + fn + "\"}",
                    {{"X-Amz-Invocation-Type", "Event"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->status, 202);
  }
  std::string records;
  ASSERT_TRUE(Eventually(
      [&] {
        records = ReadFile(scratch.File("records.txt"));
        return records.find("\"Success\"") != std::string::npos &&
               records.find("\"RetriesExhausted\"") != std::string::npos;
      },
      std::chrono::seconds(90)))
      << records << "\n"
      << server.Log() << "\n"
      << receiver.Log();
  EXPECT_THAT(records, HasSubstr(R"("requestPayload":{"from":"ok"})"));
  EXPECT_THAT(records, HasSubstr(R"("requestPayload":{"from":"fail"})"));
  // Each delivery is a job of its own on the sender, which saw the receiver's 202.
  for (const char* delivery : {"ok:on_success", "fail:on_failure"}) {
    std::string list;
    ASSERT_TRUE(Eventually([&] {
      auto r = server.AdminGet(std::string("/jobs?function=") + delivery);
      list = r.ok() ? r->body : "";
      return list.find("\"succeeded\"") != std::string::npos;
    })) << delivery
        << ": " << list;
    EXPECT_THAT(list, HasSubstr(std::string("\"function\":\"") + delivery + "\""));
  }
}

// A queued Event invoke that outlives max_event_age goes dead without running, and on_failure
// gets Lambda's record with condition EventAgeExceeded.
TEST(InvokeE2E, ExpiredEventsSendEventAgeExceeded) {
  TempDir scratch;
  const std::string gate = scratch.File("gate");
  ServerProcess server(
      "functions:\n"
      "  busy:\n" +
      GatedCat(scratch, gate) +
      "    max_event_age: 1s\n"
      "    on_failure: {function: recorder}\n"
      "  recorder:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat >> " +
      scratch.File("records.txt") +
      "\"]\n"
      "    retries: 0\n");
  server.Start();
  auto first = Invoke(server, "busy", R"({"n":"first"})", {{"X-Amz-Invocation-Type", "Event"}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->status, 202);
  std::string first_id = first->Header("x-amzn-RequestId");
  ASSERT_FALSE(first_id.empty());
  ASSERT_FALSE(server.WaitForJobState(first_id, "running").empty()) << server.Log();
  auto late = Invoke(server, "busy", R"({"n":"late"})", {{"X-Amz-Invocation-Type", "Event"}});
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->status, 202);
  std::string late_id = late->Header("x-amzn-RequestId");
  // Not synchronisation: the late event must age past max_event_age while the slot is taken.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  std::ofstream(gate).put('x');
  std::string dead = server.WaitForJobState(late_id, "dead");
  ASSERT_FALSE(dead.empty()) << server.Log();
  EXPECT_THAT(dead, HasSubstr("max_event_age"));
  std::string records;
  ASSERT_TRUE(Eventually([&] {
    records = ReadFile(scratch.File("records.txt"));
    return records.find("EventAgeExceeded") != std::string::npos;
  })) << records
      << "\n"
      << server.Log();
  EXPECT_THAT(records, HasSubstr(R"("requestPayload":{"n":"late"})"));
  EXPECT_THAT(records, HasSubstr(R"("approximateInvokeCount":0)"));
  EXPECT_THAT(records, HasSubstr("\"requestId\":\"" + late_id + "\""));
}

// A synchronous invoke with a free slot is stored as running and starts at once; one beyond the
// function's concurrency is throttled, as Lambda does, and not stored: queued, it could run after
// its caller had given up (and an SDK's retry ran it a second time).
TEST(InvokeE2E, SyncInvokesBeyondTheConcurrencyAreThrottled) {
  TempDir scratch;
  const std::string gate = scratch.File("gate");
  ServerProcess server(
      "functions:\n"
      "  busy:\n" +
      GatedCat(scratch, gate));
  server.Start();
  base::Result<http::ClientResponse> first = base::Unavailable("not sent");
  std::jthread a;
  // Destroyed before the thread joins: opens the gate also when an assertion returns early.
  struct OpenGate {
    std::string path;
    ~OpenGate() { std::ofstream(path).put('x'); }
  } open_gate{gate};
  a = std::jthread([&] { first = Invoke(server, "busy", R"({"n":1})"); });
  std::string listed;
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t p = listed.find(what); p != std::string::npos; p = listed.find(what, p + 1)) n++;
    return n;
  };
  auto list = [&] {
    auto r = server.AdminGet("/jobs?function=busy");
    listed = r.ok() ? r->body : "";
  };
  ASSERT_TRUE(Eventually([&] {
    list();
    return count(R"("state":"running")") == 1;
  })) << listed
      << "\n"
      << server.Log();
  auto second = Invoke(server, "busy", R"({"n":2})");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->status, 429) << second->body;
  EXPECT_EQ(second->Header("x-amzn-ErrorType"), "TooManyRequestsException");
  EXPECT_EQ(second->Header("Retry-After"), "1");
  EXPECT_THAT(second->body,
              HasSubstr(R"("Reason":"ReservedFunctionConcurrentInvocationLimitExceeded")"));
  list();
  EXPECT_EQ(count(R"("id":)"), 1u) << "the throttled invoke was stored: " << listed;
  std::ofstream(gate).put('x');
  a.join();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, R"({"n":1})");
  std::string job = server.WaitForJobState(first->Header("x-amzn-RequestId"), "succeeded");
  EXPECT_THAT(job, HasSubstr(R"("attempts":1)"));
  EXPECT_THAT(job, HasSubstr(R"("started_at")"));
  // With the slot free again, the next one runs.
  auto third = Invoke(server, "busy", R"({"n":3})");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->status, 200);
  EXPECT_EQ(third->body, R"({"n":3})");
}

}  // namespace
}  // namespace longhaul::testing
