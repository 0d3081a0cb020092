#include "ingest/responses.h"

#include <gtest/gtest.h>

namespace longhaul::ingest {
namespace {

config::Config TwoFunctions() {
  config::Config cfg;
  config::Function forward;
  forward.name = "forward";
  forward.kind = config::RuntimeKind::kHttp;
  config::Function command;
  command.name = "command";
  command.kind = config::RuntimeKind::kCommand;
  cfg.functions = {forward, command};
  return cfg;
}

store::Job Finished(std::string function, store::JobState state, std::string error) {
  store::Job job;
  job.id = "job-1";
  job.function = std::move(function);
  job.state = state;
  job.last_error = std::move(error);
  return job;
}

// A sync caller of an http function gets the upstream's answer as a reverse proxy gives it:
// a redirect, a 401, a validation 400 are the caller's to see, not a 502 of longhaul's.
TEST(OutcomeResponse, AnUpstreamsFailedAnswerIsPassedOn) {
  store::Job job =
      Finished("forward", store::JobState::kFailed, "INVALID_ARGUMENT: upstream answered 302");
  job.result = store::Response{302, {{"Location", "/login"}}, ""};
  http::Response res = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions());
  EXPECT_EQ(res.result_int(), 302);
  EXPECT_EQ(res[boost::beast::http::field::location], "/login");
  EXPECT_EQ(res["X-Longhaul-Job-State"], "failed");
  EXPECT_EQ(res["X-Longhaul-Job-Id"], "job-1");
}

// A function cannot speak for this server about its job: its own X-Longhaul-Job-State,
// -Duplicate or -Job-Id fields are dropped (the server sets what is true).
TEST(OutcomeResponse, AFunctionsJobFieldsAreNotPassedOn) {
  store::Job job = Finished("forward", store::JobState::kSucceeded, "");
  job.result = store::Response{200,
                               {{"X-Longhaul-Job-State", "dead"},
                                {"x-longhaul-duplicate", "true"},
                                {"X-Longhaul-Job-Id", "other"},
                                {"X-Longhaul-Result-Truncated", "stdout"}},
                               "ok"};
  http::Response res = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions());
  EXPECT_EQ(res.count("X-Longhaul-Job-State"), 0u);
  EXPECT_EQ(res.count("X-Longhaul-Duplicate"), 0u);
  EXPECT_EQ(res["X-Longhaul-Job-Id"], "job-1");
  EXPECT_EQ(res["X-Longhaul-Result-Truncated"], "stdout");
}

// A cancelled job says so, whatever its last attempt did: not a timeout's 504.
TEST(OutcomeResponse, ACancelledJobSaysItWasCancelled) {
  store::Job job = Finished("command", store::JobState::kCancelled, "DEADLINE_EXCEEDED: timed out");
  http::Response res = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions());
  EXPECT_EQ(res.result_int(), 502);
  EXPECT_NE(res.body().find(
                R"js("error":"cancelled (its last attempt: DEADLINE_EXCEEDED: timed out)")js"),
            std::string::npos)
      << res.body();
  job.last_error = "";
  res = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions());
  EXPECT_NE(res.body().find(R"("error":"cancelled")"), std::string::npos) << res.body();
}

// An ack_body is labelled as what it is: JSON, or text.
TEST(AcceptedResponse, AnAckBodyIsJsonOrText) {
  config::Route route;
  route.ack_status = 200;
  route.ack_body = "queued";
  http::Response text = AcceptedResponse(&route, "job-1", "http://s/jobs/job-1", false);
  EXPECT_EQ(text[boost::beast::http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_EQ(text.body(), "queued");
  route.ack_body = R"({"ok":true})";
  http::Response json = AcceptedResponse(&route, "job-1", "http://s/jobs/job-1", false);
  EXPECT_EQ(json[boost::beast::http::field::content_type], "application/json");
}

// A function's result may name framing or hop-by-hop fields; this answer is framed by the
// server: a Transfer-Encoding beside its Content-Length would leave the caller waiting.
TEST(OutcomeResponse, AFunctionsFramingFieldsAreNotPassedOn) {
  store::Job job = Finished("command", store::JobState::kSucceeded, "");
  job.result = store::Response{200,
                               {{"Transfer-Encoding", "identity"},
                                {"Connection", "keep-alive, Upgrade"},
                                {"Upgrade", "websocket"},
                                {"Content-Length", "99"},
                                {"X-Kept", "1"}},
                               "hi"};
  http::Response res = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions());
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.count(boost::beast::http::field::transfer_encoding), 0u);
  EXPECT_EQ(res.count(boost::beast::http::field::upgrade), 0u);
  EXPECT_EQ(res.count(boost::beast::http::field::connection), 0u);
  EXPECT_EQ(res[boost::beast::http::field::content_length], "2");
  EXPECT_EQ(res["X-Kept"], "1");
}

