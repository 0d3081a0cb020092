#include "ingest/destinations.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "ingest/ingest_handler.h"
#include "testing/fake_clock.h"

namespace longhaul::ingest {
namespace {

namespace json = boost::json;

store::Job EventJob() {
  store::Job job;
  job.id = "job-1";
  job.function = "orders";
  job.route = "invoke";
  job.attempts = 3;
  job.request.headers = {{"x-amz-invocation-type", "Event"}};
  job.request.body = R"({"ORDER_IDS":["a"]})";
  return job;
}

TEST(InvocationRecord, FailureHasLambdasShape) {
  config::Function fn;
  fn.name = "orders";
  runtime::Outcome outcome;
  outcome.status = base::Status(base::Code::kUnknown, "exit status 1");
  std::string text = InvocationRecord(EventJob(), fn, outcome, RecordCondition::kRetriesExhausted,
                                      base::FromUnixMs(1573755365568));
  json::value v = json::parse(text);
  EXPECT_EQ(json::serialize(v.at("version")), R"("1.0")");
  EXPECT_EQ(v.at("timestamp").as_string(), "2019-11-14T18:16:05.568Z");
  const auto& rc = v.at("requestContext").as_object();
  EXPECT_EQ(rc.at("requestId").as_string(), "job-1");
  EXPECT_EQ(rc.at("functionArn").as_string(),
            "arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST");
  EXPECT_EQ(rc.at("condition").as_string(), "RetriesExhausted");
  EXPECT_EQ(rc.at("approximateInvokeCount").as_int64(), 3);
  EXPECT_EQ(json::serialize(v.at("requestPayload")), R"({"ORDER_IDS":["a"]})");
  EXPECT_EQ(json::serialize(v.at("responseContext")),
            R"({"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"})");
  EXPECT_EQ(v.at("responsePayload").at("errorMessage").as_string(),
            "RequestId: job-1 exit status 1");
}

TEST(InvocationRecord, SuccessCarriesTheResponseAndNoFunctionError) {
  config::Function fn;
  fn.name = "orders";
  fn.environment["AWS_REGION"] = "eu-west-1";
  store::Job job = EventJob();
  job.attempts = 1;
  job.request.body = "not json";
  runtime::Outcome outcome;
  outcome.response.body = R"({"ok":true})";
  json::value v = json::parse(
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0)));
  EXPECT_EQ(v.at("requestContext").at("condition").as_string(), "Success");
  EXPECT_EQ(v.at("requestContext").at("functionArn").as_string(),
            "arn:aws:lambda:eu-west-1:000000000000:function:orders:$LATEST");
  EXPECT_EQ(v.at("requestPayload").as_string(), "not json");
  EXPECT_FALSE(v.at("responseContext").as_object().contains("functionError"));
  EXPECT_EQ(json::serialize(v.at("responsePayload")), R"({"ok":true})");
}

// A Lambda function invoked without a payload got {} (lambda::MakeDelivery); a command, nothing.
// The payloads are JSON as they came: their numbers as written, even those a double cannot hold
// (parsed and written again, 1e400 would be Infinity: no JSON, which the destination's runtime
// could not parse).
TEST(InvocationRecord, PayloadsKeepTheirNumbersAsWritten) {
  config::Function fn;
  fn.name = "fn";
  store::Job job = EventJob();
  job.request.body = R"({"x":1e400,"y":-1e999,"p":0.5,"n":1.10})";
  runtime::Outcome outcome;
  outcome.response.body = R"({"price":0.5,"big":1e400,"z":-0.0})";
  std::string text =
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0));
  EXPECT_NE(text.find(R"("requestPayload":{"x":1e400,"y":-1e999,"p":0.5,"n":1.10})"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("responsePayload":{"price":0.5,"big":1e400,"z":-0.0})"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("Infinity"), std::string::npos) << text;
  boost::system::error_code ec;
  (void)json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
}

TEST(InvocationRecord, AnEmptyPayloadIsWhatTheFunctionGot) {
  config::Function fn;
  fn.name = "orders";
  store::Job job = EventJob();
  job.request.body.clear();
  runtime::Outcome outcome;
  fn.kind = config::RuntimeKind::kLambda;
  json::value v = json::parse(
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0)));
  EXPECT_EQ(json::serialize(v.at("requestPayload")), "{}");
  fn.kind = config::RuntimeKind::kCommand;
  v = json::parse(
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0)));
  EXPECT_TRUE(v.at("requestPayload").is_null());
}

