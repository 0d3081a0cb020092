#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <string>

#include "testing/temp_dir.h"

namespace longhaul::config {
namespace {

using base::Code;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

EnvLookup TestEnv() {
  std::map<std::string, std::string> vars = {{"TG_SECRET", "tg-secret"},
                                             {"BOT_TOKEN", "bot-token"},
                                             {"LONGHAUL_ADMIN_TOKEN", "admin-token"},
                                             {"THREADS", "6"},
                                             {"EMPTY", ""}};
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

base::Result<std::shared_ptr<const Config>> Load(const std::string& yaml) {
  return LoadConfigText(yaml, "test.yaml", TestEnv());
}

// The format as the README shows it.
constexpr char kFullExample[] = R"(server:
  listen: 0.0.0.0:8080        # host:port ([::1]:8080 for IPv6)
  admin: 127.0.0.1:8081
  data_dir: ./data
  node_id: node-a
  public_url: http://example.com:8081/
  body_limit: 10MiB
  header_limit: 16KiB
  header_timeout: 10s
  body_timeout: 60s
  idle_timeout: 60s
  max_connections: 10000
  threads: 0
  shutdown_grace: 30s
  lease: 30s
  poll_interval: 1s
  log_format: json
  admin_token: ${LONGHAUL_ADMIN_TOKEN}
functions:
  process-update:
    runtime: command
    command: ["./handler.sh", "--fast"]
    stdin: event
    output_limit: 2MiB
    kill_grace: 5s
    pass_headers: [X-Telegram-Bot-Api-Secret-Token]
    timeout: 15m
    concurrency: 4
    retries: 3
    retry_base: 2s
    retry_max: 5m
    max_event_age: 6h
    environment: {BOT_TOKEN: "${BOT_TOKEN}"}
    working_dir: ./examples
    on_success: {url: http://127.0.0.1:9000/done}
    on_failure: {function: notify}
  notify:
    runtime: http
    url: http://127.0.0.1:9001/alerts
  forwarder:
    runtime: http
    url: http://127.0.0.1:3000
    exact_path: true
    headers: {Authorization: "Bearer x"}
  lam:
    runtime: lambda
    bootstrap: ./bootstrap
    handler: index.handler
    memory_mb: 256
    idle_timeout: 10m
    kill_grace: 2s
  node-lam:
    runtime: lambda
    command: [npx, aws-lambda-ric]
    handler: index.handler
routes:
  - path: /telegram
    method: post
    function: process-update
    ack: async
    ack_status: 200
    ack_body: ""
    idempotency_key: {json: /update_id}
    idempotency_window: 24h
    ordering_key: {json: /message/chat/id}
    provider: telegram
    secret: ${TG_SECRET}
  - path: /api/{proxy+}
    method: ANY
    function: forwarder
    ack: sync
    wait: 20s
  - path: /signed/{tenant}
    function: process-update
    ack: auto
    wait: 5s
    idempotency_key: {header: X-Request-Id, required: true}
    provider: hmac
    secret: plain
    hmac: {header: X-Signature, algorithm: sha512, prefix: "sha512=", encoding: base64}
)";

TEST(LoadConfig, FullExample) {
  auto loaded = Load(kFullExample);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Config& c = **loaded;
  EXPECT_EQ(c.source, "test.yaml");

  const Server& s = c.server;
  EXPECT_EQ(s.listen.host, "0.0.0.0");
  EXPECT_EQ(s.listen.port, 8080);
  EXPECT_EQ(s.admin.host, "127.0.0.1");
  EXPECT_EQ(s.admin.port, 8081);
  EXPECT_EQ(s.node_id, "node-a");
  EXPECT_EQ(s.public_url, "http://example.com:8081");  // trailing '/' dropped
  EXPECT_EQ(s.body_limit, 10u * 1024 * 1024);
  EXPECT_EQ(s.header_limit, 16u * 1024);
  EXPECT_EQ(s.log_format, "json");
  EXPECT_EQ(s.admin_token, "admin-token");

  ASSERT_EQ(c.functions.size(), 6u);  // 5 and the delivery function of on_success's URL
  const Function* p = c.FindFunction("process-update");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->line, 20);
  EXPECT_EQ(p->kind, RuntimeKind::kCommand);
  EXPECT_EQ(p->command.argv, (std::vector<std::string>{"./handler.sh", "--fast"}));
  EXPECT_EQ(p->command.stdin_mode, CommandRuntime::Stdin::kEvent);
  EXPECT_EQ(p->command.output_limit, 2u * 1024 * 1024);
  EXPECT_EQ(p->command.kill_grace, seconds(5));
  EXPECT_EQ(p->command.pass_headers, (std::vector<std::string>{"X-Telegram-Bot-Api-Secret-Token"}));
  EXPECT_EQ(p->timeout, minutes(15));
  EXPECT_EQ(p->concurrency, 4);
  EXPECT_EQ(p->retries, 3);
  EXPECT_EQ(p->retry_base, seconds(2));
  EXPECT_EQ(p->retry_max, minutes(5));
  EXPECT_EQ(p->max_event_age, hours(6));
  EXPECT_EQ(p->environment, (std::map<std::string, std::string>{{"BOT_TOKEN", "bot-token"}}));
  EXPECT_EQ(p->working_dir, "./examples");
  EXPECT_EQ(p->on_success.url, "http://127.0.0.1:9000/done");
  EXPECT_EQ(p->on_success.function, "process-update:on_success");
  EXPECT_EQ(p->on_failure.function, "notify");
  EXPECT_TRUE(p->on_failure.url.empty());
  EXPECT_FALSE(p->delivers_to_url);

  // The URL destination is delivered by a function of its own: durable, retried, listed.
  const Function* delivery = c.FindFunction("process-update:on_success");
  ASSERT_NE(delivery, nullptr);
  EXPECT_TRUE(delivery->delivers_to_url);
  EXPECT_EQ(delivery->kind, RuntimeKind::kHttp);
  EXPECT_EQ(delivery->http.url, "http://127.0.0.1:9000/done");
  EXPECT_TRUE(delivery->http.exact_path);
  EXPECT_GT(delivery->retries, 0);
  EXPECT_TRUE(delivery->on_success.empty());
  EXPECT_TRUE(delivery->on_failure.empty());

  const Function* f = c.FindFunction("forwarder");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, RuntimeKind::kHttp);
  EXPECT_EQ(f->http.url, "http://127.0.0.1:3000");
  EXPECT_TRUE(f->http.exact_path);
  EXPECT_EQ(f->http.headers.at("Authorization"), "Bearer x");

  const Function* lam = c.FindFunction("lam");
  ASSERT_NE(lam, nullptr);
  EXPECT_EQ(lam->kind, RuntimeKind::kLambda);
  EXPECT_EQ(lam->lambda.bootstrap, "./bootstrap");
  EXPECT_EQ(lam->lambda.handler, "index.handler");
  EXPECT_EQ(lam->lambda.memory_mb, 256);
  EXPECT_EQ(lam->lambda.idle_timeout, minutes(10));
  EXPECT_EQ(lam->lambda.kill_grace, seconds(2));
  EXPECT_EQ(c.FindFunction("node-lam")->lambda.kill_grace, milliseconds(500));
  EXPECT_EQ(c.FindFunction("node-lam")->lambda.command,
            (std::vector<std::string>{"npx", "aws-lambda-ric"}));
  EXPECT_EQ(c.FindFunction("nope"), nullptr);

