#include "hooks/dispatch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hooks/hooks_file.h"
#include "webhook/hmac.h"

namespace longhaul::hooks {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Pair;

const base::TimePoint kNow = base::FromUnixMs(1704067200000);

constexpr char kHooks[] = R"(
- id: redeploy
  execute-command: /bin/true
  response-message: Redeploying
  response-headers: [{name: X-Hook, value: redeploy}]
  success-http-response-code: 202
  trigger-rule-mismatch-http-response-code: 400
  trigger-rule:
    and:
      - match: {type: payload-hmac-sha256, secret: s3cret,
                parameter: {source: header, name: X-Hub-Signature-256}}
      - match: {type: value, value: refs/heads/main, parameter: {source: payload, name: ref}}
- id: get-only
  execute-command: /bin/true
  http-methods: [GET]
- id: odd-code
  execute-command: /bin/true
  success-http-response-code: 299
  trigger-rule-mismatch-http-response-code: 999
  trigger-rule: {match: {type: value, value: x, parameter: {source: query, name: q}}}
- id: with space
  execute-command: /bin/true
)";

class DispatchTest : public ::testing::Test {
 protected:
  DispatchTest() {
    auto parsed = ParseHooks(kHooks, "h.yaml");
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    hooks_ = HookSet(parsed->hooks);
    opts_.response_headers = {{"X-Global", "1"}};
  }

  store::Request Req(std::string method, std::string path, std::string body = "",
                     store::Headers headers = {}) {
    store::Request r;
    r.method = std::move(method);
    size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.headers = std::move(headers);
    r.body = std::move(body);
    r.remote_addr = "127.0.0.1";
    return r;
  }

  store::Request Signed(std::string body) {
    auto mac = webhook::ComputeHmac(webhook::HashAlgorithm::kSha256, "s3cret", body);
    return Req("POST", "/hooks/redeploy", body,
               {{"Content-Type", "application/json"},
                {"X-Hub-Signature-256", "sha256=" + webhook::HexEncode(*mac)}});
  }

  HookSet hooks_;
  WebhookOptions opts_;
};

TEST_F(DispatchTest, HealthAndUnknownPaths) {
  Dispatch d = Decide(hooks_, opts_, Req("GET", "/"), kNow);
  EXPECT_EQ(d.kind, Dispatch::Kind::kAnswer);
  EXPECT_EQ(d.answer.status, 200);
  EXPECT_EQ(d.answer.body, "OK");
  EXPECT_THAT(d.answer.headers, Contains(Pair("X-Global", "1")));

  d = Decide(hooks_, opts_, Req("POST", "/hooks/nope"), kNow);
  EXPECT_EQ(d.answer.status, 404);
  EXPECT_EQ(d.answer.body, "Hook not found.");
  EXPECT_THAT(d.answer.headers, ::testing::Not(Contains(Pair("X-Global", "1"))));

  d = Decide(hooks_, opts_, Req("POST", "/elsewhere"), kNow);
  EXPECT_EQ(d.answer.status, 404);
  EXPECT_EQ(d.answer.body, "404 page not found\n");
  EXPECT_THAT(d.answer.headers, Contains(Pair("X-Content-Type-Options", "nosniff")));
}

// As webhook's router: a path that is not clean is sent to its clean form (a sender whose base
// URL ends in a slash), its query kept; nothing runs.
TEST_F(DispatchTest, AnUncleanPathIsRedirectedToItsCleanForm) {
  for (const auto& [path, clean] : {std::pair{"//hooks/redeploy", "/hooks/redeploy"},
                                    std::pair{"/hooks//redeploy", "/hooks/redeploy"},
                                    std::pair{"/hooks/./redeploy", "/hooks/redeploy"},
                                    std::pair{"/x/../hooks/redeploy", "/hooks/redeploy"},
                                    std::pair{"/../hooks/a/", "/hooks/a/"}, std::pair{"//", "/"}}) {
    store::Request req = Req("POST", path);
    req.query = "a=1";
    Dispatch d = Decide(hooks_, opts_, req, kNow);
    EXPECT_EQ(d.kind, Dispatch::Kind::kAnswer) << path;
    EXPECT_EQ(d.answer.status, 301) << path;
    EXPECT_THAT(d.answer.headers, Contains(Pair("Location", std::string(clean) + "?a=1"))) << path;
    EXPECT_TRUE(d.answer.body.empty()) << path;
  }
  EXPECT_EQ(Decide(hooks_, opts_, Req("POST", "/hooks/redeploy/"), kNow).answer.status, 404)
      << "a trailing slash is clean";
}

TEST_F(DispatchTest, MethodChecks) {
  Dispatch d = Decide(hooks_, opts_, Req("POST", "/hooks/get-only"), kNow);
  EXPECT_EQ(d.answer.status, 405);
  EXPECT_THAT(d.answer.body, IsEmpty());
  EXPECT_EQ(Decide(hooks_, opts_, Req("GET", "/hooks/get-only"), kNow).kind,
            Dispatch::Kind::kTrigger);
  // The server-wide list applies to hooks without their own.
  opts_.http_methods = {"PUT"};
  EXPECT_EQ(Decide(hooks_, opts_, Req("POST", "/hooks/with%20space"), kNow).answer.status, 405);
  Dispatch put = Decide(hooks_, opts_, Req("PUT", "/hooks/with%20space"), kNow);
  EXPECT_EQ(put.kind, Dispatch::Kind::kTrigger);
  EXPECT_EQ(put.path, "/hooks/with space");
}

