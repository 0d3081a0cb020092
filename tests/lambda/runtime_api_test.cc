#include "lambda/runtime_api.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "base/base64.h"
#include "testing/fake_clock.h"
#include "testing/server_process.h"

namespace longhaul::lambda {
namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;

http::Request MakeRequest(bh::verb method, std::string target, std::string body = "") {
  http::Request req{method, target, 11};
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
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

Delivery SampleDelivery(std::string id = "01JOB") {
  Delivery d;
  d.request_id = std::move(id);
  d.deadline = base::FromUnixMs(1704067230000);
  d.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
  d.trace_id = "Root=1-65920080-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0";
  d.event = R"({"k":"v"})";
  return d;
}

// Runs the API's handler for one request to completion on a private io_context. Only for
// requests that do not wait.
http::Response Call(RuntimeApi& api, http::Request req) {
  asio::io_context ioc;
  std::future<http::Response> done = asio::co_spawn(ioc, api.Handle(req), asio::use_future);
  ioc.run();
  return done.get();
}

// An io_context running on its own thread, for a /next that waits.
class IoThread {
 public:
  IoThread() : work_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~IoThread() {
    work_.reset();
    ioc_.stop();
    thread_.join();
  }
  // Starts a request on a strand, as the server does for a connection.
  std::future<http::Response> Start(RuntimeApi& api, http::Request& req) {
    return asio::co_spawn(asio::make_strand(ioc_), api.Handle(req), asio::use_future);
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

class RuntimeApiTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  std::atomic<int> reports_{0};
  std::shared_ptr<RuntimeApi> api_ =
      std::make_shared<RuntimeApi>(clock_, [this] { reports_.fetch_add(1); });

  // Takes the offered invocation with /next (it must be there already).
  http::Response Next() {
    return Call(*api_, MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next"));
  }
  // True once a /next has reached the API (and, with nothing offered, waits).
  bool Registered() {
    return testing::Eventually([this] { return api_->initialized_at().has_value(); },
                               std::chrono::seconds(10));
  }
  http::Response Post(const std::string& path, std::string body = "") {
    return Call(*api_, MakeRequest(bh::verb::post, "/2018-06-01/runtime/" + path, std::move(body)));
  }
};

TEST_F(RuntimeApiTest, NextDeliversTheOfferedInvocationWithItsHeaders) {
  Delivery d = SampleDelivery();
  d.client_context = R"({"client":{"app_title":"t"}})";
  api_->Offer(d);
  http::Response res = Next();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"k":"v"})");
  EXPECT_EQ(res["Lambda-Runtime-Aws-Request-Id"], "01JOB");
  EXPECT_EQ(res["Lambda-Runtime-Deadline-Ms"], "1704067230000");
  EXPECT_EQ(res["Lambda-Runtime-Invoked-Function-Arn"], d.function_arn);
  EXPECT_EQ(res["Lambda-Runtime-Trace-Id"], d.trace_id);
  EXPECT_EQ(res["Lambda-Runtime-Client-Context"], d.client_context);
  EXPECT_EQ(res.count("Lambda-Runtime-Cognito-Identity"), 0u) << "only sent when there is one";
  EXPECT_EQ(res[bh::field::content_type], "application/json");
  EXPECT_EQ(api_->initialized_at(), clock_.Now());
  EXPECT_EQ(api_->delivered_at(), clock_.Now());
}

// A web page that found the port takes no event and answers none (http::BrowserRequestProblem).
TEST_F(RuntimeApiTest, AWebPageGetsNoInvocation) {
  api_->Offer(SampleDelivery());
  http::Request from_page = MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next");
  from_page.set(bh::field::origin, "https://evil.example");
  http::Response refused = Call(*api_, from_page);
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_NE(refused.body().find("the Runtime API does not take requests from web pages"),
            std::string::npos)
      << refused.body();
  EXPECT_FALSE(api_->initialized_at().has_value());
  EXPECT_EQ(Next().body(), R"({"k":"v"})") << "the runtime still gets it";
}

TEST_F(RuntimeApiTest, ResponseIsAcceptedOnceAndReported) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  http::Response res = Post("invocation/01JOB/response", R"({"ok":true})");
  EXPECT_EQ(res.result_int(), 202);
  EXPECT_EQ(res.body(), R"({"status":"OK"})");
  EXPECT_EQ(reports_.load(), 1);
  std::optional<Report> r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kResponse);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_FALSE(api_->TakeReport().has_value()) << "taken once";

