#include "lambda/lambda_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "base/ids.h"
#include "testing/fake_clock.h"
#include "testing/log_capture.h"
#include "testing/server_process.h"
#include "testing/temp_dir.h"

namespace longhaul::lambda {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFile;

// A runtime in shell (needs curl). What it does is chosen by the event:
//   contains "crash"   exits 3 without answering
//   contains "sleep"   creates the file $SLEEPING, then sleeps (until killed)
//   contains "gate"    creates $SLEEPING, waits for the file $GATE, then answers
//   contains "streamfail"  streams a response that fails part-way (the error in its trailers)
//   contains "fail"    posts an error
//   contains "huge"    answers with 33 MB, over even the endpoint's own body limit
//   contains "badshape"  answers with a result that is not JSON
//   contains "shape"   answers with a structured API Gateway response
//   contains "env"     writes its environment to $ENV_OUT, then answers
//   contains "last"    answers, then waits for the file $GATE and exits (no next /next)
//   contains "linger"  answers, writes a line, creates $SLEEPING, waits for the file $GATE,
//                      then asks for more
//   contains "deadline"  answers {"deadline": "<its Lambda-Runtime-Deadline-Ms>"}
//   otherwise          answers {"pid": <its pid>, "event": <the event>}
// It writes one line to stdout and one to stderr per invocation.
constexpr char kBootstrap[] = R"sh(#!/bin/bash
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
H=$(mktemp)
echo "init output"
while true; do
  EVENT=$(curl -sS --fail -D "$H" "$API/invocation/next") || exit 1
  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d '[:space:]' | cut -d: -f2)
  echo "out $ID"
  echo "err $ID" >&2
  case "$EVENT" in
    *crash*) exit 3 ;;
    *sleep*) touch "$SLEEPING"; sleep 60 ;;
    *gate*) touch "$SLEEPING"; while [ ! -f "$GATE" ]; do [ -d "${GATE%/*}" ] || exit 1; sleep 0.02; done ;;
    *streamfail*)
      exec 3<>"/dev/tcp/${AWS_LAMBDA_RUNTIME_API%:*}/${AWS_LAMBDA_RUNTIME_API##*:}"
      printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\nLambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\nConnection: close\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\nLambda-Runtime-Function-Error-Type: Runtime.Boom\r\nLambda-Runtime-Function-Error-Body: %s\r\n\r\n' \
        "$ID" "$(printf '{"errorMessage":"boom mid-stream"}' | base64 -w0)" >&3
      cat <&3 > /dev/null
      exec 3<&-
      continue ;;
    *fail*)
      curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Function.Test' \
        --data-binary '{"errorMessage":"it failed","errorType":"TestError"}' "$API/invocation/$ID/error"
      continue ;;
    *huge*)
      head -c 33554500 /dev/zero > "$H.big"
      curl -sS -o /dev/null --data-binary @"$H.big" "$API/invocation/$ID/response"
      rm -f "$H.big"
      continue ;;
    *badshape*)
      curl -sS -o /dev/null --data-binary 'done, thanks' "$API/invocation/$ID/response"
      continue ;;
    *shape*)
      curl -sS -o /dev/null --data-binary \
        '{"statusCode":201,"headers":{"x-a":"b"},"cookies":["c=d"],"body":"made"}' \
        "$API/invocation/$ID/response"
      continue ;;
    *env*) env > "$ENV_OUT" ;;
    *linger*)
      curl -sS -o /dev/null --data-binary '{}' "$API/invocation/$ID/response"
      echo "after the response"
      touch "$SLEEPING"
      while [ ! -f "$GATE" ]; do [ -d "${GATE%/*}" ] || exit 1; sleep 0.02; done
      continue ;;
    *deadline*)
      DL=$(grep -Fi Lambda-Runtime-Deadline-Ms "$H" | tr -d '[:space:]' | cut -d: -f2)
      curl -sS -o /dev/null --data-binary "{\"deadline\":\"$DL\"}" "$API/invocation/$ID/response"
      continue ;;
    *last*)
      curl -sS -o /dev/null --data-binary "{\"pid\":$$}" "$API/invocation/$ID/response"
      while [ ! -f "$GATE" ]; do [ -d "${GATE%/*}" ] || exit 1; sleep 0.02; done
      exit 0 ;;
  esac
  curl -sS -o /dev/null --data-binary "{\"pid\":$$,\"event\":$EVENT}" "$API/invocation/$ID/response"
