#include "lambda/invocation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/base64.h"
#include "base/ids.h"

namespace longhaul::lambda {
namespace {

namespace json = boost::json;

json::object Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_object() ? v.as_object() : json::object();
}

class InvocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fn_.name = "echo";
    fn_.kind = config::RuntimeKind::kLambda;
    fn_.timeout = std::chrono::seconds(3);
    inv_.job_id = base::NewJobId(created_);
    inv_.attempt = 1;
    inv_.function = &fn_;
    inv_.deadline = created_ + std::chrono::seconds(3);
  }
  base::TimePoint created_ = base::FromUnixMs(1704067200123);
  config::Function fn_;
  runtime::Invocation inv_;
};

TEST_F(InvocationTest, JobTimeIsTheIdsTimestamp) {
  EXPECT_EQ(JobTime(inv_.job_id, base::TimePoint{}), created_);
  EXPECT_EQ(JobTime("not-a-job-id", created_), created_);
  EXPECT_EQ(JobTime("000000000000000000000000", created_), created_) << "wrong length";
  EXPECT_EQ(JobTime("I000000000AAAAAAAAAAAAAAAA", created_), created_) << "not Crockford";
}

TEST_F(InvocationTest, InvokeApiCallsGetTheRawBody) {
  inv_.request.method = "POST";
  inv_.request.path = "/2015-03-31/functions/echo/invocations";
  inv_.request.body = R"({"raw":true})";
  inv_.request.headers = {{"X-Amz-Client-Context", "eyJjdXN0b20iOnsiYSI6MX19"}};
  inv_.route = "invoke";
  Delivery d = MakeDelivery(inv_);
  EXPECT_EQ(d.request_id, inv_.job_id);
  EXPECT_EQ(d.deadline, inv_.deadline);
  EXPECT_EQ(d.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_EQ(d.event, R"({"raw":true})");
  EXPECT_EQ(d.client_context, R"({"custom":{"a":1}})");
  EXPECT_TRUE(d.cognito_identity.empty());
}

// Lambda gives an invocation without a payload to its function as {} (a runtime parses the
// event as JSON before the handler runs: an empty one fails every Node.js function).
TEST_F(InvocationTest, AnEmptyPayloadIsAnEmptyObject) {
  inv_.request.path = "/2015-03-31/functions/echo/invocations";
  inv_.route = "invoke";
  EXPECT_EQ(MakeDelivery(inv_).event, "{}");
}

TEST_F(InvocationTest, TheArnIsTheOneInvoked) {
  inv_.route = "invoke";
  const std::string ours = "arn:aws:lambda:us-east-1:000000000000:function:echo";
  struct Case {
    std::string path;
    std::string query;
    std::string want;
  };
  const Case cases[] = {
      {"/2015-03-31/functions/echo/invocations", "", ours},
      {"/2015-03-31/functions/echo:v1/invocations", "", ours + ":v1"},
      {"/2015-03-31/functions/echo/invocations", "Qualifier=v1", ours + ":v1"},
      {"/2015-03-31/functions/echo:v1/invocations", "x=1&Qualifier=v1", ours + ":v1"},
      {"/2015-03-31/functions/echo%3A%24LATEST/invocations", "", ours + ":$LATEST"},
      {"/2015-03-31/functions/function:echo:live/invocations", "", ours + ":live"},
      // A partial ARN keeps our account and region.
      {"/2015-03-31/functions/123456789012:function:echo:v3/invocations", "", ours + ":v3"},
      // A full ARN is the caller's, as invoked.
      {"/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo:prod/"
       "invocations",
       "", "arn:aws:lambda:us-east-1:123456789012:function:echo:prod"},
      {"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aecho/"
       "invocations",
       "Qualifier=prod", "arn:aws:lambda:eu-west-1:123456789012:function:echo:prod"},
      {"/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:echo/invocations", "",
       "arn:aws:lambda:eu-west-1:123456789012:function:echo"},
      // Nothing but ARN characters reaches the header.
      {"/2015-03-31/functions/arn:aws:lambda:x%0D%0AX-Evil:%201:function:echo/invocations", "",
       ours},
      {"/2015-03-31/functions/echo/invocations", "Qualifier=a%0Ab", ours},
  };
  for (const Case& c : cases) {
    inv_.request.path = c.path;
    inv_.request.query = c.query;
    EXPECT_EQ(InvokedFunctionArn(fn_, inv_.route, inv_.request), c.want)
        << c.path << "?" << c.query;
    EXPECT_EQ(MakeDelivery(inv_).function_arn, c.want) << c.path << "?" << c.query;
  }
  // Through a route, whatever its path: the function's own ARN.
  inv_.request.path = "/2015-03-31/functions/echo:v1/invocations";
  EXPECT_EQ(InvokedFunctionArn(fn_, "POST /{proxy+}", inv_.request), ours);
  EXPECT_EQ(InvokedFunctionArn(fn_, "POST /hooks/{name}", inv_.request), ours);
}

TEST_F(InvocationTest, ClientContextMustBeBase64OfAJsonObject) {
  inv_.route = "invoke";
  inv_.request.path = "/2015-03-31/functions/echo/invocations";
  for (const std::string& bad :
       {std::string("%%%"), base::Base64Encode("hello world"), base::Base64Encode("[1]"),
        base::Base64Encode("{}\r\nLambda-Runtime-Aws-Request-Id: forged")}) {
    inv_.request.headers = {{"x-amz-client-context", bad}};
    EXPECT_EQ(MakeDelivery(inv_).client_context, "") << bad;
  }
  // Not to an asynchronous invocation (Lambda passes it to synchronous ones only).
  inv_.request.headers = {{"X-Amz-Client-Context", base::Base64Encode(R"({"a":1})")},
                          {"X-Amz-Invocation-Type", "Event"}};
  EXPECT_EQ(MakeDelivery(inv_).client_context, "");
  // Valid JSON with raw line breaks between its tokens goes out on one line.
  inv_.request.headers = {
      {"X-Amz-Client-Context", base::Base64Encode("{\r\n\"custom\":\r\n {\"a\": 1}}")}};
  EXPECT_EQ(MakeDelivery(inv_).client_context, R"({"custom":{"a":1}})");
}

TEST_F(InvocationTest, ARouteWhosePathLooksLikeTheInvokeApiStillGetsAnHttpApiEvent) {
  inv_.request.method = "POST";
  inv_.request.path = "/2015-03-31/functions/echo/invocations";
  inv_.request.body = R"({"statusCode":418})";
  inv_.request.headers = {{"X-Amz-Client-Context", base::Base64Encode(R"({"a":1})")},
                          {"Content-Type", "application/json"}};
  inv_.route = "POST /{proxy+}";
  Delivery d = MakeDelivery(inv_);
  json::object e = Parse(d.event);
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["rawPath"], "/2015-03-31/functions/echo/invocations");
  EXPECT_EQ(e["body"], R"({"statusCode":418})");
  EXPECT_EQ(d.client_context, "") << "a route's caller does not set the client context";
  // A destination's record is an Invoke-style event.
  inv_.route = "destination";
  EXPECT_EQ(MakeDelivery(inv_).event, R"({"statusCode":418})");
}

