#include "admin/job_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/base64.h"

namespace longhaul::admin {
namespace {
namespace json = boost::json;

// A job that stored bytes which are not UTF-8 (a binary upload, a latin-1 header, a tool's
// raw output) still reads back as JSON, and its bodies come back byte for byte.
TEST(JobToJson, BytesThatAreNotUtf8StillMakeValidJson) {
  const std::string binary(
      "a\xff\xfe"
      "b",
      4);
  store::Job job;
  job.id = "01J";
  job.state = store::JobState::kSucceeded;
  job.request.method = "POST";
  job.request.path = "/up";
  job.request.headers = {{"X-Name", "caf\xe9"}};
  job.request.body = binary;
  job.result = store::Response{200, {}, binary};
  job.stderr_tail = "log \xff line\n";
  job.idempotency_key = "k\xe9";

  boost::system::error_code ec;
  json::value v = json::parse(json::serialize(JobToJson(job, JobDetail::kFull)), ec);
  ASSERT_FALSE(ec) << ec.message();
  const json::object& o = v.as_object();
  for (const char* part : {"request", "result"}) {
    const json::object& p = o.at(part).as_object();
    EXPECT_EQ(p.at("body_encoding"), "base64") << part;
    EXPECT_EQ(base::Base64Decode(std::string(p.at("body").as_string())), binary) << part;
  }
  EXPECT_EQ(o.at("request").at("headers").at("X-Name"), "caf\xEF\xBF\xBD");
  // An output tail too (QA: a failed job's only copy of its output lost those bytes).
  EXPECT_EQ(o.at("stderr_tail_encoding"), "base64");
  EXPECT_EQ(base::Base64Decode(std::string(o.at("stderr_tail").as_string())), job.stderr_tail);
  EXPECT_EQ(o.at("idempotency_key"), "k\xEF\xBF\xBD");
}

TEST(JobToJson, Utf8BodiesStayText) {
  store::Job job;
  job.id = "01J";
  job.request.body = "caf\xC3\xA9";
  json::object o = JobToJson(job, JobDetail::kFull);
  EXPECT_EQ(o.at("request").at("body"), "caf\xC3\xA9");
  EXPECT_FALSE(o.at("request").as_object().contains("body_encoding"));
}

// A tail is cut from the end of the output, maybe within a character: that part of it is
// dropped, and the rest stays text.
TEST(JobToJson, ATailCutWithinACharacterStaysText) {
  store::Job job;
  job.id = "01J";
  job.stdout_tail = "\xA9 done\n";  // the end of "é done\n"
  json::object o = JobToJson(job, JobDetail::kFull);
  EXPECT_EQ(o.at("stdout_tail"), " done\n");
  EXPECT_FALSE(o.contains("stdout_tail_encoding"));
}

// next_run_at says when a job that waits runs next; a running or finished one has none (QA: the
// answer to a retry showed one beside "running").
TEST(JobToJson, OnlyAWaitingJobHasANextRunAt) {
  store::Job job;
  job.id = "01J";
  for (store::JobState state :
       {store::JobState::kQueued, store::JobState::kRetrying, store::JobState::kRunning,
        store::JobState::kSucceeded, store::JobState::kDead}) {
    job.state = state;
    const bool waits = state == store::JobState::kQueued || state == store::JobState::kRetrying;
    EXPECT_EQ(JobToJson(job, JobDetail::kSummary).contains("next_run_at"), waits)
        << store::ToString(state);
  }
}

TEST(JobToJson, RepeatedHeaderFieldsKeepEveryValue) {
  store::Job job;
  job.id = "01J";
  // Field names are case-insensitive: one key, spelled as the name first came (QA).
  job.request.headers = {
      {"X-Dup", "first"}, {"X-One", "only"}, {"x-dup", "second"}, {"X-DUP", "third"}};
  job.result = store::Response{
      200, {{"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}, {"Set-Cookie", "c=3"}}, ""};
  json::object o = JobToJson(job, JobDetail::kFull);
  EXPECT_EQ(json::serialize(o.at("request").at("headers")),
            R"({"X-Dup":["first","second","third"],"X-One":"only"})");
  EXPECT_EQ(json::serialize(o.at("result").at("headers")), R"({"Set-Cookie":["a=1","b=2","c=3"]})");
}

TEST(JobToJson, ASummaryHasTheResultsStatusOnly) {
  store::Job job;
  job.id = "01J";
  job.state = store::JobState::kSucceeded;
  job.result = store::Response{200, {{"X", "1"}}, "body"};
  job.stdout_tail = "out";
  job.request.method = "POST";
  json::object o = JobToJson(job, JobDetail::kSummary);
  EXPECT_EQ(json::serialize(o.at("result")), R"({"status":200})");
  EXPECT_FALSE(o.contains("stdout_tail"));
  EXPECT_FALSE(o.contains("request"));
  EXPECT_TRUE(JobToJson(job, JobDetail::kFull).contains("stdout_tail"));
}

}  // namespace
}  // namespace longhaul::admin