done
)sh";

constexpr char kInitErrorBootstrap[] = R"(#!/bin/bash
curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError' \
  --data-binary '{"errorMessage":"Cannot find module","errorType":"Runtime.ImportModuleError"}' \
  "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/init/error"
exit 1
)";

void WriteExecutable(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  chmod(path.c_str(), 0755);
}

std::string Field(const std::string& body, const char* key) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains(key)) {
    return "<missing>";
  }
  const json::value& f = v.as_object().at(key);
  return f.is_string() ? std::string(f.get_string()) : json::serialize(f);
}

bool ProcessGone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

class LambdaRuntimeTest : public ::testing::Test {
 protected:
  LambdaRuntimeTest() : work_(asio::make_work_guard(ioc_)) {
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    WriteExecutable(dir_.File("bootstrap"), kBootstrap);
    WriteExecutable(dir_.File("init_error"), kInitErrorBootstrap);
    fn_.name = "echo";
    fn_.kind = config::RuntimeKind::kLambda;
    fn_.lambda.bootstrap = "./bootstrap";
    fn_.working_dir = dir_.path();
    fn_.timeout = std::chrono::seconds(3);
    fn_.concurrency = 2;
    fn_.environment = {{"GATE", dir_.File("gate")},
                       {"ENV_OUT", dir_.File("env.txt")},
                       {"SLEEPING", dir_.File("sleeping")}};
    LambdaOptions options;
    options.endpoint_url = "http://127.0.0.1:9";
    options.janitor_interval = std::chrono::milliseconds(10);
    runtime_ = std::make_unique<LambdaRuntime>(ioc_, clock_, log_, options);
  }
  ~LambdaRuntimeTest() override {
    runtime_.reset();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  runtime::Invocation Invoke(const std::string& body) {
    runtime::Invocation inv;
    inv.job_id = base::NewJobId(clock_.Now());
    inv.attempt = 1;
    inv.function = &fn_;
    inv.request.method = "POST";
    inv.request.path = "/2015-03-31/functions/echo/invocations";
    inv.request.body = body;
    inv.route = "invoke";
    inv.deadline = clock_.Now() + fn_.timeout;
    return inv;
  }

  runtime::Outcome Run(const runtime::Invocation& inv) {
    runtime::CancelToken cancel;
    return runtime_->Run(inv, cancel);
  }

  // True once the runtime is in a "sleep" invocation.
  bool Sleeping() {
    return testing::Eventually([&] { return access(dir_.File("sleeping").c_str(), F_OK) == 0; },
                               std::chrono::seconds(30));
  }

  std::string PidOf(const runtime::Outcome& out) { return Field(out.response.body, "pid"); }

  std::string Logged() { return captured_.Text(); }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  testing::TempDir dir_;
  testing::FakeClock clock_;
  // What the runtime logs, for the tests that look (Logged()).
  testing::LogCapture captured_;
  base::Logger& log_ = captured_.log();
  config::Function fn_;
  std::unique_ptr<LambdaRuntime> runtime_;
};

TEST_F(LambdaRuntimeTest, AnswersAndKeepsTheProcessWarm) {
  runtime::Invocation inv = Invoke(R"({"n":1})");
  runtime::Outcome first = Run(inv);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString() << "\n" << first.stderr_tail;
  EXPECT_EQ(first.response.status, 200);
  EXPECT_EQ(Field(first.response.body, "event"), R"({"n":1})");
  EXPECT_THAT(first.stderr_tail,
              HasSubstr("init output\nSTART RequestId: " + inv.job_id + " Version: $LATEST\n"));
  EXPECT_THAT(first.stderr_tail, HasSubstr("out " + inv.job_id));
  EXPECT_THAT(first.stderr_tail, HasSubstr("err " + inv.job_id));
  EXPECT_THAT(first.stderr_tail, HasSubstr("END RequestId: " + inv.job_id +
                                           "\nREPORT RequestId: " + inv.job_id + "\tDuration: "));
  EXPECT_THAT(first.stderr_tail, HasSubstr("\tInit Duration: ")) << "a cold start";
  EXPECT_EQ(first.stdout_tail, "out " + inv.job_id + "\n") << "stdout alone";

  runtime::Outcome second = Run(Invoke(R"({"n":2})"));
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  EXPECT_EQ(PidOf(second), PidOf(first)) << "the same warm process";
  EXPECT_THAT(second.stderr_tail, ::testing::Not(HasSubstr("Init Duration")));
  // Read after the process went back to the pool.
  EXPECT_THAT(second.stderr_tail, ::testing::ContainsRegex("\tMax Memory Used: [1-9][0-9]* MB"));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
}

// The answer is told before the attempt ends; an invocation that comes meanwhile (the caller's
// next one) waits for the process that answered instead of starting another (fn_.concurrency
// is 2, so it could).
TEST_F(LambdaRuntimeTest, TheAnswerIsToldEarlyAndTheNextInvocationGetsTheSameProcess) {
  ASSERT_TRUE(Run(Invoke(R"({"n":0})")).status.ok());  // warm
  runtime::Invocation inv = Invoke(R"({"n":1})");
  std::optional<runtime::Outcome> told;
  std::future<runtime::Outcome> next;
  inv.answered = [&](const runtime::Outcome& answer) {
    told = answer;
    // The next invocation starts while this one is still finishing; it may not end before this
    // one does (it must wait for the process), so the wait here is only a bound.
    next = std::async(std::launch::async, [this] { return Run(Invoke(R"({"n":2})")); });
    next.wait_for(std::chrono::milliseconds(200));
  };
  runtime::Outcome first = Run(inv);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  ASSERT_TRUE(told.has_value()) << "the answer was not told";
  EXPECT_TRUE(told->status.ok());
  EXPECT_EQ(told->response.body, first.response.body);
  EXPECT_TRUE(told->stderr_tail.empty()) << "told before the logs were gathered";
  ASSERT_TRUE(next.valid());
  runtime::Outcome second = next.get();
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  EXPECT_EQ(PidOf(second), PidOf(first)) << "a second process was started";
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
}

// Begin() offers a direct run's invocation to an idle warm process from the submitting thread;
// Run() then only waits for it.
TEST_F(LambdaRuntimeTest, BeginOffersTheInvocationToAWarmProcess) {
  runtime::Invocation none = Invoke(R"({"n":0})");
  EXPECT_EQ(runtime_->Begin(none), nullptr) << "no warm process yet";
  runtime::Outcome first = Run(none);
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();

  runtime::Invocation inv = Invoke(R"({"n":1})");
  inv.begun = runtime_->Begin(inv);
  ASSERT_NE(inv.begun, nullptr);
  runtime::Outcome second = Run(inv);
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  EXPECT_EQ(Field(second.response.body, "event"), R"({"n":1})");
  EXPECT_EQ(PidOf(second), PidOf(first));
  EXPECT_THAT(second.stderr_tail, HasSubstr("START RequestId: " + inv.job_id));
  EXPECT_THAT(second.stderr_tail, HasSubstr("out " + inv.job_id));
  EXPECT_THAT(second.stderr_tail, HasSubstr("REPORT RequestId: " + inv.job_id));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
}

// An invocation begun while the caller's last one is finishing is next in line for its
// process: the event is offered as that process is released, before the next attempt runs.
TEST_F(LambdaRuntimeTest, BeginWhileTheProcessIsFinishingOffersAtItsRelease) {
  ASSERT_TRUE(Run(Invoke(R"({"n":0})")).status.ok());  // warm
  runtime::Invocation first = Invoke(R"({"n":1})");
  runtime::Invocation second = Invoke(R"({"n":2})");
  first.answered = [&](const runtime::Outcome&) { second.begun = runtime_->Begin(second); };
  runtime::Outcome one = Run(first);
  ASSERT_TRUE(one.status.ok()) << one.status.ToString();
  ASSERT_NE(second.begun, nullptr) << "not next in line for the finishing process";

  // Offered at the release, so the clock was already running for it before this.
  clock_.Advance(std::chrono::seconds(2));
  runtime::Outcome two = Run(second);
  ASSERT_TRUE(two.status.ok()) << two.status.ToString();
  EXPECT_EQ(Field(two.response.body, "event"), R"({"n":2})");
  EXPECT_EQ(PidOf(two), PidOf(one));
  EXPECT_THAT(two.stderr_tail, ::testing::ContainsRegex("REPORT RequestId: " + second.job_id +
                                                        "\tDuration: 2[0-9]{3}\\."));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
}

// An invocation's timeout starts when the runtime takes it, as in Lambda: a warm runtime still
// at work past its last response (before its next /next) does not use up the next one's time
// (QA: the next invocation timed out without having run).
TEST_F(LambdaRuntimeTest, TheTimeoutStartsWhenTheRuntimeTakesTheInvocation) {
  ASSERT_TRUE(Run(Invoke(R"({"n":0})")).status.ok());  // warm
  runtime::Outcome first = Run(Invoke(R"({"please":"linger"})"));
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  ASSERT_TRUE(Sleeping());  // at work past its response
  runtime::Invocation second = Invoke(R"({"please":"deadline"})");
  auto pending = std::async(std::launch::async, [&] { return Run(second); });
  clock_.Advance(std::chrono::seconds(2));
  std::ofstream(dir_.File("gate")) << "";
  runtime::Outcome two = pending.get();
  ASSERT_TRUE(two.status.ok()) << two.status.ToString();
  EXPECT_EQ(Field(two.response.body, "deadline"),
            std::to_string(base::ToUnixMs(clock_.Now() + fn_.timeout)));
}

// Next in line for a finishing process of another configuration (a reload came between): the
// invocation gets a process of its own.
TEST_F(LambdaRuntimeTest, NextInLineForAProcessOfAnotherConfigurationStartsItsOwn) {
  config::Function reloaded = fn_;
  reloaded.environment["RELOADED"] = "1";
  runtime::Invocation first = Invoke(R"({"n":1})");
  runtime::Invocation second = Invoke(R"({"n":2})");
  second.function = &reloaded;
  first.answered = [&](const runtime::Outcome&) { second.begun = runtime_->Begin(second); };
  runtime::Outcome one = Run(first);
  ASSERT_TRUE(one.status.ok()) << one.status.ToString();
  ASSERT_NE(second.begun, nullptr);
  runtime::Outcome two = Run(second);
  ASSERT_TRUE(two.status.ok()) << two.status.ToString();
  EXPECT_EQ(Field(two.response.body, "event"), R"({"n":2})");
  EXPECT_NE(PidOf(two), PidOf(one));
}

// A process that is not kept (stopped after every invocation) has nobody next in line.
TEST_F(LambdaRuntimeTest, NothingIsNextInLineForAProcessThatIsNotKept) {
  fn_.lambda.idle_timeout = base::Duration{0};
  runtime::Invocation first = Invoke(R"({"n":1})");
  runtime::Invocation second = Invoke(R"({"n":2})");
  bool begun_while_finishing = true;
  first.answered = [&](const runtime::Outcome&) {
    begun_while_finishing = runtime_->Begin(second) != nullptr;
  };
  ASSERT_TRUE(Run(first).status.ok());
  EXPECT_FALSE(begun_while_finishing);
}

// A begun invocation whose attempt never runs (stopped first) stops the process it was offered
// to, which may be working on it, and frees its slot.
TEST_F(LambdaRuntimeTest, AnUnusedBegunInvocationStopsItsProcess) {
  runtime::Outcome first = Run(Invoke(R"({"n":0})"));
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  pid_t pid = std::stoi(PidOf(first));
  runtime::Invocation inv = Invoke(R"({"n":1})");
  inv.begun = runtime_->Begin(inv);
  ASSERT_NE(inv.begun, nullptr);
  inv.begun.reset();
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 0);
  EXPECT_TRUE(ProcessGone(pid));
  runtime::Outcome next = Run(Invoke(R"({"n":2})"));
  ASSERT_TRUE(next.status.ok()) << next.status.ToString();
  EXPECT_NE(PidOf(next), PidOf(first));
}