TEST_F(DispatchTest, RulesDecide) {
  Dispatch ok = Decide(hooks_, opts_, Signed(R"({"ref": "refs/heads/main"})"), kNow);
  ASSERT_EQ(ok.kind, Dispatch::Kind::kTrigger) << ok.detail;
  EXPECT_EQ(ok.hook->id, "redeploy");
  EXPECT_EQ(ok.path, "/hooks/redeploy");

  Dispatch other_branch = Decide(hooks_, opts_, Signed(R"({"ref": "refs/heads/dev"})"), kNow);
  EXPECT_EQ(other_branch.kind, Dispatch::Kind::kAnswer);
  EXPECT_EQ(other_branch.answer.status, 400);
  EXPECT_EQ(other_branch.answer.body, "Hook rules were not satisfied.");
  EXPECT_THAT(other_branch.answer.headers, Contains(Pair("X-Global", "1")));
  EXPECT_THAT(other_branch.answer.headers, ::testing::Not(Contains(Pair("X-Hook", "redeploy"))));

  store::Request forged = Signed(R"({"ref": "refs/heads/main"})");
  forged.body = R"({"ref": "refs/heads/main", "evil": 1})";
  Dispatch bad_sig = Decide(hooks_, opts_, forged, kNow);
  EXPECT_EQ(bad_sig.answer.status, 500);
  EXPECT_EQ(bad_sig.answer.body, "Error occurred while evaluating hook rules.");

  store::Request unsigned_req = Req("POST", "/hooks/redeploy", R"({"ref": "refs/heads/main"})",
                                    {{"Content-Type", "application/json"}});
  EXPECT_EQ(Decide(hooks_, opts_, unsigned_req, kNow).answer.body,
            "Hook rules were not satisfied.");

  // A code Go does not know becomes 200.
  Dispatch odd = Decide(hooks_, opts_, Req("POST", "/hooks/odd-code?q=y"), kNow);
  EXPECT_EQ(odd.answer.status, 200);
}

TEST_F(DispatchTest, MultipartThatDoesNotParse) {
  Dispatch d = Decide(hooks_, opts_,
                      Req("POST", "/hooks/with%20space", "garbage",
                          {{"Content-Type", "multipart/form-data; boundary=zz"}}),
                      kNow);
  EXPECT_EQ(d.answer.status, 500);
  EXPECT_EQ(d.answer.body, "Error occurred while parsing multipart form.");
}

TEST_F(DispatchTest, TriggeredAnswer) {
  store::Response r = TriggeredAnswer(*hooks_.Find("redeploy"), opts_);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "Redeploying");
  EXPECT_THAT(r.headers, Contains(Pair("X-Global", "1")));
  EXPECT_THAT(r.headers, Contains(Pair("X-Hook", "redeploy")));
  EXPECT_THAT(r.headers, Contains(Pair("Content-Type", "text/plain; charset=utf-8")));
  EXPECT_EQ(TriggeredAnswer(*hooks_.Find("odd-code"), opts_).status, 200);
}

TEST_F(DispatchTest, OutputAnswer) {
  Hook hook = *hooks_.Find("redeploy");
  store::Job job;
  job.id = "J1";
  job.state = store::JobState::kSucceeded;
  job.result = store::Response{200, {}, "built\n"};
  store::Response ok = OutputAnswer(hook, opts_, job);
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body, "built\n");
  EXPECT_THAT(ok.headers, Contains(Pair("X-Hook", "redeploy")));

  job.state = store::JobState::kDead;
  job.result.reset();
  job.stdout_tail = "boom\n";
  store::Response failed = OutputAnswer(hook, opts_, job);
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body,
            "Error occurred while executing the hook's command. Please check your logs for more "
            "details.");
  hook.capture_output_on_error = true;
  store::Response with_output = OutputAnswer(hook, opts_, job);
  EXPECT_EQ(with_output.status, 500);
  EXPECT_EQ(with_output.body, "boom\n");

  job.state = store::JobState::kRunning;
  EXPECT_EQ(OutputAnswer(hook, opts_, job).status, 504);

  // A 204 has no body, so nothing sniffs one (webhook's Go server sends no Content-Type).
  hook.success_code = 204;
  job.state = store::JobState::kSucceeded;
  job.result = store::Response{200, {}, "built\n"};
  store::Response empty = OutputAnswer(hook, opts_, job);
  EXPECT_EQ(empty.status, 204);
  EXPECT_THAT(empty.headers, ::testing::Not(Contains(Pair("Content-Type", ::testing::_))));
}

TEST(SniffContentType, TextHtmlXmlBinary) {
  EXPECT_EQ(SniffContentType(""), "");
  EXPECT_EQ(SniffContentType("hello"), "text/plain; charset=utf-8");
  EXPECT_EQ(SniffContentType("{\"a\":1}"), "text/plain; charset=utf-8");
  EXPECT_EQ(SniffContentType("  <html><body>x"), "text/html; charset=utf-8");
  EXPECT_EQ(SniffContentType("<?xml version=\"1.0\"?><a/>"), "text/xml; charset=utf-8");
  EXPECT_EQ(SniffContentType(std::string("\x01\x02", 2)), "application/octet-stream");
}

TEST(KnownStatus, FallsBackTo200) {
  EXPECT_EQ(KnownStatus(0), 200);
  EXPECT_EQ(KnownStatus(100), 200);
  EXPECT_EQ(KnownStatus(103), 200);
  EXPECT_EQ(KnownStatus(201), 201);
  EXPECT_EQ(KnownStatus(418), 418);
  EXPECT_EQ(KnownStatus(299), 200);
  EXPECT_EQ(KnownStatus(999), 200);
}

}  // namespace
}  // namespace longhaul::hooks