// An upstream's answer to HEAD keeps its Content-Length for a HEAD caller, and only for one.
TEST(OutcomeResponse, AHeadAnswerKeepsTheUpstreamsContentLength) {
  store::Job job = Finished("forward", store::JobState::kSucceeded, "");
  job.request.method = "HEAD";
  job.result = store::Response{200, {{"Content-Length", "1234"}, {"X-Up", "1"}}, ""};
  http::Response head = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions(), true);
  EXPECT_EQ(head[boost::beast::http::field::content_length], "1234");
  http::Response get = OutcomeResponse(job, "http://s/jobs/job-1", TwoFunctions(), false);
  EXPECT_EQ(get[boost::beast::http::field::content_length], "0");
  // A command's result headers are its own text, not framing (QA: "abc\x01" went out).
  store::Job command = Finished("command", store::JobState::kSucceeded, "");
  command.request.method = "HEAD";
  command.result = store::Response{200, {{"Content-Length", "abc\x01"}}, "okokok"};
  http::Response own = OutcomeResponse(command, "http://s/jobs/job-1", TwoFunctions(), true);
  EXPECT_EQ(own[boost::beast::http::field::content_length], "6");
}

TEST(OutcomeResponse, OtherFailuresAre502AndTimeouts504) {
  store::Job failed = Finished("command", store::JobState::kFailed, "UNKNOWN: exit status 1");
  failed.result = store::Response{200, {}, "stdout"};  // not an answer: the command failed
  http::Response res = OutcomeResponse(failed, "http://s/jobs/job-1", TwoFunctions());
  EXPECT_EQ(res.result_int(), 502);
  EXPECT_NE(res.body().find("exit status 1"), std::string::npos) << res.body();

  store::Job timed_out =
      Finished("forward", store::JobState::kDead, "DEADLINE_EXCEEDED: timed out after 3s");
  EXPECT_EQ(OutcomeResponse(timed_out, "http://s/jobs/job-1", TwoFunctions()).result_int(), 504);
}

// A Lambda function's error text (its errorMessage) goes to the operator, not to the route's
// sender, as API Gateway keeps it from callers; a timeout says no more than that.
TEST(OutcomeResponse, ALambdaFunctionsErrorIsNotTheSenders) {
  config::Config cfg = TwoFunctions();
  config::Function lambda;
  lambda.name = "lambda";
  lambda.kind = config::RuntimeKind::kLambda;
  cfg.functions.push_back(lambda);
  store::Job dead = Finished("lambda", store::JobState::kDead,
                             "UNKNOWN: function error: Error: db password is hunter2");
  http::Response to_sender = OutcomeResponse(dead, "http://s/jobs/job-1", cfg, false, true);
  EXPECT_EQ(to_sender.result_int(), 502);
  EXPECT_EQ(to_sender.body().find("hunter2"), std::string::npos) << to_sender.body();
  EXPECT_NE(to_sender.body().find("the function failed"), std::string::npos) << to_sender.body();
  http::Response to_operator = OutcomeResponse(dead, "http://s/jobs/job-1", cfg);
  EXPECT_NE(to_operator.body().find("hunter2"), std::string::npos) << to_operator.body();

  store::Job timed_out =
      Finished("lambda", store::JobState::kDead, "DEADLINE_EXCEEDED: timed out after 3s");
  http::Response late = OutcomeResponse(timed_out, "http://s/jobs/job-1", cfg, false, true);
  EXPECT_EQ(late.result_int(), 504);
  EXPECT_NE(late.body().find("timed out after 3s"), std::string::npos) << late.body();
}

}  // namespace
}  // namespace longhaul::ingest