TEST_F(LambdaRuntimeTest, RouteInvocationsGetAnHttpApiEventAndAMappedResponse) {
  runtime::Invocation inv = Invoke("shape please");
  inv.request.path = "/hooks/x";
  inv.request.headers = {{"Content-Type", "text/plain"}};
  inv.route = "POST /hooks/{name}";
  runtime::Outcome out = Run(inv);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString() << "\n" << out.stderr_tail;
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.body, "made");
  EXPECT_THAT(out.response.headers,
              ::testing::Contains(std::pair<std::string, std::string>("Set-Cookie", "c=d")));

  runtime::Invocation echo = Invoke("hello");
  echo.request.path = "/hooks/y";
  echo.request.path_params = {{"name", "y"}};
  echo.request.headers = {{"Content-Type", "text/plain"}};
  echo.route = "POST /hooks/{name}";
  runtime::Outcome mapped = Run(echo);
  ASSERT_TRUE(mapped.status.ok()) << mapped.status.ToString();
  EXPECT_EQ(mapped.response.status, 200);
  std::string event = Field(mapped.response.body, "event");
  EXPECT_EQ(Field(event, "routeKey"), "POST /hooks/{name}");
  EXPECT_EQ(Field(event, "rawPath"), "/hooks/y");
  EXPECT_EQ(Field(event, "body"), "hello");
  EXPECT_EQ(Field(Field(event, "pathParameters"), "name"), "y");
}

