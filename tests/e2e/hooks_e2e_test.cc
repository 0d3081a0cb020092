// Black-box tests of `longhaul webhook`: a hooks file written as adnanh/webhook's docs show,
// served by the real binary, every hook run through the durable queue.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/raw_conn.h"
#include "testing/server_process.h"
#include "webhook/hmac.h"

namespace longhaul::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kSecret[] = "It's a Secret to Everybody";

void WriteFile(const std::string& path, const std::string& text, bool executable = false) {
  std::ofstream(path) << text;
  if (executable) ::chmod(path.c_str(), 0755);
}

std::string Sign(const std::string& body) {
  auto mac = webhook::ComputeHmac(webhook::HashAlgorithm::kSha256, kSecret, body);
  return "sha256=" + webhook::HexEncode(*mac);
}

// The hooks file: upstream's GitHub redeploy example (docs/Hook-Examples.md), the secret from
// the environment through -template, plus hooks for the output and file features.
std::string HooksFile(const TempDir& dir) {
  return R"([
  {
    "id": "redeploy-webhook",
    "execute-command": ")" +
         dir.File("redeploy.sh") + R"(",
    "command-working-directory": ")" +
         dir.path() + R"(",
    "response-message": "Redeploying...",
    "pass-arguments-to-command":
    [
      { "source": "payload", "name": "head_commit.id" },
      { "source": "payload", "name": "pusher.name" },
      { "source": "payload", "name": "pusher.email" }
    ],
    "pass-environment-to-command":
    [
      { "source": "payload", "name": "repository.full_name", "envname": "REPO" }
    ],
    "trigger-rule":
    {
      "and":
      [
        {
          "match":
          {
            "type": "payload-hmac-sha256",
            "secret": "{{ getenv "LONGHAUL_TEST_GH_SECRET" | js }}",
            "parameter": { "source": "header", "name": "X-Hub-Signature-256" }
          }
        },
        {
          "match":
          {
            "type": "value",
            "value": "refs/heads/master",
            "parameter": { "source": "payload", "name": "ref" }
          }
        }
      ]
    }
  },
  {
    "id": "greet",
    "execute-command": "/bin/sh",
    "include-command-output-in-response": true,
    "response-headers": [ { "name": "X-Hook", "value": "greet" } ],
    "http-methods": [ "GET", "POST" ],
    "pass-arguments-to-command":
    [
      { "source": "string", "name": "-c" },
      { "source": "string", "name": "echo hello $1; cat \"$GREETING_FILE\"" },
      { "source": "string", "name": "sh" },
      { "source": "url", "name": "who" }
    ],
    "pass-file-to-command":
    [
      { "source": "payload", "name": "note", "envname": "GREETING_FILE" }
    ],
    "incoming-payload-content-type": "application/json"
  },
  {
    "id": "fails",
    "execute-command": "/bin/sh",
    "include-command-output-in-response": true,
    "include-command-output-in-response-on-error": true,
    "pass-arguments-to-command":
    [
      { "source": "string", "name": "-c" },
      { "source": "string", "name": "echo broken >&2; exit 4" }
    ]
  }
]
)";
}

class HooksE2E : public ::testing::Test {
 protected:
  HooksE2E() : server_("") {
    ::setenv("LONGHAUL_TEST_GH_SECRET", kSecret, 1);
    WriteFile(scratch_.File("redeploy.sh"),
              "#!/bin/sh\necho \"args=$1,$2,$3 repo=$REPO dir=$(pwd)\" >> " +
                  scratch_.File("deploys.txt") + "\n",
              true);
    hooks_path_ = scratch_.File("hooks.json");
    WriteFile(hooks_path_, HooksFile(scratch_));
  }

  int JobCount() {
    auto r = server_.AdminGet("/jobs?limit=100");
    if (!r.ok()) return -1;
    int n = 0;
    for (size_t p = r->body.find("\"id\":"); p != std::string::npos;
         p = r->body.find("\"id\":", p + 1)) {
      ++n;
    }
    return n;
  }

  TempDir scratch_;
  ServerProcess server_;
  std::string hooks_path_;
};

const char kPush[] =
    R"({"ref": "refs/heads/master", "head_commit": {"id": "1481a2de7b2a7d02428ad93446ab166be7793fbb"},
  "pusher": {"name": "octocat", "email": "octocat@example.com"},
  "repository": {"full_name": "octo-org/hello-world"}})";