  http::Response again = Post("invocation/01JOB/response", "x");
  EXPECT_EQ(again.result_int(), 400);
  EXPECT_EQ(Field(again.body(), "errorType"), "InvalidRequestID");
  EXPECT_EQ(Field(again.body(), "errorMessage"), "Invalid request ID");
}

TEST_F(RuntimeApiTest, PostsForAnotherIdAre400) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  for (const char* path : {"invocation/OTHER/response", "invocation/OTHER/error"}) {
    http::Response res = Post(path, "{}");
    EXPECT_EQ(res.result_int(), 400) << path;
    EXPECT_EQ(Field(res.body(), "errorType"), "InvalidRequestID") << path;
  }
  EXPECT_EQ(reports_.load(), 0);
}

TEST_F(RuntimeApiTest, PostsBeforeTheFirstNextAre403) {
  api_->Offer(SampleDelivery());
  http::Response res = Post("invocation/01JOB/response", "{}");
  EXPECT_EQ(res.result_int(), 403);
  EXPECT_EQ(Field(res.body(), "errorType"), "InvalidStateTransition");
  EXPECT_EQ(Field(res.body(), "errorMessage"),
            "State transition from Started to InvocationResponse failed for runtime. Error: "
            "State transition is not allowed");
  EXPECT_EQ(Post("invocation/01JOB/error", "{}").result_int(), 403);
}

TEST_F(RuntimeApiTest, ErrorKeepsTheRuntimesJsonAndFillsInTheType) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  http::Request req = MakeRequest(bh::verb::post, "/2018-06-01/runtime/invocation/01JOB/error",
                                  R"({"errorMessage":"boom","stackTrace":["a"]})");
  req.set("Lambda-Runtime-Function-Error-Type", "Runtime.UnknownReason");
  EXPECT_EQ(Call(*api_, std::move(req)).result_int(), 202);
  std::optional<Report> r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kError);
  EXPECT_EQ(r->error_type, "Runtime.UnknownReason");
  EXPECT_EQ(r->error_message, "boom");
  EXPECT_EQ(Field(r->body, "errorType"), "Runtime.UnknownReason");
  EXPECT_EQ(Field(r->body, "stackTrace"), R"(["a"])");
}

TEST(MakeErrorReport, Shapes) {
  struct Case {
    std::string body;
    std::string header;
    std::string type;
    std::string message;
    std::string json;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"errorMessage":"m","errorType":"TypeError"})", "Unhandled", "TypeError", "m",
            R"({"errorMessage":"m","errorType":"TypeError"})"},
           {R"({"errorMessage":"m"})", "", "Unhandled", "m",
            R"({"errorMessage":"m","errorType":"Unhandled"})"},
           {"plain text", "Function.X", "Function.X", "plain text",
            R"({"errorMessage":"plain text","errorType":"Function.X"})"},
           {R"({"errorMessage":"m","errorType":"E","errorCause":{"paths":[]}})", "", "E", "m",
            R"({"errorMessage":"m","errorType":"E"})"},
           {"[1]", "", "Unhandled", "[1]", R"({"errorMessage":"[1]","errorType":"Unhandled"})"},
           // Numbers as the runtime wrote them, not 5E-1.
           {R"({"errorMessage":"m","errorType":"E","limit":0.5})", "", "E", "m",
            R"({"errorMessage":"m","errorType":"E","limit":0.5})"},
       }) {
    Report r = MakeErrorReport(Report::Kind::kError, c.body, c.header);
    EXPECT_EQ(r.error_type, c.type) << c.body;
    EXPECT_EQ(r.error_message, c.message) << c.body;
    EXPECT_EQ(r.body, c.json) << c.body;
  }
}