// A result API Gateway could not map fails the invocation only when a caller on the route
// waits for the mapped answer; when none does (an `ack: async` route, a wait that ran out), the
// payload is kept.
TEST_F(LambdaRuntimeTest, AMalformedHttpResultFailsOnlyWhereACallerWaitsForIt) {
  auto run = [&](bool caller_waits) {
    runtime::Invocation inv = Invoke("badshape");
    inv.request.path = "/hooks/x";
    inv.request.headers = {{"Content-Type", "text/plain"}};
    inv.route = "POST /hooks/{name}";
    inv.caller_waits = [caller_waits] { return caller_waits; };
    return Run(inv);
  };
  runtime::Outcome waited = run(true);
  EXPECT_EQ(waited.status.code(), base::Code::kInvalidArgument) << waited.status.ToString();
  EXPECT_THAT(waited.status.message(), HasSubstr("malformed function result"));

  runtime::Outcome unwaited = run(false);
  ASSERT_TRUE(unwaited.status.ok()) << unwaited.status.ToString();
  EXPECT_EQ(unwaited.response.status, 200);
  EXPECT_EQ(unwaited.response.body, "done, thanks");
  // Labelled as what it is, as a command's output (QA: it was application/json).
  EXPECT_THAT(unwaited.response.headers, ElementsAre(std::pair<std::string, std::string>(
                                             "Content-Type", "text/plain; charset=utf-8")));
}