TEST_F(HooksE2E, GithubRedeployHookRunsThroughTheQueue) {
  server_.StartWebhook(
      {"-hooks", hooks_path_, "-template", "-verbose", "-header", "X-Served-By=longhaul"});
  std::string body = kPush;
  auto r = server_.Post("/hooks/redeploy-webhook", body,
                        {{"Content-Type", "application/json"},
                         {"X-GitHub-Event", "push"},
                         {"X-Hub-Signature-256", Sign(body)}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Redeploying...");
  EXPECT_EQ(r->Header("X-Served-By"), "longhaul");
  std::string id = r->Header("X-Longhaul-Job-Id");
  ASSERT_FALSE(id.empty());

  std::string job = server_.WaitForJobState(id, "succeeded");
  ASSERT_FALSE(job.empty()) << server_.Log();
  EXPECT_EQ(JsonField(job, "function"), "redeploy-webhook");
  EXPECT_EQ(ReadFile(scratch_.File("deploys.txt")),
            "args=1481a2de7b2a7d02428ad93446ab166be7793fbb,octocat,octocat@example.com "
            "repo=octo-org/hello-world dir=" +
                scratch_.path() + "\n");

  // The status API and the CLI see it.
  auto list = server_.AdminGet("/jobs?function=redeploy-webhook");
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(list->body, HasSubstr(id));
  std::string out, err;
  EXPECT_EQ(server_.RunToExit({"jobs", "list", "--admin", server_.admin_url()}, &out, &err), 0)
      << err;
  EXPECT_THAT(out, HasSubstr(id));
}

TEST_F(HooksE2E, WebhookAnswersForEverythingElse) {
  server_.StartWebhook({"-hooks", hooks_path_, "-template", "-header", "X-Served-By=longhaul"});
  int before = JobCount();
  ASSERT_EQ(before, 0);

  // Signed, but another branch: webhook's mismatch answer, nothing stored.
  std::string dev = R"({"ref": "refs/heads/dev"})";
  auto mismatch =
      server_.Post("/hooks/redeploy-webhook", dev,
                   {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", Sign(dev)}});
  ASSERT_TRUE(mismatch.ok());
  EXPECT_EQ(mismatch->status, 200);
  EXPECT_EQ(mismatch->body, "Hook rules were not satisfied.");
  EXPECT_EQ(mismatch->Header("X-Longhaul-Job-Id"), "");
  EXPECT_EQ(mismatch->Header("X-Served-By"), "longhaul");

  // A forged signature is a rule error, as upstream.
  std::string body = kPush;
  auto forged = server_.Post(
      "/hooks/redeploy-webhook", body,
      {{"Content-Type", "application/json"}, {"X-Hub-Signature-256", Sign(body + " ")}});
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(forged->status, 500);
  EXPECT_EQ(forged->body, "Error occurred while evaluating hook rules.");

  auto unknown = server_.Post("/hooks/nope", "{}");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->body, "Hook not found.");

  auto health = server_.Request("GET", "/");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "OK");

  auto wrong_method = server_.Request("DELETE", "/hooks/greet");
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);

  EXPECT_EQ(JobCount(), 0);
}

TEST_F(HooksE2E, OutputInResponseAndFiles) {
  server_.StartWebhook({"-hooks", hooks_path_, "-template"});
  auto r = server_.Post("/hooks/greet?who=world", R"({"note": "from a file\n"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "hello world\nfrom a file\n");
  EXPECT_EQ(r->Header("X-Hook"), "greet");
  // A query value the hook does not read may hold anything, a NUL too (webhook takes it).
  auto nul = server_.Post("/hooks/greet?who=you&utm=a%00b", R"({"note": "x"})");
  ASSERT_TRUE(nul.ok()) << nul.status().ToString();
  EXPECT_EQ(nul->status, 200) << nul->body;
  EXPECT_EQ(nul->body, "hello you\nx");
  std::string id = r->Header("X-Longhaul-Job-Id");
  ASSERT_FALSE(id.empty());
  EXPECT_FALSE(server_.WaitForJobState(id, "succeeded").empty());

  auto failed = server_.Post("/hooks/fails", "");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->body, "broken\n");
  std::string failed_id = failed->Header("X-Longhaul-Job-Id");
  ASSERT_FALSE(failed_id.empty());
  auto job = server_.AdminGet("/jobs/" + failed_id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(JsonField(job->body, "state"), "dead");
  // The log says why, with what the command said last (webhook logs a command's output too).
  // The line follows the record (the caller may have the answer before either).
  const std::string line = "warn job.dead job=" + failed_id;
  EXPECT_TRUE(Eventually([&] { return server_.Log().find(line) != std::string::npos; }))
      << server_.Log();
  EXPECT_THAT(server_.Log(),
              HasSubstr(line + " function=fails route=\"ANY /hooks/fails\" attempt=1 "
                               "error=\"UNKNOWN: exit status 4\" output=broken"))
      << server_.Log();
}

TEST_F(HooksE2E, AnySuccessCodeGetsTheHooksAnswer) {
  // As webhook 2.8.0 answers: the hook's code, headers and body, whatever the code; a code Go
  // does not know is 200.
  std::string file = scratch_.File("codes.yaml");
  WriteFile(file,
            "- id: redir\n"
            "  execute-command: /bin/true\n"
            "  response-message: moved\n"
            "  success-http-response-code: 302\n"
            "  response-headers: [{name: Location, value: \"https://example.com/thanks\"},\n"
            "                     {name: X-Custom, value: c}]\n"
            "- id: gone\n"
            "  execute-command: /bin/echo\n"
            "  pass-arguments-to-command: [{source: string, name: gone}]\n"
            "  include-command-output-in-response: true\n"
            "  success-http-response-code: 404\n"
            "- id: odd\n"
            "  execute-command: /bin/true\n"
            "  response-message: odd\n"
            "  success-http-response-code: 999\n"
            "- id: interim\n"
            "  execute-command: /bin/true\n"
            "  response-message: interim\n"
            "  success-http-response-code: 100\n"
            // A '?' in an id is part of the id, not the start of a query for hook `deploy`.
            "- id: deploy\n"
            "  execute-command: /bin/true\n"
            "  trigger-rule: {match: {type: value, value: s3cret,\n"
            "                         parameter: {source: header, name: X-Token}}}\n"
            "- id: deploy?x\n"
            "  execute-command: /bin/true\n");
  server_.StartWebhook({"-hooks", file});

  auto redir = server_.Post("/hooks/redir", "x");
  ASSERT_TRUE(redir.ok()) << redir.status().ToString();
  EXPECT_EQ(redir->status, 302);
  EXPECT_EQ(redir->Header("Location"), "https://example.com/thanks");
  EXPECT_EQ(redir->Header("X-Custom"), "c");
  EXPECT_EQ(redir->Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(redir->body, "moved");
  std::string id = redir->Header("X-Longhaul-Job-Id");
  ASSERT_FALSE(id.empty());
  EXPECT_FALSE(server_.WaitForJobState(id, "succeeded").empty()) << server_.Log();

  // The output is waited for, not an empty body at once.
  auto gone = server_.Post("/hooks/gone", "x");
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_EQ(gone->status, 404);
  EXPECT_EQ(gone->body, "gone\n");
  EXPECT_EQ(gone->Header("Content-Type"), "text/plain; charset=utf-8");

  auto odd = server_.Post("/hooks/odd", "x");
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_EQ(odd->status, 200);
  EXPECT_EQ(odd->body, "odd");

  // Go sends an interim 1xx and then 200: the sender must not see a failure (and redeliver).
  auto interim = server_.Post("/hooks/interim", "x");
  ASSERT_TRUE(interim.ok()) << interim.status().ToString();
  EXPECT_EQ(interim->status, 200);
  EXPECT_EQ(interim->body, "interim");

  auto other = server_.Post("/hooks/deploy%3Fx", "x");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->status, 200) << other->body;
  std::string other_id = other->Header("X-Longhaul-Job-Id");
  ASSERT_FALSE(other_id.empty());
  auto job = server_.AdminGet("/jobs/" + other_id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(JsonField(job->body, "function"), "deploy?x");
}

TEST_F(HooksE2E, HotReloadPicksUpNewHooks) {
  server_.StartWebhook({"-hooks", hooks_path_, "-template", "-hotreload"});
  auto before = server_.Post("/hooks/added", "");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->status, 404);
  std::string text = HooksFile(scratch_);
  text.insert(text.rfind(']'),
              ",\n  {\"id\": \"added\", \"execute-command\": \"/bin/true\", "
              "\"response-message\": \"new\"}\n");
  WriteFile(hooks_path_ + ".tmp", text);
  std::filesystem::rename(hooks_path_ + ".tmp", hooks_path_);
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = server_.Post("/hooks/added", "");
        return r.ok() && r->status == 200 && r->body == "new";
      },
      std::chrono::seconds(20)))
      << server_.Log();
}