  ASSERT_EQ(c.routes.size(), 3u);
  const Route& tg = c.routes[0];
  EXPECT_EQ(tg.line, 57);
  EXPECT_EQ(tg.method, "POST");
  EXPECT_EQ(tg.path, "/telegram");
  ASSERT_EQ(tg.segments.size(), 1u);
  EXPECT_EQ(tg.segments[0].kind, PathSegment::Kind::kLiteral);
  EXPECT_EQ(tg.segments[0].text, "telegram");
  EXPECT_EQ(tg.function, "process-update");
  EXPECT_EQ(tg.ack, AckMode::kAsync);
  EXPECT_EQ(tg.ack_status, 200);
  EXPECT_EQ(tg.ack_body, std::optional<std::string>(""));
  EXPECT_EQ(tg.idempotency.kind, KeySource::Kind::kJsonPointer);
  EXPECT_EQ(tg.idempotency.name, "/update_id");
  EXPECT_FALSE(tg.idempotency.required);
  EXPECT_EQ(tg.idempotency_window, hours(24));
  EXPECT_EQ(tg.ordering.kind, KeySource::Kind::kJsonPointer);
  EXPECT_EQ(tg.ordering.name, "/message/chat/id");
  EXPECT_EQ(tg.provider, "telegram");
  EXPECT_EQ(tg.secret, "tg-secret");

  const Route& api = c.routes[1];
  EXPECT_EQ(api.method, "ANY");
  EXPECT_EQ(api.ack, AckMode::kSync);
  EXPECT_EQ(api.wait, seconds(20));
  ASSERT_EQ(api.segments.size(), 2u);
  EXPECT_EQ(api.segments[1].kind, PathSegment::Kind::kGreedy);
  EXPECT_EQ(api.segments[1].text, "proxy");
  EXPECT_FALSE(api.ack_body.has_value());