// A response too large even to be read (over the endpoint's own limit, past Lambda's) fails
// the invocation at once, as one over Lambda's limit does: it does not wait for the timeout.
TEST_F(LambdaRuntimeTest, AResponseOverTheEndpointsLimitFailsAtOnce) {
  runtime::Outcome out = Run(Invoke("huge"));
  EXPECT_EQ(out.status.code(), base::Code::kUnknown) << out.status.ToString();
  EXPECT_THAT(out.status.message(), HasSubstr("Function.ResponseSizeTooLarge"));
}

TEST_F(LambdaRuntimeTest, AFunctionErrorFailsTheInvocationButKeepsTheProcess) {
  runtime::Outcome ok = Run(Invoke(R"({"n":1})"));
  ASSERT_TRUE(ok.status.ok());
  runtime::Outcome failed = Run(Invoke(R"({"please":"fail"})"));
  EXPECT_EQ(failed.status.code(), base::Code::kUnknown);
  EXPECT_THAT(failed.status.message(), HasSubstr("TestError: it failed"));
  EXPECT_EQ(Field(failed.response.body, "errorType"), "TestError");
  EXPECT_EQ(Field(failed.response.body, "errorMessage"), "it failed");
  runtime::Outcome after = Run(Invoke(R"({"n":3})"));
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(PidOf(after), PidOf(ok));
}

// A streamed response that fails part-way (its trailers say so, as Lambda's custom runtimes
// report it) fails the invocation, however much was streamed before.
TEST_F(LambdaRuntimeTest, AStreamThatFailsPartWayFailsTheInvocation) {
  runtime::Outcome failed = Run(Invoke(R"({"please":"streamfail"})"));
  EXPECT_EQ(failed.status.code(), base::Code::kUnknown) << failed.status.ToString();
  EXPECT_THAT(failed.status.message(), HasSubstr("Runtime.Boom: boom mid-stream"));
  EXPECT_EQ(Field(failed.response.body, "errorType"), "Runtime.Boom");
}