TEST_F(HooksE2E, PathTraversalInPassFileIsRefusedAtStart) {
  WriteFile(scratch_.File("bad.yaml"),
            "- id: sneaky\n"
            "  execute-command: /bin/true\n"
            "  pass-file-to-command:\n"
            "    - source: raw-request-body\n"
            "      envname: ../../etc/cron.d/owned\n");
  std::string err;
  int rc =
      server_.RunToExit({"webhook", "-hooks", scratch_.File("bad.yaml"), "-ip", "127.0.0.1",
                         "-port", "0", "-admin", "127.0.0.1:0", "-data-dir", scratch_.File("data")},
                        nullptr, &err);
  EXPECT_EQ(rc, 1);  // as webhook's
  EXPECT_THAT(err,
              HasSubstr(scratch_.File("bad.yaml") + ":4: hook `sneaky`: pass-file-to-command"));
  EXPECT_THAT(err, HasSubstr("plain file name"));
}

// -ip 0.0.0.0, webhook's default, is every address of both families, as Go listens there (QA:
// IPv6 clients were refused).
TEST_F(HooksE2E, TheDefaultIpTakesIpv4AndIpv6) {
  server_.StartWebhook({"-hooks", hooks_path_, "-template", "-ip", "0.0.0.0"});
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  EXPECT_THAT(RawExchange(server_.public_port(), request), HasSubstr("\r\n\r\nOK"));
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) GTEST_SKIP() << "no IPv6 on this machine";
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(static_cast<uint16_t>(server_.public_port()));
  addr.sin6_addr = in6addr_loopback;
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  const int err = errno;
  ::close(fd);
  if (!connected && (err == EADDRNOTAVAIL || err == ENETUNREACH)) {
    GTEST_SKIP() << "no IPv6 loopback on this machine";
  }
  EXPECT_TRUE(connected) << "[::1]: " << std::strerror(err);
}

