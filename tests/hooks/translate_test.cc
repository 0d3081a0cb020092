#include "hooks/translate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hooks/hooks_file.h"
#include "ingest/route_table.h"

namespace longhaul::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

HookSet Hooks(const std::string& yaml) {
  auto parsed = ParseHooks(yaml, "h.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  return HookSet(parsed.ok() ? parsed->hooks : std::vector<Hook>{});
}

TEST(Translate, OneFunctionAndOneRoutePerHook) {
  HookSet hooks = Hooks(R"(
- id: redeploy
  execute-command: /srv/redeploy.sh
  command-working-directory: /srv
  response-message: Redeploying
  success-http-response-code: 201
  max-concurrency: 1
  timeout: 10m
  retries: 2
- id: sendgrid/dir
  execute-command: /bin/true
)");
  WebhookOptions opts;
  opts.ip = "127.0.0.1";
  opts.port = 9000;
  opts.admin = "127.0.0.1:9001";
  opts.data_dir = "/var/lib/hooks";
  auto cfg = Translate(hooks, opts);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  const config::Config& c = **cfg;
  EXPECT_EQ(c.server.listen.host, "127.0.0.1");
  EXPECT_EQ(c.server.listen.port, 9000);
  EXPECT_EQ(c.server.admin.port, 9001);
  EXPECT_EQ(c.server.data_dir, "/var/lib/hooks");
  ASSERT_EQ(c.functions.size(), 2u);
  const config::Function& fn = c.functions[0];
  EXPECT_EQ(fn.name, "redeploy");
  EXPECT_EQ(fn.kind, config::RuntimeKind::kCommand);
  EXPECT_THAT(fn.command.argv, ElementsAre("/srv/redeploy.sh"));
  EXPECT_EQ(fn.command.stdin_mode, config::CommandRuntime::Stdin::kNone);
  EXPECT_EQ(fn.working_dir, "/srv");
  EXPECT_EQ(fn.concurrency, 1);
  EXPECT_EQ(fn.retries, 2);
  EXPECT_EQ(fn.timeout, std::chrono::minutes(10));
  EXPECT_EQ(c.functions[1].concurrency, 4);  // the default
  EXPECT_EQ(c.functions[1].retries, 0);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].path, "/hooks/redeploy");
  EXPECT_EQ(c.routes[0].method, "ANY");
  EXPECT_EQ(c.routes[0].function, "redeploy");
  EXPECT_EQ(c.routes[0].ack, config::AckMode::kAsync);
  EXPECT_EQ(c.routes[0].ack_status, 201);
  EXPECT_EQ(c.routes[0].ack_body, "Redeploying");
  EXPECT_EQ(c.FindFunction("sendgrid/dir"), &c.functions[1]);

  // The routes match what the front hands to ingest, ids with '/' included.
  ingest::RouteTable table(c.routes);
  EXPECT_EQ(table.Match("POST", "/hooks/redeploy").route, &c.routes[0]);
  EXPECT_EQ(table.Match("GET", "/hooks/sendgrid/dir").route, &c.routes[1]);
  EXPECT_EQ(table.Match("POST", "/hooks/other").route, nullptr);
}

TEST(Translate, RouteAcknowledgesWithA2xxWhateverTheSuccessCode) {
  // The front handler answers with the hook's code; ingest's acknowledgement stays a 2xx, so a
  // redirect or error code is never taken for a store failure.
  HookSet hooks = Hooks(R"(
- id: redir
  execute-command: /bin/true
  success-http-response-code: 302
- id: gone
  execute-command: /bin/true
  success-http-response-code: 404
- id: odd
  execute-command: /bin/true
  success-http-response-code: 999
- id: odd2xx
  execute-command: /bin/true
  success-http-response-code: 299
- id: accepted
  execute-command: /bin/true
  success-http-response-code: 202
)");
  WebhookOptions opts;
  opts.admin = "127.0.0.1:0";
  auto cfg = Translate(hooks, opts);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ((*cfg)->routes.size(), 5u);
  EXPECT_EQ((*cfg)->routes[0].ack_status, 200);
  EXPECT_EQ((*cfg)->routes[1].ack_status, 200);
  EXPECT_EQ((*cfg)->routes[2].ack_status, 200);
  EXPECT_EQ((*cfg)->routes[3].ack_status, 200);
  EXPECT_EQ((*cfg)->routes[4].ack_status, 202);
}