TEST_F(LambdaRuntimeTest, ACrashFailsTheInvocationAndTheProcessIsReplaced) {
  runtime::Outcome ok = Run(Invoke(R"({"n":1})"));
  ASSERT_TRUE(ok.status.ok());
  runtime::Invocation inv = Invoke(R"({"please":"crash"})");
  runtime::Outcome crashed = Run(inv);
  EXPECT_EQ(crashed.status.code(), base::Code::kUnknown);
  EXPECT_THAT(crashed.status.message(), HasSubstr("exit status 3"));
  EXPECT_EQ(crashed.response.body, R"({"errorMessage":"RequestId: )" + inv.job_id +
                                       R"( Process exited before completing request"})");
  EXPECT_THAT(crashed.stderr_tail,
              HasSubstr("Error: Runtime exited with error: exit status 3\nEND RequestId"));
  EXPECT_THAT(crashed.stderr_tail, HasSubstr("\tStatus: error\n"));
  EXPECT_TRUE(ProcessGone(std::stoi(PidOf(ok))));
  runtime::Outcome after = Run(Invoke(R"({"n":2})"));
  ASSERT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_NE(PidOf(after), PidOf(ok));
}

// A runtime may end after an answer instead of asking for more. An invocation offered to it
// meanwhile never ran: it goes to a new process rather than failing as "exited".
TEST_F(LambdaRuntimeTest, AnInvocationAnIdleProcessExitedBeforeTakingGoesToANewOne) {
  runtime::Outcome last = Run(Invoke(R"({"please":"answer last"})"));
  ASSERT_TRUE(last.status.ok()) << last.status.ToString();
  runtime::Invocation inv = Invoke(R"({"n":1})");
  inv.begun = runtime_->Begin(inv);
  ASSERT_NE(inv.begun, nullptr) << "offered to the idle process that answered";
  std::ofstream(dir_.File("gate")) << "";  // it exits now, without having taken the offer
  runtime::Outcome out = Run(inv);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(Field(out.response.body, "event"), R"({"n":1})");
  EXPECT_NE(PidOf(out), PidOf(last));
  EXPECT_THAT(out.stderr_tail, HasSubstr("The idle runtime exited before taking the invocation: "
                                         "exit status 0; it goes to a new process\n"));
  EXPECT_THAT(out.stderr_tail, HasSubstr("REPORT RequestId: " + inv.job_id));
}

TEST_F(LambdaRuntimeTest, PastTheDeadlineTheProcessGroupIsKilled) {
  runtime::Outcome ok = Run(Invoke(R"({"n":1})"));
  ASSERT_TRUE(ok.status.ok());
  runtime::Invocation inv = Invoke(R"({"please":"sleep"})");
  auto pending = std::async(std::launch::async, [&] { return Run(inv); });
  ASSERT_TRUE(Sleeping());
  clock_.Advance(std::chrono::seconds(4));
  runtime::Outcome timed_out = pending.get();
  EXPECT_EQ(timed_out.status.code(), base::Code::kDeadlineExceeded);
  EXPECT_EQ(timed_out.status.message(), "Task timed out after 3.00 seconds");
  EXPECT_THAT(Field(timed_out.response.body, "errorMessage"),
              HasSubstr(inv.job_id + " Task timed out after 3.00 seconds"));
  EXPECT_THAT(timed_out.stderr_tail, HasSubstr("\tStatus: timeout\n"));
  // Read before the process was stopped.
  EXPECT_THAT(timed_out.stderr_tail,
              ::testing::ContainsRegex("\tMax Memory Used: [1-9][0-9]* MB\tStatus: timeout"));
  EXPECT_TRUE(ProcessGone(std::stoi(PidOf(ok))));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 0);
}

TEST_F(LambdaRuntimeTest, CancelKillsTheProcess) {
  runtime::Outcome ok = Run(Invoke(R"({"n":1})"));
  ASSERT_TRUE(ok.status.ok());
  runtime::CancelToken cancel;
  runtime::Invocation inv = Invoke(R"({"please":"sleep"})");
  auto pending = std::async(std::launch::async, [&] { return runtime_->Run(inv, cancel); });
  ASSERT_TRUE(Sleeping());
  cancel.Cancel();
  runtime::Outcome out = pending.get();
  EXPECT_EQ(out.status.code(), base::Code::kCancelled);
  EXPECT_TRUE(ProcessGone(std::stoi(PidOf(ok))));
}