TEST_F(RuntimeApiTest, InitErrorOnlyBeforeTheFirstNext) {
  http::Request req = MakeRequest(bh::verb::post, "/2018-06-01/runtime/init/error",
                                  R"({"errorMessage":"Cannot find module 'index'"})");
  req.set("Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError");
  EXPECT_EQ(Call(*api_, req).result_int(), 202);
  std::optional<Report> r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kInitError);
  EXPECT_EQ(r->error_type, "Runtime.ImportModuleError");
  EXPECT_EQ(Call(*api_, req).result_int(), 403) << "a second init error";

  auto fresh = std::make_shared<RuntimeApi>(clock_, nullptr);
  fresh->Offer(SampleDelivery());
  ASSERT_EQ(
      Call(*fresh, MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next")).result_int(),
      200);
  http::Response late = Call(*fresh, req);
  EXPECT_EQ(late.result_int(), 403);
  EXPECT_EQ(Field(late.body(), "errorMessage"),
            "State transition from Running to InitError failed for runtime. Error: State "
            "transition is not allowed");
}

TEST_F(RuntimeApiTest, OversizedResponseIs413AndFailsTheInvocation) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  http::Response res = Post("invocation/01JOB/response", std::string(kMaxPayloadBytes + 1, 'x'));
  EXPECT_EQ(res.result_int(), 413);
  EXPECT_EQ(Field(res.body(), "errorType"), "RequestEntityTooLarge");
  EXPECT_EQ(Field(res.body(), "errorMessage"),
            "Exceeded maximum allowed payload size (6291556 bytes).");
  std::optional<Report> r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kTooLarge);
  EXPECT_EQ(r->error_type, "Function.ResponseSizeTooLarge");

  api_->Offer(SampleDelivery("01JOB2"));
  ASSERT_EQ(Next().result_int(), 200);
  EXPECT_EQ(Post("invocation/01JOB2/response", std::string(kMaxPayloadBytes, 'x')).result_int(),
            202)
      << "exactly the limit is fine";
}

TEST_F(RuntimeApiTest, InvalidResponseModeIs400) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  http::Request req =
      MakeRequest(bh::verb::post, "/2018-06-01/runtime/invocation/01JOB/response", "{}");
  req.set("Lambda-Runtime-Function-Response-Mode", "sideways");
  http::Response res = Call(*api_, std::move(req));
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(Field(res.body(), "errorType"), "InvalidFunctionResponseMode");
  std::optional<Report> r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kError);
}

// A streamed response that fails part-way reports the error in its trailers (base64 JSON in
// Lambda-Runtime-Function-Error-Body): the invocation failed, whatever was streamed before.
TEST_F(RuntimeApiTest, AStreamsErrorTrailersFailTheInvocation) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  http::Request req =
      MakeRequest(bh::verb::post, "/2018-06-01/runtime/invocation/01JOB/response", R"({"a":1})");
  req.set("Lambda-Runtime-Function-Response-Mode", "streaming");
  const http::Fields trailers = {
      {"lambda-runtime-function-error-type", "Runtime.Boom"},
      {"Lambda-Runtime-Function-Error-Body",
       base::Base64Encode(R"({"errorMessage":"boom","errorType":"Runtime.Boom"})")}};
  http::Response res = api_->PostResponse("01JOB", req, trailers);
  EXPECT_EQ(res.result_int(), 202);
  std::optional<Report> r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kError);
  EXPECT_EQ(r->error_type, "Runtime.Boom");
  EXPECT_EQ(r->error_message, "boom");
  // Without them a stream is a response, as any other.
  api_->Offer(SampleDelivery("01JOB2"));
  ASSERT_EQ(Next().result_int(), 200);
  http::Request ok =
      MakeRequest(bh::verb::post, "/2018-06-01/runtime/invocation/01JOB2/response", "done");
  ok.set("Lambda-Runtime-Function-Response-Mode", "streaming");
  EXPECT_EQ(api_->PostResponse("01JOB2", ok, {{"X-Other", "1"}}).result_int(), 202);
  r = api_->TakeReport();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, Report::Kind::kResponse);
  EXPECT_EQ(r->body, "done");
}

TEST_F(RuntimeApiTest, AbandonedInvocationRefusesPosts) {
  api_->Offer(SampleDelivery());
  ASSERT_EQ(Next().result_int(), 200);
  api_->Abandon();
  EXPECT_EQ(Post("invocation/01JOB/response", "{}").result_int(), 400);
}