TEST(Translate, UrlPrefix) {
  HookSet hooks = Hooks("- id: a\n  execute-command: /bin/true\n");
  WebhookOptions opts;
  opts.admin = "127.0.0.1:0";
  opts.url_prefix = "";
  auto cfg = Translate(hooks, opts);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ((*cfg)->routes[0].path, "/a");
  EXPECT_EQ(HookPath("api/v1", "x"), "/api/v1/x");
  EXPECT_EQ(HookPath("hooks", "deploy?x#y%z/a b"), "/hooks/deploy%3Fx%23y%25z/a b");
}

// A hook's signature secrets are the config's secrets: kept out of commands' environments.
TEST(Translate, SignatureSecretsAreSecrets) {
  HookSet hooks = Hooks(R"(
- id: gh
  execute-command: /bin/true
  trigger-rule:
    and:
      - match: {type: payload-hmac-sha256, secret: gh-s3cret,
                parameter: {source: header, name: X-Hub-Signature-256}}
      - not: {match: {type: scalr-signature, secret: scalr-s3cret}}
      - match: {type: value, value: refs/heads/main, parameter: {source: payload, name: ref}}
)");
  auto cfg = Translate(hooks, WebhookOptions{});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_TRUE((*cfg)->IsSecret("gh-s3cret"));
  EXPECT_TRUE((*cfg)->IsSecret("scalr-s3cret"));
  EXPECT_FALSE((*cfg)->IsSecret("refs/heads/main"));
}

// As webhook takes them: "[::1]" (Go joins "ip:port", so IPv6 comes bracketed), "::1", and
// "" or 0.0.0.0 for every address of both families, as Go listens there.
TEST(Translate, IpAsWebhookTakesIt) {
  HookSet hooks = Hooks("- id: a\n  execute-command: /bin/true\n");
  WebhookOptions opts;
  opts.port = 9000;
  for (const auto& [ip, host] :
       std::vector<std::pair<std::string, std::string>>{{"[::1]", "::1"},
                                                        {"::1", "::1"},
                                                        {"", "::"},
                                                        {"0.0.0.0", "::"},
                                                        {"127.0.0.1", "127.0.0.1"}}) {
    opts.ip = ip;
    auto cfg = Translate(hooks, opts);
    ASSERT_TRUE(cfg.ok()) << ip << ": " << cfg.status().ToString();
    EXPECT_EQ((*cfg)->server.listen.host, host) << ip;
  }
}

TEST(Translate, BadAddresses) {
  HookSet hooks = Hooks("- id: a\n  execute-command: /bin/true\n");
  WebhookOptions opts;
  opts.ip = "not an ip";
  auto bad_ip = Translate(hooks, opts);
  ASSERT_FALSE(bad_ip.ok());
  EXPECT_THAT(bad_ip.status().message(), HasSubstr("-ip"));
  opts.ip = "::1";
  opts.admin = "localhost:9000";
  opts.port = 9000;
  auto clash = Translate(hooks, opts);
  ASSERT_FALSE(clash.ok());
  EXPECT_THAT(clash.status().message(), HasSubstr("-admin"));
  opts.admin = "nowhere";
  EXPECT_FALSE(Translate(hooks, opts).ok());
  opts.admin = "0.0.0.0:9001";
  auto open_admin = Translate(hooks, opts);
  ASSERT_FALSE(open_admin.ok());
  EXPECT_THAT(open_admin.status().message(), HasSubstr("-admin-token"));
  opts.admin_token = "t";
  EXPECT_TRUE(Translate(hooks, opts).ok());
}

TEST(ParseMethodList, AsWebhook) {
  EXPECT_THAT(ParseMethodList(" post, Get ,,put"), ElementsAre("POST", "GET", "PUT"));
  EXPECT_TRUE(ParseMethodList("").empty());
}

}  // namespace
}  // namespace longhaul::hooks