// While the invocation runs, its output so far is in Invocation::live: stdout, and the log
// (both streams) as stderr, as the outcome has them.
TEST_F(LambdaRuntimeTest, TheOutputSoFarIsLiveWhileTheInvocationRuns) {
  ASSERT_TRUE(Run(Invoke(R"({"n":1})")).status.ok());  // warm
  runtime::CancelToken cancel;
  runtime::Invocation inv = Invoke(R"({"please":"sleep"})");
  inv.live = std::make_shared<runtime::LiveOutput>();
  auto pending = std::async(std::launch::async, [&] { return runtime_->Run(inv, cancel); });
  ASSERT_TRUE(Sleeping());
  runtime::LiveOutput::Tails tails;
  EXPECT_TRUE(testing::Eventually(
      [&] {
        tails = inv.live->Snapshot();
        return tails.stderr_tail.find("err " + inv.job_id) != std::string::npos &&
               tails.stderr_tail.find("out " + inv.job_id) != std::string::npos;
      },
      std::chrono::seconds(30)))
      << tails.stderr_tail;
  EXPECT_EQ(tails.stdout_tail, "out " + inv.job_id + "\n");
  cancel.Cancel();
  EXPECT_EQ(pending.get().status.code(), base::Code::kCancelled);
}

TEST_F(LambdaRuntimeTest, AnInitErrorFailsTheInvocation) {
  fn_.lambda.bootstrap = "./init_error";
  runtime::Outcome out = Run(Invoke("{}"));
  EXPECT_EQ(out.status.code(), base::Code::kUnknown);
  EXPECT_THAT(out.status.message(), HasSubstr("init error: Runtime.ImportModuleError"));
  EXPECT_EQ(Field(out.response.body, "errorType"), "Runtime.ImportModuleError");
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 0);
}

TEST_F(LambdaRuntimeTest, AMissingBootstrapIsAConfigurationError) {
  fn_.lambda.bootstrap = "./nope";
  runtime::Outcome out = Run(Invoke("{}"));
  EXPECT_EQ(out.status.code(), base::Code::kInvalidArgument);
  EXPECT_THAT(out.status.message(), HasSubstr("cannot execute ./nope"));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 0);
}

TEST_F(LambdaRuntimeTest, IdleProcessesStopAfterIdleTimeout) {
  fn_.lambda.idle_timeout = std::chrono::minutes(1);
  runtime::Outcome ok = Run(Invoke(R"({"n":1})"));
  ASSERT_TRUE(ok.status.ok());
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
  clock_.Advance(std::chrono::seconds(59));
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(testing::Eventually([&] { return runtime_->ProcessCountForTest("echo") == 0; }));
  EXPECT_TRUE(testing::Eventually([&] { return ProcessGone(std::stoi(PidOf(ok))); }));
}

// What a runtime writes after its last response goes to the next invocation's log; a process
// stopped before one came has its end logged with the stop (QA: it was lost).
TEST_F(LambdaRuntimeTest, OutputAfterTheLastResponseIsLoggedWhenTheProcessStops) {
  fn_.lambda.idle_timeout = std::chrono::minutes(1);
  runtime::Outcome lingered = Run(Invoke(R"({"please":"linger"})"));
  ASSERT_TRUE(lingered.status.ok()) << lingered.status.ToString();
  ASSERT_TRUE(Sleeping());
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(testing::Eventually([&] { return runtime_->ProcessCountForTest("echo") == 0; }));
  EXPECT_THAT(Logged(), HasSubstr("lambda.process_stopped function=echo pid="));
  EXPECT_THAT(Logged(), HasSubstr("reason=idle output=\"after the response\""));
}

TEST_F(LambdaRuntimeTest, AChangedConfigurationGetsANewProcess) {
  runtime::Outcome first = Run(Invoke(R"({"n":1})"));
  ASSERT_TRUE(first.status.ok());
  fn_.environment["NEW"] = "1";
  runtime::Outcome second = Run(Invoke(R"({"n":2})"));
  ASSERT_TRUE(second.status.ok());
  EXPECT_NE(PidOf(first), PidOf(second));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
  // The one it replaced is logged as stopped, and why.
  EXPECT_THAT(Logged(), HasSubstr("lambda.process_stopped function=echo pid=" + PidOf(first) +
                                  " reason=\"its configuration changed\""));
}