// The invocation's answer hook hears the runtime's response before the runner can take it,
// once; it is not called for a post the API refuses.
TEST_F(RuntimeApiTest, AnswerHookHearsTheResponseBeforeTheRunner) {
  std::vector<std::string> heard;
  Delivery d = SampleDelivery();
  d.on_answer = [&](const Report& r) {
    heard.push_back(r.body);
    EXPECT_EQ(reports_.load(), 0) << "heard after the runner was told";
  };
  api_->Offer(std::move(d));
  ASSERT_EQ(Next().result_int(), 200);
  EXPECT_EQ(Post("invocation/OTHER/response", "{}").result_int(), 400);
  EXPECT_TRUE(heard.empty()) << "a refused post is no answer";
  EXPECT_EQ(Post("invocation/01JOB/response", R"({"ok":1})").result_int(), 202);
  EXPECT_EQ(heard, std::vector<std::string>{R"({"ok":1})"});
  EXPECT_EQ(Post("invocation/01JOB/response", "{}").result_int(), 400);
  EXPECT_EQ(heard.size(), 1u) << "heard once";
}

TEST_F(RuntimeApiTest, AnswerHookHearsErrors) {
  std::optional<Report> heard;
  Delivery d = SampleDelivery();
  d.on_answer = [&](const Report& r) { heard = r; };
  api_->Offer(std::move(d));
  ASSERT_EQ(Next().result_int(), 200);
  EXPECT_EQ(Post("invocation/01JOB/error", R"({"errorMessage":"no","errorType":"E"})").result_int(),
            202);
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->kind, Report::Kind::kError);
  EXPECT_EQ(heard->error_type, "E");
}

TEST_F(RuntimeApiTest, AnAbandonedInvocationsHookIsNeverCalled) {
  bool heard = false;
  Delivery d = SampleDelivery();
  d.on_answer = [&](const Report&) { heard = true; };
  api_->Offer(std::move(d));
  ASSERT_EQ(Next().result_int(), 200);
  api_->Abandon();
  api_->Offer(SampleDelivery("01JOB2"));
  ASSERT_EQ(Next().result_int(), 200);
  EXPECT_EQ(Post("invocation/01JOB2/response", "{}").result_int(), 202);
  EXPECT_FALSE(heard) << "the next invocation's answer went to the abandoned one's hook";
}

TEST_F(RuntimeApiTest, UnknownEndpointsAre404) {
  EXPECT_EQ(Post("invocation/next").result_int(), 404);
  EXPECT_EQ(
      Call(*api_, MakeRequest(bh::verb::get, "/2020-01-01/extension/event/next")).result_int(),
      404);
  EXPECT_EQ(Post("restore/next").result_int(), 404);
}

TEST_F(RuntimeApiTest, WaitingNextIsAnsweredWhenWorkIsOffered) {
  IoThread io;
  http::Request req = MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next");
  std::future<http::Response> next = io.Start(*api_, req);
  ASSERT_TRUE(Registered());
  EXPECT_EQ(next.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  api_->Offer(SampleDelivery());
  ASSERT_EQ(next.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  http::Response res = next.get();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res["Lambda-Runtime-Aws-Request-Id"], "01JOB");
}

TEST_F(RuntimeApiTest, CloseAnswersAWaitingNextWith500) {
  IoThread io;
  http::Request req = MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next");
  std::future<http::Response> next = io.Start(*api_, req);
  ASSERT_TRUE(Registered());
  api_->Close();
  ASSERT_EQ(next.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  http::Response res = next.get();
  EXPECT_EQ(res.result_int(), 500);
  EXPECT_EQ(Field(res.body(), "errorType"), "InternalServerError");
  EXPECT_EQ(Post("invocation/01JOB/response", "{}").result_int(), 500);
}

TEST_F(RuntimeApiTest, ANewerNextReplacesAWaitingOne) {
  IoThread io;
  http::Request first_req = MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next");
  http::Request second_req = MakeRequest(bh::verb::get, "/2018-06-01/runtime/invocation/next");
  std::future<http::Response> first = io.Start(*api_, first_req);
  ASSERT_TRUE(Registered());
  std::future<http::Response> second = io.Start(*api_, second_req);
  ASSERT_EQ(first.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(first.get().result_int(), 500);
  api_->Offer(SampleDelivery());
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(second.get().result_int(), 200);
}

}  // namespace
}  // namespace longhaul::lambda