// A second instance started with the running one's -pidfile refuses to start and leaves the
// file as it is (it wrote its own id there, then removed the file on its way out).
TEST_F(HooksE2E, ASecondInstanceLeavesTheRunningOnesPidfile) {
  const std::string pidfile = scratch_.File("webhook.pid");
  server_.StartWebhook({"-hooks", hooks_path_, "-template", "-pidfile", pidfile});
  EXPECT_EQ(ReadFile(pidfile), std::to_string(server_.pid()) + "\n");
  std::string err;
  int rc = server_.RunToExit(
      {"webhook", "-hooks", hooks_path_, "-template", "-ip", "127.0.0.1", "-port", "0", "-admin",
       "127.0.0.1:0", "-data-dir", scratch_.File("other"), "-pidfile", pidfile},
      nullptr, &err);
  EXPECT_EQ(rc, 1);  // as webhook's
  EXPECT_THAT(err, HasSubstr("which is running"));
  EXPECT_EQ(ReadFile(pidfile), std::to_string(server_.pid()) + "\n");
  // Nor does another copy of the program (an upgrade installed elsewhere) take it.
  const std::string copy = scratch_.File("longhaul-copy");
  std::filesystem::copy_file(LONGHAUL_BINARY, copy);
  const std::string other = copy + " webhook -hooks " + hooks_path_ +
                            " -template -ip 127.0.0.1 -port 0 -admin 127.0.0.1:0 -data-dir " +
                            scratch_.File("other2") + " -pidfile " + pidfile + " 2> " +
                            scratch_.File("copy.err");
  EXPECT_NE(std::system(other.c_str()), 0);
  EXPECT_THAT(ReadFile(scratch_.File("copy.err")), HasSubstr("which is running"));
  EXPECT_EQ(ReadFile(pidfile), std::to_string(server_.pid()) + "\n");
  EXPECT_EQ(server_.Terminate(), 0);
  EXPECT_FALSE(std::filesystem::exists(pidfile));  // the server's own, removed at its exit
}

}  // namespace
}  // namespace longhaul::testing