TEST_F(InvocationTest, RouteCallsGetAnHttpApiEvent) {
  inv_.request.method = "POST";
  inv_.request.path = "/hooks/x";
  inv_.request.body = "hi";
  inv_.request.headers = {{"Content-Type", "text/plain"}};
  inv_.route = "POST /hooks/{name}";
  Delivery d = MakeDelivery(inv_);
  json::object e = Parse(d.event);
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "POST /hooks/{name}");
  EXPECT_EQ(e["body"], "hi");
  json::object& rc = e["requestContext"].as_object();
  EXPECT_EQ(std::string(rc["requestId"].as_string()), inv_.job_id);
  EXPECT_EQ(rc["timeEpoch"], base::ToUnixMs(created_));
  EXPECT_TRUE(d.client_context.empty());
}

TEST_F(InvocationTest, TraceIdIsStablePerAttemptOrTakenFromTheRequest) {
  std::string a = TraceId(inv_);
  EXPECT_EQ(a, TraceId(inv_));
  EXPECT_EQ(a.substr(0, 16), "Root=1-65920080-");  // 0x65920080 = 1704067200 s
  EXPECT_EQ(a.size(),
            std::string("Root=1-65920080-0123456789abcdef01234567;Parent=0123456789abcdef;"
                        "Sampled=0")
                .size());
  runtime::Invocation second = inv_;
  second.attempt = 2;
  std::string b = TraceId(second);
  EXPECT_EQ(a.substr(0, a.find(';')), b.substr(0, b.find(';'))) << "same root";
  EXPECT_NE(a, b) << "another parent";
  inv_.request.headers = {{"X-Amzn-Trace-Id", "Root=1-abc"}};
  EXPECT_EQ(TraceId(inv_), "Root=1-abc");
}

TEST(InvocationErrors, BodiesAndLines) {
  EXPECT_EQ(ProcessExitedBody("ID"),
            R"({"errorMessage":"RequestId: ID Process exited before completing request"})");
  EXPECT_EQ(TimeoutMessage(std::chrono::seconds(3)), "Task timed out after 3.00 seconds");
  EXPECT_EQ(TimeoutMessage(std::chrono::milliseconds(1500)), "Task timed out after 1.50 seconds");
  EXPECT_EQ(TimeoutBody(base::FromUnixMs(1704067200123), "ID", std::chrono::seconds(1)),
            R"({"errorMessage":"2024-01-01T00:00:00.123Z ID Task timed out after 1.00 seconds"})");
  EXPECT_EQ(StartLine("ID"), "START RequestId: ID Version: $LATEST\n");
  EXPECT_EQ(EndLine("ID"), "END RequestId: ID\n");
  ReportInfo info;
  info.request_id = "ID";
  info.duration = std::chrono::milliseconds(12);
  info.memory_mb = 128;
  info.max_memory_used_mb = 40;
  EXPECT_EQ(ReportLine(info),
            "REPORT RequestId: ID\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB"
            "\tMax Memory Used: 40 MB\n");
  info.duration = std::chrono::microseconds(1523);  // as AWS: to the hundredth, billed rounded up
  info.max_memory_used_mb.reset();
  EXPECT_EQ(
      ReportLine(info),
      "REPORT RequestId: ID\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\n");
  info.duration = std::chrono::milliseconds(0);
  info.max_memory_used_mb.reset();
  info.init_duration = std::chrono::milliseconds(80);
  info.status = "timeout";
  EXPECT_EQ(ReportLine(info),
            "REPORT RequestId: ID\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB"
            "\tInit Duration: 80.00 ms\tStatus: timeout\n");
}

}  // namespace
}  // namespace longhaul::lambda