TEST_F(LambdaRuntimeTest, AtMostConcurrencyProcesses) {
  fn_.concurrency = 1;
  runtime::Invocation gated = Invoke(R"({"please":"gate"})");
  auto first = std::async(std::launch::async, [&] { return Run(gated); });
  ASSERT_TRUE(Sleeping());
  runtime::Invocation next = Invoke(R"({"n":2})");
  auto second = std::async(std::launch::async, [&] { return Run(next); });
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "waits for the only process";
  std::ofstream(dir_.File("gate")) << "open";
  runtime::Outcome a = first.get();
  runtime::Outcome b = second.get();
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  ASSERT_TRUE(b.status.ok()) << b.status.ToString();
  EXPECT_EQ(PidOf(a), PidOf(b));
  EXPECT_EQ(runtime_->ProcessCountForTest("echo"), 1);
}

TEST_F(LambdaRuntimeTest, TheProcessGetsLambdasEnvironment) {
  runtime::Outcome out = Run(Invoke(R"({"please":"env"})"));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  std::string env = ReadFile(dir_.File("env.txt"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_FUNCTION_NAME=echo\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_FUNCTION_VERSION=$LATEST\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_RUNTIME_API=127.0.0.1:"));
  EXPECT_THAT(env, HasSubstr("AWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:9\n"));
  EXPECT_THAT(env, HasSubstr("LAMBDA_TASK_ROOT=" + dir_.path() + "\n"));
  EXPECT_THAT(env, HasSubstr("TZ=:UTC\n"));
  EXPECT_THAT(env, HasSubstr("AWS_LAMBDA_LOG_STREAM_NAME=2024/01/01/[$LATEST]"));
}

TEST_F(LambdaRuntimeTest, TheProcessDoesNotInheritVariablesHoldingTheConfigsSecrets) {
  auto config = std::make_shared<config::Config>();
  config->server.admin_token = "admin-token-value";
  runtime_.reset();
  LambdaOptions options;
  options.base_environment = {"PATH=" + std::string(getenv("PATH")), "TOKEN=admin-token-value",
                              "KEPT=other"};
  runtime_ = std::make_unique<LambdaRuntime>(ioc_, clock_, log_, options);
  runtime::Invocation inv = Invoke(R"({"please":"env"})");
  inv.config = config;
  runtime::Outcome out = Run(inv);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  std::string env = ReadFile(dir_.File("env.txt"));
  EXPECT_THAT(env, HasSubstr("KEPT=other\n"));
  EXPECT_THAT(env, Not(HasSubstr("admin-token-value")));
}

// A reload that makes a variable's value a secret does not reuse the warm process that holds
// it (QA: the process kept the variable, and ran the jobs that came after the reload).
TEST_F(LambdaRuntimeTest, AVariableThatBecameSecretIsNotKeptByAWarmProcess) {
  runtime_.reset();
  LambdaOptions options;
  options.base_environment = {"PATH=" + std::string(getenv("PATH")), "HOOK_SECRET=hook-value"};
  runtime_ = std::make_unique<LambdaRuntime>(ioc_, clock_, log_, options);
  runtime::Invocation before = Invoke(R"({"please":"env"})");
  before.config = std::make_shared<config::Config>();
  runtime::Outcome a = Run(before);
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_THAT(ReadFile(dir_.File("env.txt")), HasSubstr("HOOK_SECRET=hook-value\n"));

  auto reloaded = std::make_shared<config::Config>();
  config::Route route;
  route.secret = "hook-value";
  reloaded->routes.push_back(route);
  runtime::Invocation after = Invoke(R"({"please":"env"})");
  after.config = reloaded;
  runtime::Outcome b = Run(after);
  ASSERT_TRUE(b.status.ok()) << b.status.ToString();
  EXPECT_NE(PidOf(a), PidOf(b));
  EXPECT_THAT(ReadFile(dir_.File("env.txt")), Not(HasSubstr("hook-value")));

  // A reload that changes no secret keeps the process.
  runtime::Invocation again = Invoke(R"({"please":"env"})");
  again.config = std::make_shared<config::Config>(*reloaded);
  runtime::Outcome c = Run(again);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(PidOf(b), PidOf(c));
}

}  // namespace
}  // namespace longhaul::lambda