// A Lambda function's job from a route got the API Gateway event, not the sender's bare body; a
// command function's got the body.
TEST(InvocationRecord, ARoutesLambdaJobCarriesTheEventItGot) {
  store::Job job;
  job.id = "01JD0000000000000000000000";
  job.function = "orders";
  job.route = "POST /hooks/{name}";
  job.attempts = 1;
  job.created_at = base::FromUnixMs(1573755365568);
  job.request.method = "POST";
  job.request.path = "/hooks/shop";
  job.request.headers = {{"Host", "hooks.example"}, {"Content-Type", "application/json"}};
  job.request.body = R"({"order":7})";
  config::Function fn;
  fn.name = "orders";
  fn.kind = config::RuntimeKind::kLambda;
  runtime::Outcome outcome;
  json::value v = json::parse(
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0)));
  const json::value& event = v.at("requestPayload");
  EXPECT_EQ(event.at("version").as_string(), "2.0");
  EXPECT_EQ(event.at("routeKey").as_string(), "POST /hooks/{name}");
  EXPECT_EQ(event.at("rawPath").as_string(), "/hooks/shop");
  EXPECT_EQ(event.at("body").as_string(), R"({"order":7})");
  EXPECT_EQ(event.at("requestContext").at("requestId").as_string(), job.id);
  EXPECT_EQ(event.at("requestContext").at("timeEpoch").as_int64(), 1573755365568);

  fn.kind = config::RuntimeKind::kCommand;
  v = json::parse(
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0)));
  EXPECT_EQ(json::serialize(v.at("requestPayload")), R"({"order":7})");
}

// A record is JSON, so UTF-8: payloads that are neither JSON nor UTF-8 (a binary body, a
// command's binary stdout) go in with U+FFFD for the bytes that are not.
TEST(InvocationRecord, IsValidUtf8WhateverThePayloads) {
  config::Function fn;
  fn.name = "orders";
  store::Job job = EventJob();
  job.request.body = "ok\xff\xfe bin";
  runtime::Outcome outcome;
  outcome.response.body = "caf\xe9";
  std::string text =
      InvocationRecord(job, fn, outcome, RecordCondition::kSuccess, base::FromUnixMs(0));
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);  // Boost.JSON refuses invalid UTF-8
  ASSERT_FALSE(ec) << ec.message() << ": " << text;
  EXPECT_EQ(v.at("requestPayload").as_string(), "ok\xef\xbf\xbd\xef\xbf\xbd bin");
  EXPECT_EQ(v.at("responsePayload").as_string(), "caf\xef\xbf\xbd");
}

TEST(IsAsyncInvocation, EventInvokesAndRoutesNobodyWaitsFor) {
  store::Job job = EventJob();
  EXPECT_TRUE(IsAsyncInvocation(job, false));
  job.request.headers = {{"X-Amz-Invocation-Type", "RequestResponse"}};
  EXPECT_FALSE(IsAsyncInvocation(job, false));
  // A route's job, whatever its route's ack: asynchronous when no caller waits for its outcome
  // (an ack: async route, Prefer: respond-async, a wait that ran out, a restart since).
  job.route = "POST /a";
  EXPECT_TRUE(IsAsyncInvocation(job, false));
  EXPECT_FALSE(IsAsyncInvocation(job, true));
  job.route = "destination";
  EXPECT_TRUE(IsAsyncInvocation(job, false));
}

// A reload that removed the destination function while the attempt ran does not lose the
// record: it is appended for the function by name, to wait until a config has it again.
TEST(Destinations, ARecordForARemovedFunctionIsKept) {
  testing::FakeClock clock;
  std::FILE* sink = std::fopen("/dev/null", "w");
  base::Logger log(base::LogFormat::kText, base::LogLevel::kError, sink);
  Destinations destinations(clock, log, std::make_shared<const config::Config>());
  config::Function fn;
  fn.name = "orders";
  fn.on_failure.function = "gone";
  fn.on_success.function = "orders:on_success";  // a url's delivery function
  runtime::Outcome failed;
  failed.status = base::Status(base::Code::kUnknown, "exit status 1");
  auto record =
      destinations.FollowUp(EventJob(), fn, failed, store::Completion::Kind::kDead, false);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->function, "gone");
  EXPECT_EQ(record->request.path, "/2015-03-31/functions/gone/invocations");
  auto delivery = destinations.FollowUp(EventJob(), fn, runtime::Outcome{},
                                        store::Completion::Kind::kSucceeded, false);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->function, "orders:on_success");
  EXPECT_EQ(delivery->request.path, "/");
  std::fclose(sink);
}

}  // namespace
}  // namespace longhaul::ingest