  const Route& signed_route = c.routes[2];
  EXPECT_EQ(signed_route.method, "POST");
  EXPECT_EQ(signed_route.ack, AckMode::kAuto);
  EXPECT_EQ(signed_route.segments[1].kind, PathSegment::Kind::kParam);
  EXPECT_EQ(signed_route.idempotency.kind, KeySource::Kind::kHeader);
  EXPECT_EQ(signed_route.idempotency.name, "X-Request-Id");
  EXPECT_TRUE(signed_route.idempotency.required);
  EXPECT_EQ(signed_route.provider, "hmac");
  EXPECT_EQ(signed_route.hmac.header, "X-Signature");
  EXPECT_EQ(signed_route.hmac.algorithm, HmacCheck::Algorithm::kSha512);
  EXPECT_EQ(signed_route.hmac.prefix, "sha512=");
  EXPECT_EQ(signed_route.hmac.encoding, HmacCheck::Encoding::kBase64);
}

constexpr char kMinimal[] =
    "functions:\n"
    "  f:\n"
    "    runtime: command\n"
    "    command: [./f.sh]\n"
    "routes:\n"
    "  - path: /\n"
    "    function: f\n";

// A value from the environment is named as written in an error, not shown: it may be a
// credential (QA: a token in an upstream's URL was printed by `check` and by the reload log).
TEST(LoadConfig, AnErrorNamesAnEnvironmentValueByItsVariable) {
  auto loaded = Load(
      "functions:\n  f:\n    runtime: http\n"
      "    url: \"http://127.0.0.1:1/hooks/${BOT_TOKEN}?x=a b\"\n");
  ASSERT_FALSE(loaded.ok());
  const std::string message = loaded.status().message();
  EXPECT_NE(message.find("'http://127.0.0.1:1/hooks/${BOT_TOKEN}?x=a b'"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("bot-token"), std::string::npos) << message;
}

TEST(LoadConfig, Defaults) {
  auto loaded = Load(kMinimal);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Config& c = **loaded;
  const Server& s = c.server;
  EXPECT_EQ(s.listen.host, "0.0.0.0");
  EXPECT_EQ(s.listen.port, 8080);
  EXPECT_EQ(s.admin.host, "127.0.0.1");
  EXPECT_EQ(s.admin.port, 8081);
  EXPECT_EQ(s.data_dir, "./data");
  EXPECT_FALSE(s.node_id.empty());  // the host name
  EXPECT_EQ(s.public_url, "");
  EXPECT_EQ(s.body_limit, 10u * 1024 * 1024);
  EXPECT_EQ(s.header_limit, 16u * 1024);
  EXPECT_EQ(s.header_timeout, seconds(10));
  EXPECT_EQ(s.body_timeout, seconds(60));
  EXPECT_EQ(s.idle_timeout, seconds(60));
  EXPECT_EQ(s.max_connections, 10000);
  EXPECT_EQ(s.threads, 0);
  EXPECT_EQ(s.job_nice, 19);
  EXPECT_EQ(s.checkpoint_pages, 250);
  EXPECT_EQ(s.shutdown_grace, seconds(30));
  EXPECT_EQ(s.lease, seconds(30));
  EXPECT_EQ(s.poll_interval, seconds(1));
  EXPECT_EQ(s.retention, hours(24 * 7));
  EXPECT_EQ(s.log_format, "text");
  EXPECT_EQ(s.admin_token, "");

  ASSERT_EQ(c.functions.size(), 1u);
  const Function& f = c.functions[0];
  EXPECT_EQ(f.name, "f");
  EXPECT_EQ(f.line, 2);
  EXPECT_EQ(f.command.stdin_mode, CommandRuntime::Stdin::kBody);
  EXPECT_EQ(f.command.output_limit, 1024u * 1024);
  EXPECT_EQ(f.command.kill_grace, seconds(5));
  EXPECT_EQ(f.timeout, minutes(15));
  EXPECT_EQ(f.concurrency, 4);
  EXPECT_EQ(f.retries, 2);
  EXPECT_EQ(f.retry_base, seconds(1));
  EXPECT_EQ(f.retry_max, minutes(5));
  EXPECT_EQ(f.max_event_age, hours(6));
  EXPECT_TRUE(f.on_success.empty());
  EXPECT_TRUE(f.on_failure.empty());

  ASSERT_EQ(c.routes.size(), 1u);
  const Route& r = c.routes[0];
  EXPECT_EQ(r.line, 6);
  EXPECT_EQ(r.method, "POST");
  EXPECT_TRUE(r.segments.empty());
  EXPECT_EQ(r.ack, AckMode::kAsync);
  EXPECT_EQ(r.ack_status, 202);
  EXPECT_FALSE(r.ack_body.has_value());
  EXPECT_EQ(r.wait, seconds(30));
  EXPECT_FALSE(r.idempotency.enabled());
  EXPECT_EQ(r.idempotency_window, hours(24));
  EXPECT_FALSE(r.ordering.enabled());
  EXPECT_EQ(r.provider, "");
}

TEST(LoadConfig, EmptySectionsAreAllowed) {
  auto loaded = Load("server:\nfunctions:\nroutes:\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE((*loaded)->functions.empty());
  EXPECT_TRUE((*loaded)->routes.empty());
}

TEST(LoadConfig, DefaultsSectionIsInherited) {
  auto loaded = Load(
      "defaults:\n"
      "  functions:\n"
      "    retries: 7\n"
      "    timeout: 1m\n"
      "    environment: {A: a, B: b}\n"
      "  routes:\n"
      "    function: f\n"
      "    ack: auto\n"
      "    wait: 3s\n"
      "    idempotency_key: {header: X-Id}\n"
      "functions:\n"
      "  f:\n"
      "    runtime: command\n"
      "    command: [./f.sh]\n"
      "    retries: 1\n"
      "    environment: {B: override, C: c}\n"
      "  g:\n"
      "    runtime: http\n"
      "    url: http://127.0.0.1:1\n"
      "routes:\n"
      "  - path: /a\n"
      "  - path: /b\n"
      "    function: g\n"
      "    provider: github\n"
      "    secret: s\n"
      "  - path: /c\n"
      "    provider: telegram\n"
      "    secret: s\n"
      "    idempotency_key: none\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Config& c = **loaded;
  const Function& f = *c.FindFunction("f");
  EXPECT_EQ(f.retries, 1);
  EXPECT_EQ(f.timeout, minutes(1));
  EXPECT_EQ(f.environment,
            (std::map<std::string, std::string>{{"A", "a"}, {"B", "override"}, {"C", "c"}}));
  EXPECT_EQ(c.FindFunction("g")->retries, 7);

  ASSERT_EQ(c.routes.size(), 3u);
  // Inherits everything.
  EXPECT_EQ(c.routes[0].function, "f");
  EXPECT_EQ(c.routes[0].ack, AckMode::kAuto);
  EXPECT_EQ(c.routes[0].wait, seconds(3));
  EXPECT_EQ(c.routes[0].idempotency.name, "X-Id");
  // A provider's own idempotency key beats the default one...
  EXPECT_EQ(c.routes[1].function, "g");
  EXPECT_EQ(c.routes[1].idempotency.kind, KeySource::Kind::kHeader);
  EXPECT_EQ(c.routes[1].idempotency.name, "X-GitHub-Delivery");
  // ...and the route's own setting beats both.
  EXPECT_FALSE(c.routes[2].idempotency.enabled());
  // GitHub redelivers for 3 days: its deliveries' keys are kept longer than the default 24 h.
  EXPECT_EQ(c.routes[0].idempotency_window, hours(24));
  EXPECT_EQ(c.routes[1].idempotency_window, hours(96));
  EXPECT_EQ(c.routes[2].idempotency_window, hours(24));
}

TEST(LoadConfig, AnIdempotencyWindowSetBeatsTheProvidersOwn) {
  auto loaded = Load(std::string(kMinimal) +
                     "    provider: stripe\n"
                     "    secret: s\n"
                     "    idempotency_window: 2h\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->routes[0].idempotency_window, hours(2));
  auto implied = Load(std::string(kMinimal) + "    provider: stripe\n    secret: s\n");
  ASSERT_TRUE(implied.ok()) << implied.status().ToString();
  EXPECT_EQ((*implied)->routes[0].idempotency_window, hours(96));
  // Standard Webhooks senders retry over days too (the spec's example schedule: about 3).
  auto standard = Load(std::string(kMinimal) + "    provider: standard\n    secret: whsec_YWJj\n");
  ASSERT_TRUE(standard.ok()) << standard.status().ToString();
  EXPECT_EQ((*standard)->routes[0].idempotency_window, hours(96));
  // A retention shorter than the implied window names where the window came from.
  auto short_retention = Load("server:\n  retention: 2d\n" + std::string(kMinimal) +
                              "    provider: github\n    secret: s\n");
  ASSERT_FALSE(short_retention.ok());
  EXPECT_NE(short_retention.status().message().find(
                "idempotency_window (4d, provider github's default) is longer than "
                "server.retention (2d)"),
            std::string::npos)
      << short_retention.status().message();
  // A window the route sets is not blamed on the provider.
  auto own_window = Load("server:\n  retention: 1d\n" + std::string(kMinimal) +
                         "    provider: github\n    secret: s\n    idempotency_window: 2d\n");
  ASSERT_FALSE(own_window.ok());
  EXPECT_NE(own_window.status().message().find(
                "idempotency_window (2d) is longer than server.retention (1d)"),
            std::string::npos)
      << own_window.status().message();
}

TEST(LoadConfig, ProviderPresetsIdempotencyKey) {
  auto loaded = Load(std::string(kMinimal) +
                     "    provider: telegram\n"
                     "    secret: s\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const KeySource& key = (*loaded)->routes[0].idempotency;
  EXPECT_EQ(key.kind, KeySource::Kind::kJsonPointer);
  EXPECT_EQ(key.name, "/update_id");
}

TEST(LoadConfig, SubstitutesEnvironmentInAnyScalar) {
  auto loaded = Load(
      "server:\n"
      "  threads: ${THREADS}\n"
      "  data_dir: \"$${NOT_A_VAR} ${BOT_TOKEN}${EMPTY} $$ $x\"\n"
      "functions:\n"
      "  f:\n"
      "    runtime: command\n"
      "    command: [./f.sh, \"${BOT_TOKEN}\"]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->server.threads, 6);
  EXPECT_EQ((*loaded)->server.data_dir, "${NOT_A_VAR} bot-token $$ $x");
  EXPECT_EQ((*loaded)->functions[0].command.argv[1], "bot-token");
}

// Arguments may be empty (`ssh-keygen -N ""`: never run through a shell); the program may not.
TEST(LoadConfig, AnArgumentMayBeEmptyTheProgramNot) {
  auto loaded = Load(
      "functions:\n"
      "  f:\n"
      "    runtime: command\n"
      "    command: [ssh-keygen, -N, \"\", -f, /tmp/k]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->functions[0].command.argv,
            (std::vector<std::string>{"ssh-keygen", "-N", "", "-f", "/tmp/k"}));
  auto empty_program = Load(
      "functions:\n"
      "  f:\n"
      "    runtime: command\n"
      "    command: [\"\", x]\n");
  ASSERT_FALSE(empty_program.ok());
  EXPECT_NE(empty_program.status().message().find(":4: functions.f.command[0]: must not be empty"),
            std::string::npos)
      << empty_program.status().message();
}

TEST(LoadConfig, ParsesIpv6AndLocalhost) {
  auto loaded = Load("server:\n  listen: '[::1]:0'\n  admin: localhost:9\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->server.listen.host, "::1");
  EXPECT_EQ((*loaded)->server.listen.port, 0);
  EXPECT_EQ((*loaded)->server.admin.host, "127.0.0.1");
}

TEST(LoadConfig, ReportsEveryErrorSortedByLine) {
  auto loaded = Load(
      "routes:\n"
      "  - path: /x\n"
      "    function: missing\n"
      "server:\n"
      "  threads: -1\n"
      "  job_nice: 20\n"
      "  checkpoint_pages: 0\n");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(loaded.status().message(),
            "test.yaml:3: routes[0].function: unknown function `missing`\n"
            "test.yaml:5: server.threads: must be from 0 to 1024, got -1\n"
            "test.yaml:6: server.job_nice: expected a niceness from 0 to 19 or `idle`, got '20'\n"
            "test.yaml:7: server.checkpoint_pages: must be from 1 to 100000000, got 0");
}

TEST(LoadConfig, JobNiceIsANicenessOrIdle) {
  auto idle = Load("server:\n  job_nice: idle\n");
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_EQ((*idle)->server.job_nice, kJobNiceIdle);
  auto zero = Load("server:\n  job_nice: 0\n");
  ASSERT_TRUE(zero.ok()) << zero.status().ToString();
  EXPECT_EQ((*zero)->server.job_nice, 0);
  auto wrong = Load("server:\n  job_nice: Idle\n");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "test.yaml:2: server.job_nice: expected a niceness from 0 to 19 or `idle`, got 'Idle'");
}

TEST(LoadConfig, RetentionIsADurationZeroKeepsJobsAndItCoversEveryIdempotencyWindow) {
  auto kept = Load("server:\n  retention: 0s\n");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ((*kept)->server.retention, base::Duration(0));
  auto day = Load("server:\n  retention: 1d\n");
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ((*day)->server.retention, hours(24));
  EXPECT_FALSE(Load("server:\n  retention: soon\n").ok());

  auto short_retention = Load(
      "server:\n"
      "  retention: 1h\n"
      "functions:\n"
      "  f: {runtime: command, command: [/bin/true]}\n"
      "routes:\n"
      "  - path: /tg\n"
      "    function: f\n"
      "    idempotency_key: {header: X-Id}\n"
      "    idempotency_window: 2h\n"
      "  - path: /plain\n"
      "    function: f\n");
  ASSERT_FALSE(short_retention.ok());
  EXPECT_EQ(short_retention.status().message(),
            "test.yaml:6: routes[0]: idempotency_window (2h) is longer than server.retention "
            "(1h): a duplicate would name a job already deleted; shorten the window or raise "
            "server.retention");
}

TEST(LoadConfig, CapsTheNumberOfErrors) {
  std::string yaml = "server:\n";
  for (int i = 0; i < 30; ++i) {
    yaml += "  unknown" + std::to_string(i) + ": 1\n";
  }
  auto loaded = Load(yaml);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("test.yaml: 10 more errors"), std::string::npos);
}

// Functions the route cases below refer to; they take lines 1-7, so `routes:` is line 8 and
// the first route starts on line 9.
constexpr char kFunctions[] =
    "functions:\n"
    "  process:\n"
    "    runtime: http\n"
    "    url: http://127.0.0.1:3000\n"
    "  notify:\n"
    "    runtime: http\n"
    "    url: http://127.0.0.1:3001\n";

struct ErrorCase {
  std::string name;
  std::string yaml;
  int line;
  std::string phrase;
};

std::string WithFunctions(const std::string& rest) { return kFunctions + rest; }

// A route after kFunctions: `routes:` on line 8, "- path: /r" on line 9, then `extra`.
std::string RouteYaml(const std::string& extra) {
  return WithFunctions(
      "routes:\n"
      "  - path: /r\n"
      "    function: process\n" +
      extra);
}

// A function `f` with `runtime` on line 3, then `extra` from line 4.
std::string FunctionYaml(const std::string& runtime, const std::string& extra) {
  return "functions:\n"
         "  f:\n"
         "    runtime: " +
         runtime + "\n" + extra;
}

// A signature's prefix may end in a space ("HMAC-SHA256 <signature>"): the value goes on.
TEST(LoadConfig, AnHmacPrefixMayEndInASpace) {
  auto loaded =
      Load(RouteYaml("    provider: hmac\n    secret: s\n    hmac: {header: Authorization, prefix: "
                     "\"HMAC-SHA256 \"}\n"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->routes[0].hmac.prefix, "HMAC-SHA256 ");
}

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class LoadConfigErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(LoadConfigErrors, NamesFileLineAndProblem) {
  const ErrorCase& c = GetParam();
  auto loaded = Load(c.yaml);
  ASSERT_FALSE(loaded.ok()) << c.yaml;
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
  const std::string message = loaded.status().message();
  EXPECT_EQ(message.rfind("test.yaml:" + std::to_string(c.line) + ": ", 0), 0u) << message;
  EXPECT_NE(message.find(c.phrase), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "expected exactly one error:\n" << message;
}

const ErrorCase kErrorCases[] = {
    // The document.
    {"InvalidYaml", "server:\n  listen: [1\n", 3, "invalid YAML"},
    {"EmptyFile", "", 1, "the file is empty"},
    {"OnlyComments", "# nothing\n", 1, "the file is empty"},
    {"TopLevelList", "- a\n", 1, "expected a mapping with server, functions and routes"},
    {"UnknownTopLevelKey", "serve:\n  listen: 1.2.3.4:80\n", 1,
     "unknown key `serve` (did you mean `server`?)"},
    {"SecondDocument", "server: {}\n---\nserver: {}\n", 3, "a second YAML document"},
    {"SecondDocumentAfterEmptyOne", "server: {}\n---\n---\nserver: {}\n", 4,
     "a second YAML document"},
    {"ConfigAfterAnEmptyDocument", "---\n---\nserver: {}\n", 3,
     "the config is in a second YAML document"},
    // Regression (found by fuzz/config_fuzz): yaml-cpp 0.7's LoadAll returned the same empty
    // document forever on a stray ',' (jbeder/yaml-cpp#1040), until memory ran out.
    {"StrayComma", ",\n", 1, "invalid YAML"},
    // QA: yaml-cpp's words alone did not say which bracket, nor that ${VAR} needs quotes there.
    {"UnclosedBrace",
     "functions:\n  a:\n    runtime: command\n    environment: {A: \"1\"\n    command: [x]\n", 5,
     "invalid YAML: end of map flow not found (a '{' on this line or above is not closed by '}'; "
     "a ${VAR} inside {} or [] must be quoted: \"${VAR}\")"},
    {"UnquotedVariableInAList",
     "functions:\n  a:\n    runtime: command\n    command: [/bin/echo, ${HOME}]\n", 4,
     "not closed by ']'"},
    {"KeyIndentedTooLittle", "functions:\n  a:\n    runtime: command\n   command: [x]\n", 4,
     "(this line is indented less than the keys above it, or more than their parent)"},
    {"TabIndent", "server:\n\tlisten: 127.0.0.1:0\n", 2,
     "invalid YAML: illegal map value (this line is indented with a tab; YAML indents with "
     "spaces)"},
    {"StrayCommaAfterBlankLine", "\n,\n", 2, "invalid YAML"},
    {"StrayCommaInSecondDocument", "server: {}\n---\n,\n", 3, "invalid YAML"},
    // yaml-cpp 0.7 ends an unclosed quote at the end of the input: the routes after it
    // vanished into one route's ack_body (QA).
    {"UnclosedDoubleQuote",
     "routes:\n  - path: /a\n    function: f\n    ack_body: \"ok \\\" still\n  - path: /b\n", 4,
     "invalid YAML: the quoted value that starts here has no closing \" (it would run to the end "
     "of the file)"},
    {"NulByte", std::string("server:\n  threads: 1\nx\0y: 1\n", 28), 3,
     "invalid YAML: a control character (byte 0x00) in the text; YAML has none"},
    {"DeepNesting", "functions:\n  x: " + std::string(3000, '[') + std::string(3000, ']') + "\n", 2,
     "invalid YAML: nested too deeply"},
    // After a byte order mark (which marks do not count) a closed quote is not taken for open.
    {"UnclosedQuoteAfterAByteOrderMark",
     "\xEF\xBB\xBFserver:\n  listen: '127.0.0.1:0'\n  admin: \"x\n", 3,
     "invalid YAML: the quoted value that starts here has no closing \""},
    {"UnclosedSingleQuote", "server:\n  listen: 'it''s\n", 2,
     "invalid YAML: the quoted value that starts here has no closing '"},
    {"DuplicateKey", "server:\n  threads: 1\n  threads: 2\n", 3,
     "duplicate key `threads` (first at line 2)"},
    {"SectionOfWrongShape", "server: [1]\n", 1, "server: expected a mapping, got a list"},

    // server:
    {"MisspeltServerKey", "server:\n  listn: 0.0.0.0:80\n", 2,
     "server: unknown key `listn` (did you mean `listen`?)"},
    {"UnguessableKeyListsKnownOnes", "server:\n  zzzzzzzz: 1\n", 2,
     "expected one of: admin, admin_token, body_limit"},
    {"ListenWithoutPort", "server:\n  listen: 0.0.0.0\n", 2, "expected host:port"},
    {"ListenPortTooBig", "server:\n  listen: 0.0.0.0:70000\n", 2,
     "is not a number from 0 to 65535"},
    {"ListenIpv6WithoutBrackets", "server:\n  listen: ::1:8080\n", 2, "in brackets"},
    {"ListenHostName", "server:\n  admin: example.com:80\n", 2, "is not an IP address"},
    {"ListenAndAdminSamePort", "server:\n  listen: 0.0.0.0:9000\n  admin: 127.0.0.1:9000\n", 3,
     "must use different ports"},
    {"AdminOffLoopbackNeedsToken", "server:\n  admin: 0.0.0.0:8081\n", 2,
     "not loopback: set server.admin_token"},
    {"HttpUrlPortNotANumber",
     "functions:\n  f:\n    runtime: http\n    url: http://127.0.0.1:80x/\n", 4,
     "the port is not a number"},
    {"HttpUrlWithCredentials",
     "functions:\n  f:\n    runtime: http\n    url: http://user:pw@127.0.0.1:80/\n", 4,
     "credentials in the url are not supported"},
    {"ForwardHeaderTheForwarderSets",
     "functions:\n  f:\n    runtime: http\n    url: http://127.0.0.1:1/\n    headers: {Host: x}\n",
     5, "header Host is set by the forwarder itself"},
    {"ForwardHeaderOfOurs",
     "functions:\n  f:\n    runtime: http\n    url: http://127.0.0.1:1/\n"
     "    headers: {X-Longhaul-Job-Id: x}\n",
     5, "header X-Longhaul-Job-Id is set by the forwarder itself"},
    {"ForwardHeaderValueWithLineBreak",
     "functions:\n  f:\n    runtime: http\n    url: http://127.0.0.1:1/\n"
     "    headers: {X-A: \"v\\r\\nX-Injected: 1\"}\n",
     5, "functions.f.headers.X-A: must not contain control characters"},
    {"ForwardHeaderValueAtItsLine",
     "functions:\n  f:\n    runtime: http\n    url: http://127.0.0.1:1/\n"
     "    headers:\n      X-A: ok\n      X-B: \"a\\nb\"\n",
     7, "functions.f.headers.X-B: must not contain control characters"},
    {"PassHeadersItemAtItsLine",
     FunctionYaml("command",
                  "    command: [x]\n    pass_headers:\n      - X-Ok\n      - Bad Header\n"),
     7, "functions.f.pass_headers[1]"},
    {"AdminTokenWithSpace", "server:\n  admin_token: \"abc \"\n", 2,
     "server.admin_token: must be visible ASCII characters only"},
    {"AdminTokenWithNewline", "server:\n  admin_token: |\n    abc\n", 2,
     "server.admin_token: must be visible ASCII characters only"},
    {"AccessKeySecretAtItsLine", "server:\n  lambda_access_keys:\n    AK1: x\n    AK2: ''\n", 4,
     "server.lambda_access_keys.AK2: the secret of AK2 is empty"},
    {"MaxConnectionsTooLarge", "server:\n  max_connections: 99999999999\n", 2,
     "must be at most 2147483647, got 99999999999"},
    {"PublicUrlWithQuery", "server:\n  public_url: \"http://my host/?x=1\"\n", 2,
     "no query, fragment, spaces or control characters"},
    {"EmptyAdminToken", "server:\n  admin_token: \"\"\n", 2, "must not be empty"},
    // QA: a token no request could carry was taken, and every admin call got 431.
    {"AdminTokenLongerThanAHeaderMayBe",
     "server:\n  header_limit: 1KiB\n  admin_token: " + std::string(600, 't') + "\n", 3,
     "server.admin_token: is 600 bytes: a request carrying it would not fit header_limit (1024"},
    {"EmptyAccessKeySecret", "server:\n  lambda_access_keys: {AKID: \"\"}\n", 2,
     "the secret of AKID is empty"},
    {"BadSize", "server:\n  body_limit: 10XB\n", 2, "server.body_limit: invalid size '10XB'"},
    {"SizeWithTooManyDigits", "server:\n  body_limit: 9223372036854775807\n", 2,
     "server.body_limit: invalid size '9223372036854775807': too large"},
    // QA: 9000000000GiB was taken, and a request announcing that much ran out of memory.
    {"BodyLimitTooLarge", "server:\n  body_limit: 513MiB\n", 2,
     "server.body_limit: must be at most 536870912 bytes (512MiB: a request is held in memory "
     "and stored whole)"},
    {"HeaderLimitTooLarge", "server:\n  header_limit: 2MiB\n", 2, "must be at most 1048576 bytes"},
    {"SizeWithoutANumber", "server:\n  body_limit: MiB\n", 2,
     "server.body_limit: invalid size 'MiB': expected a number, then B, KiB"},
    {"EmptyEnvironmentName",
     "functions:\n  f:\n    runtime: command\n    command: [/bin/true]\n    environment: {'': x}\n",
     5, "functions.f.environment: a key may not be empty"},
    {"DurationWithoutUnit", "server:\n  header_timeout: 10\n", 2,
     "a unit (ms, s, m, h, d) is required"},
    {"ZeroDuration", "server:\n  body_timeout: 0s\n", 2, "must be greater than 0"},
    {"ShortLease", "server:\n  lease: 500ms\n", 2, "must be at least 1s"},
    {"NotANumber", "server:\n  threads: four\n", 2, "expected a whole number, got 'four'"},
    {"ZeroMaxConnections", "server:\n  max_connections: 0\n", 2, "must be at least 1, got 0"},
    {"ListForString", "server:\n  data_dir: [a, b]\n", 2, "expected a string, got a list"},
    {"NoValue", "server:\n  data_dir:\n", 2, "server.data_dir: expected a string, got no value"},
    {"EmptyString", "server:\n  data_dir: ''\n", 2, "must not be empty"},
    {"LogFormat", "server:\n  log_format: xml\n", 2,
     "unknown value 'xml'; expected one of: text, json"},
    {"NodeId", "server:\n  node_id: node a\n", 2, "is not a valid name"},
    {"PublicUrl", "server:\n  public_url: example.com\n", 2, "is not a URL"},
    {"PublicUrlWithABadPort", "server:\n  public_url: \"http://example.com:abc\"\n", 2,
     "server.public_url: url 'http://example.com:abc': the port is not a number"},
    {"PublicUrlWithAPortTooLarge", "server:\n  public_url: http://example.com:99999\n", 2,
     "is not a number from 1 to 65535"},
    {"UnsetVariable", "server:\n  admin_token: ${NOPE}\n", 2,
     "server.admin_token: environment variable NOPE is not set"},
    {"UnclosedVariable", "server:\n  admin_token: ${NOPE\n", 2, "unclosed '${'"},
    {"BadVariableName", "server:\n  admin_token: ${1X}\n", 2, "invalid variable name '1X'"},

    // functions:
    {"FunctionsAsList", "functions:\n  - name: f\n", 1, "expected a mapping of names to functions"},
    {"DuplicateFunction",
     "functions:\n  f:\n    runtime: http\n    url: http://a\n"
     "  f:\n    runtime: http\n    url: http://b\n",
     5, "duplicate function `f` (first at line 2)"},
    {"BadFunctionName", "functions:\n  \"a b\":\n    runtime: http\n    url: http://a\n", 2,
     "'a b' is not a valid name"},
    {"MissingRuntime", "functions:\n  f:\n    command: [x]\n", 2,
     "functions.f: missing `runtime` (command, http or lambda)"},
    {"UnknownRuntime", FunctionYaml("docker", ""), 3,
     "unknown value 'docker'; expected one of: command, http, lambda"},
    {"CommandAsString", FunctionYaml("command", "    command: ./handler.sh --fast\n"), 4,
     "use a list"},
    {"CommandIsNeverAShell", FunctionYaml("command", "    command: ./handler.sh --fast\n"), 4,
     "it is never run through a shell"},
    {"CommandMissing", FunctionYaml("command", ""), 2, "missing `command`"},
    {"CommandEmpty", FunctionYaml("command", "    command: []\n"), 4,
     "must name at least the program"},
    {"CommandItemNotString", FunctionYaml("command", "    command: [a, {b: c}]\n"), 4,
     "functions.f.command[1]: expected a string, got a mapping"},
    {"Stdin", FunctionYaml("command", "    command: [x]\n    stdin: file\n"), 5,
     "unknown value 'file'; expected one of: body, event, none"},
    {"PassHeaders", FunctionYaml("command", "    command: [x]\n    pass_headers: [\"X Bad\"]\n"), 5,
     "'X Bad' is not a valid HTTP header name"},
    {"EnvironmentName", FunctionYaml("command", "    command: [x]\n    environment: {1A: x}\n"), 5,
     "is not a valid environment variable name"},
    {"EnvironmentAsList", FunctionYaml("command", "    command: [x]\n    environment: [A=1]\n"), 5,
     "functions.f.environment: expected a mapping, got a list"},
    {"UrlMissing", FunctionYaml("http", ""), 2, "missing `url`"},
    {"UrlHttpsWithoutHost", FunctionYaml("http", "    url: https:///x\n"), 4,
     "is not a URL of the form http[s]://host[:port][/path]"},
    {"UrlNotHttp", FunctionYaml("http", "    url: ftp://example.com\n"), 4,
     "is not a URL of the form http[s]://"},
    {"ExactPathNotBool", FunctionYaml("http", "    url: http://a\n    exact_path: yes\n"), 5,
     "expected true or false, got 'yes'"},
    {"HeaderName", FunctionYaml("http", "    url: http://a\n    headers: {\"a b\": c}\n"), 5,
     "is not a valid HTTP header name"},
    {"KeyOfAnotherRuntime", FunctionYaml("http", "    url: http://a\n    stdin: body\n"), 5,
     "`stdin` applies only to runtime command, not http"},
    {"EnvironmentForHttp", FunctionYaml("http", "    url: http://a\n    environment: {A: b}\n"), 5,
     "`environment` applies only to runtime command or lambda, not http"},
    {"MisspeltFunctionKey", FunctionYaml("http", "    url: http://a\n    timout: 1s\n"), 5,
     "unknown key `timout` (did you mean `timeout`?)"},
    {"ConcurrencyZero", FunctionYaml("http", "    url: http://a\n    concurrency: 0\n"), 5,
     "must be from 1 to 100000, got 0"},
    {"RetriesNegative", FunctionYaml("http", "    url: http://a\n    retries: -1\n"), 5,
     "must be from 0 to 1000, got -1"},
    {"TimeoutBad", FunctionYaml("http", "    url: http://a\n    timeout: 15 minutes\n"), 5,
     "invalid duration '15 minutes'"},
    {"RetryMaxBelowBase",
     FunctionYaml("http", "    url: http://a\n    retry_base: 5s\n    retry_max: 1s\n"), 6,
     "retry_max (1s) is less than retry_base (5s)"},
    {"LambdaWithoutProgram", FunctionYaml("lambda", "    handler: index.handler\n"), 2,
     "missing `bootstrap` (an executable) or `command`"},
    {"LambdaBoth", FunctionYaml("lambda", "    bootstrap: ./b\n    command: [node]\n"), 5,
     "set either `bootstrap` or `command`, not both"},
    {"LambdaCommandWithoutHandler", FunctionYaml("lambda", "    command: [node]\n"), 4,
     "`command` needs `handler`"},
    {"LambdaMemory", FunctionYaml("lambda", "    bootstrap: ./b\n    memory_mb: 0\n"), 5,
     "must be from 1 to 1048576"},
    {"DestinationUnknownFunction",
     WithFunctions(
         "  f:\n    runtime: http\n    url: http://a\n    on_failure: {function: notfy}\n"),
     11, "unknown function `notfy` (did you mean `notify`?)"},
    {"DestinationBoth",
     WithFunctions("  f:\n    runtime: http\n    url: http://a\n"
                   "    on_success: {function: notify, url: http://b}\n"),
     11, "set exactly one of `function` or `url`"},
    {"DestinationMisspelt",
     WithFunctions(
         "  f:\n    runtime: http\n    url: http://a\n    on_success: {functon: notify}\n"),
     11, "unknown key `functon` (did you mean `function`?)"},
    {"DestinationUrl",
     WithFunctions("  f:\n    runtime: http\n    url: http://a\n    on_success: {url: b.com}\n"),
     11, "is not a URL"},
    {"DestinationSelf",
     WithFunctions("  f:\n    runtime: http\n    url: http://a\n    on_success: {function: f}\n"),
     11, "a function cannot be its own destination"},
    {"DestinationLoop",
     "functions:\n"
     "  a:\n    runtime: http\n    url: http://a\n    on_failure: {function: b}\n"
     "  b:\n    runtime: http\n    url: http://b\n    on_success: {function: a}\n",
     9, "destinations form a loop that could run forever: a -> b -> a"},

    // defaults:
    {"DefaultsMisspelt", "defaults:\n  function:\n    retries: 1\n", 2,
     "unknown key `function` (did you mean `functions`?)"},
    {"DefaultsFunctionRuntime", "defaults:\n  functions:\n    runtime: command\n", 3,
     "defaults.functions: unknown key `runtime`"},
    {"DefaultsRoutePath", "defaults:\n  routes:\n    path: /x\n", 3,
     "defaults.routes: unknown key `path`"},
    {"DefaultsBadValue", "defaults:\n  functions:\n    retries: many\n", 3,
     "defaults.functions.retries: expected a whole number"},
    {"MergeKey",
     "defaults:\n  functions: &b\n    retries: 1\nfunctions:\n  f:\n    <<: *b\n"
     "    runtime: command\n    command: [x]\n",
     6, "functions.f: unknown key `<<`: YAML merge keys are not supported"},
    // QA: taken, and ignored by every route that inherits ack: sync.
    {"DefaultsAckBodyWithSync", "defaults:\n  routes:\n    ack: sync\n    ack_body: ok\n", 4,
     "defaults.routes.ack_body: has no effect with ack: sync"},

    // routes:
    {"RoutesAsMapping", WithFunctions("routes:\n  path: /x\n"), 8, "expected a list of routes"},
    {"RouteNotMapping", WithFunctions("routes:\n  - /x\n"), 9,
     "routes[0]: expected a mapping (- path: /hooks/x, function: name), got a string"},
    {"FunctionNotMapping", "functions:\n  f: http\n", 2,
     "functions.f: expected a mapping (runtime: ..., and its keys), got a string"},
    {"RouteMissingPath", WithFunctions("routes:\n  - function: process\n"), 9,
     "routes[0]: missing `path`"},
    {"RouteMissingFunction", WithFunctions("routes:\n  - path: /x\n"), 9,
     "routes[0]: missing `function`"},
    {"RouteUnknownFunction", WithFunctions("routes:\n  - path: /x\n    function: proces\n"), 10,
     "routes[0].function: unknown function `proces` (did you mean `process`?)"},
    {"PathWithoutSlash", WithFunctions("routes:\n  - path: hooks\n    function: process\n"), 9,
     "invalid path 'hooks': must start with '/'"},
    {"PathBraceInLiteral", WithFunctions("routes:\n  - path: /a{b}\n    function: process\n"), 9,
     "contains '{' or '}'"},
    {"PathGreedyNotLast", WithFunctions("routes:\n  - path: /a/{x+}/b\n    function: process\n"), 9,
     "must be the last segment"},
    {"PathDuplicateParam", WithFunctions("routes:\n  - path: /a/{x}/{x}\n    function: process\n"),
     9, "parameter 'x' appears twice"},
    {"PathEmptySegment", WithFunctions("routes:\n  - path: /a//b\n    function: process\n"), 9,
     "empty segment"},
    {"PathTrailingSlash", WithFunctions("routes:\n  - path: /a/\n    function: process\n"), 9,
     "empty segment"},
    {"PathBadParamName", WithFunctions("routes:\n  - path: /a/{1x}\n    function: process\n"), 9,
     "invalid parameter '{1x}'"},
    {"PathQuery", WithFunctions("routes:\n  - path: /a?b=1\n    function: process\n"), 9,
     "must not contain '?' or '#'"},
    {"MisspeltRouteKey", RouteYaml("    ack_staus: 200\n"), 11,
     "routes[0]: unknown key `ack_staus` (did you mean `ack_status`?)"},
    {"Method", RouteYaml("    method: PSOT\n"), 11, "unknown method 'PSOT'"},
    {"Ack", RouteYaml("    ack: later\n"), 11,
     "unknown value 'later'; expected one of: async, sync, auto"},
    {"AckStatusNot2xx", RouteYaml("    ack_status: 500\n"), 11, "must be from 200 to 299, got 500"},
    {"AckStatusWithSync", RouteYaml("    ack: sync\n    ack_status: 200\n"), 12,
     "routes[0].ack_status: has no effect with ack: sync"},
    {"AckBodyWithSync", RouteYaml("    ack: sync\n    ack_body: ok\n"), 12,
     "routes[0].ack_body: has no effect with ack: sync"},
    {"WaitWithAsync", RouteYaml("    wait: 10s\n"), 11, "has no effect with ack: async"},
    {"AckBodyWith204", RouteYaml("    ack_status: 204\n    ack_body: ok\n"), 12,
     "routes[0].ack_body: a 204 answer has no body: ack_body would be dropped"},
    {"WaitZero", RouteYaml("    ack: sync\n    wait: 0s\n"), 12, "must be greater than 0"},
    {"DuplicateRoute",
     WithFunctions("routes:\n"
                   "  - path: /x/{a}\n    function: process\n"
                   "  - path: /x/{b}\n    method: post\n    function: notify\n"),
     11, "duplicate route POST /x/{b} (the same method and path as line 9)"},
    {"DuplicateRouteEncodedDifferently",
     WithFunctions("routes:\n"
                   "  - path: /caf\xc3\xa9\n    function: process\n"
                   "  - path: /caf%C3%A9\n    function: notify\n"),
     11, "duplicate route POST /caf%C3%A9 (the same method and path as line 9)"},
    {"RouteWithDotSegment", RouteYaml("").replace(RouteYaml("").find("/r"), 2, "/a/../r"), 9,
     "has a '..' segment"},
    {"HmacPrefixWithLineBreak",
     RouteYaml("    provider: hmac\n    secret: s\n    hmac: {header: X-Sig, prefix: \"a\\nb\"}\n"),
     13, "routes[0].hmac.prefix: must not contain control characters"},
    {"IdempotencyPointer", RouteYaml("    idempotency_key: {json: update_id}\n"), 11,
     "JSON pointer 'update_id' must start with '/'"},
    {"IdempotencyPointerEscape", RouteYaml("    idempotency_key: {json: /a~2}\n"), 11,
     "'~' must be followed by 0"},
    {"IdempotencyTwoSources", RouteYaml("    idempotency_key: {json: /a, header: X-Id}\n"), 11,
     "set exactly one of `json`, `header` or `query`"},
    {"IdempotencyNoSource", RouteYaml("    idempotency_key: {required: true}\n"), 11,
     "set exactly one of `json`, `header` or `query`"},
    {"IdempotencyMisspelt", RouteYaml("    idempotency_key: {jsn: /a}\n"), 11,
     "unknown key `jsn` (did you mean `json`?)"},
    {"IdempotencyScalar", RouteYaml("    idempotency_key: update_id\n"), 11,
     "expected {json: /pointer}, {json: [/pointer, ...]}, {header: Name}, {query: name} or none"},
    {"OrderingPointerListWithABadOne",
     RouteYaml("    ordering_key: {json: [/message/chat/id, chat]}\n"), 11,
     "routes[0].ordering_key.json[1]: "},
    {"OrderingPointerListEmpty", RouteYaml("    ordering_key: {json: []}\n"), 11,
     "give at least one JSON pointer"},
    {"IdempotencyRequired", RouteYaml("    idempotency_key: {query: id, required: maybe}\n"), 11,
     "expected true or false, got 'maybe'"},
    {"IdempotencyWindow",
     RouteYaml("    idempotency_key: {header: X-Id}\n    idempotency_window: forever\n"), 12,
     "invalid duration 'forever'"},
    {"IdempotencyWindowWithoutKey", RouteYaml("    idempotency_window: 1h\n"), 11,
     "routes[0].idempotency_window: has no effect without idempotency_key"},
    {"OrderingHeader", RouteYaml("    ordering_key: {header: \"a:b\"}\n"), 11,
     "is not a valid HTTP header name"},
    {"UnknownProvider", RouteYaml("    provider: gitlab\n    secret: s\n"), 11,
     "unknown provider 'gitlab'; expected one of: telegram, github"},
    {"ProviderWithoutSecret", RouteYaml("    provider: github\n"), 11,
     "routes[0].provider: github needs `secret`"},
    {"SecretWithoutProvider", RouteYaml("    secret: s\n"), 11, "has no effect without `provider`"},
    {"StandardSecretBarePrefix", RouteYaml("    provider: standard\n    secret: whsec_\n"), 12,
     "routes[0].secret: provider standard needs the secret as the sender shows it"},
    {"StandardSecretNotBase64", RouteYaml("    provider: standard\n    secret: not base64!!\n"), 12,
     "whsec_ followed by base64, or the base64 key alone (this one is not base64)"},
    // A secret inherited from defaults.routes is checked as the route's own, at the route.
    {"StandardSecretFromDefaults",
     RouteYaml("    provider: standard\n") + "defaults:\n  routes: {secret: not base64!!}\n", 9,
     "routes[0]: provider standard needs the secret as the sender shows it: whsec_ followed by "
     "base64, or the base64 key alone (this one is not base64) (the secret comes from "
     "defaults.routes, line 13)"},
    {"TelegramSecretCharacters", RouteYaml("    provider: telegram\n    secret: bad token!\n"), 12,
     "routes[0].secret: provider telegram's secret is the bot's setWebhook secret_token: 1 to "
     "256 of A-Z, a-z, 0-9, _ and -"},
    {"TelegramSecretFromDefaults",
     RouteYaml("") + "defaults:\n  routes: {provider: telegram, secret: a.b}\n", 9,
     "(the secret comes from defaults.routes, line 12)"},
    {"HmacProviderFromDefaults",
     RouteYaml("    secret: s\n") + "defaults:\n  routes: {provider: hmac}\n", 9,
     "routes[0]: provider hmac needs `hmac: {header: ...}`"},
    {"NulInCommand", FunctionYaml("command", "    command: [/bin/echo, \"a\\0b\"]\n"), 4,
     "functions.f.command[1]: holds a NUL character"},
    {"NulInEnvironment",
     FunctionYaml("command", "    command: [/bin/true]\n    environment: {A: \"x\\0y\"}\n"), 5,
     "functions.f.environment.A: holds a NUL character"},
    {"SecretFromEmptyVariable", RouteYaml("    provider: github\n    secret: ${EMPTY}\n"), 12,
     "routes[0].secret: must not be empty"},
    {"BlankSecret", RouteYaml("    provider: github\n    secret: \" \\t\"\n"), 12,
     "routes[0].secret: is only whitespace: a signing key anyone could guess"},
    {"SecretFromUnsetVariable", RouteYaml("    provider: github\n    secret: ${TG_SECRT}\n"), 12,
     "environment variable TG_SECRT is not set"},
    // Only the variable is named: not also the secret's format, which the user did not get
    // wrong (QA).
    {"TelegramSecretFromUnsetVariable",
     RouteYaml("    provider: telegram\n    secret: ${TG_SECRT}\n"), 12,
     "environment variable TG_SECRT is not set"},
    {"HmacWithoutBlock", RouteYaml("    provider: hmac\n    secret: s\n"), 11,
     "provider hmac needs `hmac: {header: ...}`"},
    {"HmacWithoutHeader", RouteYaml("    provider: hmac\n    secret: s\n    hmac: {prefix: x}\n"),
     13, "routes[0].hmac: missing `header`"},
    {"HmacAlgorithm",
     RouteYaml("    provider: hmac\n    secret: s\n    hmac: {header: X-Sig, algorithm: md5}\n"),
     13, "unknown value 'md5'; expected one of: sha1, sha256, sha512"},
    {"HmacEncoding",
     RouteYaml("    provider: hmac\n    secret: s\n    hmac: {header: X-Sig, encoding: base32}\n"),
     13, "expected one of: hex, base64"},
    {"HmacForOtherProvider",
     RouteYaml("    provider: github\n    secret: s\n    hmac: {header: X-Sig}\n"), 13,
     "applies only to provider: hmac"},
};

INSTANTIATE_TEST_SUITE_P(Table, LoadConfigErrors, ::testing::ValuesIn(kErrorCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return info.param.name;
                         });

TEST(LoadConfigFile, MissingFileIsNotFound) {
  testing::TempDir dir;
  auto loaded = LoadConfigFile(dir.File("nope.yaml"), TestEnv());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kNotFound);
  EXPECT_NE(loaded.status().message().find(dir.File("nope.yaml")), std::string::npos);
}

TEST(LoadConfigFile, NamesTheFileInErrors) {
  testing::TempDir dir;
  std::string path = dir.File("bad.yaml");
  std::ofstream(path) << "server:\n  threads: x\n";
  auto loaded = LoadConfigFile(path, TestEnv());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message().rfind(path + ":2: server.threads:", 0), 0u)
      << loaded.status().message();
}

TEST(LoadConfigFile, DirectoryIsAnError) {
  testing::TempDir dir;
  auto loaded = LoadConfigFile(dir.path(), TestEnv());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Code::kInvalidArgument);
}

TEST(LoadConfigFile, ShippedExampleLoads) {
  const std::string root = LONGHAUL_SOURCE_DIR;
  auto loaded = LoadConfigFile(root + "/examples/longhaul.yaml", {});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Config& c = **loaded;
  const Function* echo = c.FindFunction("echo");
  ASSERT_NE(echo, nullptr);
  ASSERT_EQ(echo->kind, RuntimeKind::kCommand);
  ASSERT_FALSE(echo->command.argv.empty());
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].method, "POST");
  EXPECT_EQ(c.routes[0].path, "/hooks/echo");
  EXPECT_EQ(c.routes[0].ack, AckMode::kAsync);
  EXPECT_EQ(c.routes[0].function, "echo");

  // The handler exists, is executable (paths are relative to the repository root) and echoes.
  const std::string handler = root + "/" + echo->command.argv[0];
  ASSERT_EQ(access(handler.c_str(), X_OK), 0) << handler;
  std::FILE* pipe = popen(("printf 'hello' | " + handler).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char out[64] = {};
  size_t n = std::fread(out, 1, sizeof(out) - 1, pipe);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_EQ(std::string(out, n), "hello");
}

// An editor's byte order mark: quoted values are still read where they are (the quote check
// once took every closed quote after one for open).
TEST(LoadConfigText, QuotedValuesAfterAByteOrderMark) {
  auto loaded = Load(
      "\xEF\xBB\xBFserver:\n  listen: \"127.0.0.1:0\"\n  admin: '127.0.0.1:0'\nfunctions:\n"
      "  f: {runtime: command, command: [\"/bin/true\", \"x'\"]}\n"
      "routes:\n  - {path: \"/a\", function: f, ack_body: 'it''s'}\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->routes.at(0).ack_body, "it's");
}

// The Telegram bot orders a chat's updates of every kind by the first chat id present.
TEST(LoadConfigFile, TelegramExampleOrdersByTheChatOfAnyUpdate) {
  auto loaded =
      LoadConfigFile(std::string(LONGHAUL_SOURCE_DIR) + "/examples/telegram-bot/longhaul.yaml",
                     [](const std::string& name) -> std::optional<std::string> {
                       if (name == "TELEGRAM_SECRET") return "s3cret";
                       return std::nullopt;
                     });
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const KeySource& order = (*loaded)->routes.at(0).ordering;
  EXPECT_EQ(order.kind, KeySource::Kind::kJsonPointer);
  EXPECT_EQ(order.name, "/message/chat/id");
  EXPECT_EQ(order.more_pointers,
            (std::vector<std::string>{"/edited_message/chat/id", "/callback_query/message/chat/id",
                                      "/channel_post/chat/id", "/edited_channel_post/chat/id",
                                      "/my_chat_member/chat/id", "/chat_member/chat/id",
                                      "/chat_join_request/chat/id", "/message_reaction/chat/id"}));
}

TEST(RestartOnlyChanges, NamesTheServerSettingsAReloadCannotApply) {
  Server running;
  Server next = running;
  EXPECT_TRUE(RestartOnlyChanges(running, next).empty());
  next.job_nice = 5;  // applied by a reload
  next.retention = std::chrono::hours(1);
  next.admin_token = "t";
  EXPECT_TRUE(RestartOnlyChanges(running, next).empty());
  next.admin.port = 9091;
  next.body_limit = 1024;
  next.data_dir = "/elsewhere";
  EXPECT_EQ(RestartOnlyChanges(running, next),
            (std::vector<std::string>{"server.admin", "server.data_dir", "server.body_limit"}));
}

// The admin listener is restart-only: a reload that drops admin_token must be refused while it
// still listens beyond loopback, though the new file names a loopback address.
TEST(CheckReload, RefusesToLeaveARunningPublicAdminListenerWithoutAToken) {
  auto next = Load("server:\n  admin: 127.0.0.1:9001\n" + std::string(kMinimal));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  Server running;
  running.admin = Listen{"0.0.0.0", 9001};
  auto refused = CheckReload(running, *next);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the admin listener runs on 0.0.0.0:9001 until a "
                                            "restart, which is not loopback"),
            std::string::npos)
      << refused.status().message();
  running.admin = Listen{"127.0.0.1", 9001};
  EXPECT_TRUE(CheckReload(running, *next).ok());
  auto with_token =
      Load("server:\n  admin: 127.0.0.1:9001\n  admin_token: t\n" + std::string(kMinimal));
  ASSERT_TRUE(with_token.ok());
  running.admin = Listen{"0.0.0.0", 9001};
  EXPECT_TRUE(CheckReload(running, *with_token).ok());
}

}  // namespace
}  // namespace longhaul::config
