// Sender presets against the real binary: a signed delivery is stored and acknowledged, a
// forged one gets 401 and is neither stored nor run, and protocol pings are answered directly.
#include <gtest/gtest.h>

#include "testing/server_process.h"
#include "webhook/hmac.h"

namespace longhaul::testing {
namespace {

std::string Config() {
  return "functions:\n"
         "  work:\n"
         "    runtime: command\n"
         "    command: [\"/bin/cat\"]\n"
         "routes:\n"
         "  - path: /github\n"
         "    function: work\n"
         "    provider: github\n"
         "    secret: It's a Secret to Everybody\n"
         "    ordering_key: {json: /repository/full_name}\n"
         "  - path: /telegram\n"
         "    function: work\n"
         "    provider: telegram\n"
         "    secret: tg-secret-token\n"
         "    ack_status: 200\n"
         "    ack_body: \"\"\n";
}

std::string GithubSignature(const std::string& body) {
  auto mac =
      webhook::ComputeHmac(webhook::HashAlgorithm::kSha256, "It's a Secret to Everybody", body);
  return "sha256=" + webhook::HexEncode(*mac);
}

int JobCount(ServerProcess& server) {
  std::string body = server.AdminGet("/jobs")->body;
  int n = 0;
  for (size_t p = body.find("\"id\""); p != std::string::npos; p = body.find("\"id\"", p + 1)) ++n;
  return n;
}

TEST(ProvidersE2E, GithubSignedForgedAndPing) {
  ServerProcess server(Config());
  server.Start();
  std::string body = R"({"ref":"refs/heads/main"})";
  auto ok = server.Post("/github", body,
                        {{"X-Hub-Signature-256", GithubSignature(body)},
                         {"X-GitHub-Event", "push"},
                         {"X-GitHub-Delivery", "d-1"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 202);
  EXPECT_FALSE(server.WaitForJobState(ok->Header("X-Longhaul-Job-Id"), "succeeded").empty());

  auto forged = server.Post("/github", body,
                            {{"X-Hub-Signature-256", GithubSignature(body + " ")},
                             {"X-GitHub-Event", "push"},
                             {"X-GitHub-Delivery", "d-2"}});
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(forged->body.find("Secret"), std::string::npos) << "no secret in the answer";
  auto unsigned_ = server.Post("/github", body, {{"X-GitHub-Delivery", "d-3"}});
  EXPECT_EQ(unsigned_->status, 401);

  std::string ping = R"({"zen":"Keep it logically awesome.","hook_id":1})";
  auto pong = server.Post("/github", ping,
                          {{"X-Hub-Signature-256", GithubSignature(ping)},
                           {"X-GitHub-Event", "ping"},
                           {"X-GitHub-Delivery", "d-4"}});
  EXPECT_EQ(pong->status, 200);
  EXPECT_EQ(JobCount(server), 1) << "only the signed push was stored";

  // A hook of content type application/x-www-form-urlencoded: the JSON is the payload field,
  // and the route's ordering key is read from it (QA: each such delivery was a 400).
  std::string form = "payload=%7B%22repository%22%3A%7B%22full_name%22%3A%22octo%2Fhello%22%7D%7D";
  auto formed = server.Post("/github", form,
                            {{"X-Hub-Signature-256", GithubSignature(form)},
                             {"Content-Type", "application/x-www-form-urlencoded"},
                             {"X-GitHub-Event", "push"},
                             {"X-GitHub-Delivery", "d-5"}});
  ASSERT_TRUE(formed.ok());
  EXPECT_EQ(formed->status, 202) << formed->body;
  const std::string id = formed->Header("X-Longhaul-Job-Id");
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + id)->body, "ordering_key"), "octo/hello");
  EXPECT_EQ(server.Log().find("It's a Secret"), std::string::npos) << "no secret in the log";
}

TEST(ProvidersE2E, TelegramSecretTokenAndUpdateIdDedup) {
  ServerProcess server(Config());
  server.Start();
  std::string update = R"({"update_id": 77, "message": {"chat": {"id": 1}}})";
  auto ok =
      server.Post("/telegram", update, {{"X-Telegram-Bot-Api-Secret-Token", "tg-secret-token"}});
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "");
  auto again =
      server.Post("/telegram", update, {{"X-Telegram-Bot-Api-Secret-Token", "tg-secret-token"}});
  EXPECT_EQ(again->Header("X-Longhaul-Job-Id"), ok->Header("X-Longhaul-Job-Id"));
  auto forged = server.Post("/telegram", update, {{"X-Telegram-Bot-Api-Secret-Token", "guess"}});
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(JobCount(server), 1);

  // getWebhookInfo's figures for the route.
  std::string job = server.WaitForJobState(ok->Header("X-Longhaul-Job-Id"), "succeeded");
  ASSERT_FALSE(job.empty());
  // The header is the route's secret itself: checked, then not kept with the job.
  EXPECT_EQ(job.find("tg-secret-token"), std::string::npos) << job;
  EXPECT_NE(job.find("update_id"), std::string::npos) << job;
  auto info = server.AdminGet("/routes");
  ASSERT_EQ(info->status, 200);
  EXPECT_NE(
      info->body.find(
          R"("path":"/telegram","function":"work","provider":"telegram","pending_update_count":0,"last_delivery_date":)"),
      std::string::npos)
      << info->body;
  // The forged update was refused before it was stored: a wrong secret shows here too, as in
  // getWebhookInfo, not only in the log.
  EXPECT_NE(info->body.find(R"("last_error_message":"refused with 401: )"), std::string::npos)
      << info->body;
  EXPECT_NE(info->body.find(R"("last_error_date":)"), std::string::npos) << info->body;
}

}  // namespace
}  // namespace longhaul::testing
