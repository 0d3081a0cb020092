#include "hooks/translate.h"

#include <algorithm>
#include <cctype>

#include "config/listen.h"
#include "hooks/dispatch.h"

namespace longhaul::hooks {

std::vector<std::string> ParseMethodList(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (char c : text) {
    if (c == ',') {
      flush();
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  flush();
  return out;
}

std::string HookPath(const std::string& url_prefix, const std::string& id) {
  std::string path = url_prefix.empty() ? "/" : "/" + url_prefix + "/";
  for (char c : id) {
    if (c == '%' || c == '?' || c == '#') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      path += '%';
      path += kHex[static_cast<unsigned char>(c) >> 4];
      path += kHex[c & 0xf];
    } else {
      path += c;
    }
  }
  return path;
}

namespace {

// The signature secrets of a trigger rule (payload-hmac-*, scalr-signature), each once.
void CollectSecrets(const Rule& rule, std::vector<std::string>& out) {
  if (!rule.match.secret.empty() &&
      std::find(out.begin(), out.end(), rule.match.secret) == out.end()) {
    out.push_back(rule.match.secret);
  }
  for (const Rule& child : rule.children) CollectSecrets(child, out);
}

std::vector<config::PathSegment> LiteralSegments(const std::string& path) {
  std::vector<config::PathSegment> out;
  size_t i = 1;  // after the leading '/'
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    config::PathSegment seg;
    seg.kind = config::PathSegment::Kind::kLiteral;
    seg.text = path.substr(i, j - i);
    out.push_back(std::move(seg));
    i = j + 1;
  }
  return out;
}

}  // namespace

base::Result<std::shared_ptr<const config::Config>> Translate(const HookSet& hooks,
                                                              const WebhookOptions& options) {
  auto cfg = std::make_shared<config::Config>();
  cfg->source = "webhook";
  for (size_t i = 0; i < options.hooks_files.size(); ++i) {
    cfg->source += (i == 0 ? " " : ",") + options.hooks_files[i];
  }
  config::Listen listen;
  // webhook joins -ip and -port as Go does ("ip:port"): an IPv6 address comes in brackets
  // ([::1]), and an empty -ip, or 0.0.0.0 (the default), is every address of both families, as
  // Go listens there (QA: IPv6 clients were refused).
  listen.host = options.ip;
  if (listen.host.size() >= 2 && listen.host.front() == '[' && listen.host.back() == ']') {
    listen.host = listen.host.substr(1, listen.host.size() - 2);
  }
  if (listen.host.empty() || listen.host == "0.0.0.0") listen.host = "::";
  listen.port = options.port;
  auto check_ip = config::ParseListen(config::FormatListen(listen));
  if (!check_ip.ok()) return base::InvalidArgument("-ip: " + check_ip.status().message());
  cfg->server.listen = *check_ip;
  auto admin = config::ParseListen(options.admin);
  if (!admin.ok()) return base::InvalidArgument("-admin: " + admin.status().message());
  cfg->server.admin = *admin;
  if (admin->port != 0 && admin->port == cfg->server.listen.port) {
    return base::InvalidArgument("-admin must not use the -port port (" +
                                 std::to_string(admin->port) + ")");
  }
  // As longhaul.yaml: anyone who can reach the admin API can read every stored request.
  const std::string& ah = admin->host;
  bool loopback = ah == "::1" || ah.rfind("127.", 0) == 0;
  if (!loopback && options.admin_token.empty()) {
    return base::InvalidArgument("-admin " + options.admin +
                                 " is not loopback: set -admin-token (or LONGHAUL_ADMIN_TOKEN) so "
                                 "the admin API needs a bearer token");
  }
  cfg->server.data_dir = options.data_dir;
  cfg->server.admin_token = options.admin_token;

  for (const Hook& h : hooks.hooks()) {
    config::Function fn;
    fn.name = h.id;
    fn.line = h.line;
    fn.kind = config::RuntimeKind::kCommand;
    fn.command.argv = {h.execute_command};
    fn.command.stdin_mode = config::CommandRuntime::Stdin::kNone;
    fn.command.refuse_nul_query = false;
    fn.timeout = h.timeout;
    fn.concurrency = h.max_concurrency;
    fn.retries = h.retries;
    fn.max_event_age = std::chrono::hours(24);
    fn.working_dir = h.working_dir;
    cfg->functions.push_back(std::move(fn));
    if (h.trigger_rule) CollectSecrets(*h.trigger_rule, cfg->other_secrets);

    config::Route route;
    route.line = h.line;
    route.method = "ANY";
    route.path = HookPath(options.url_prefix, h.id);
    route.segments = LiteralSegments(route.path);
    route.function = h.id;
    route.ack = config::AckMode::kAsync;
    // Only ingest's acknowledgement that the job is stored, in 200..299 as for every route;
    // the front handler answers with the hook's own code (any code Go knows).
    int code = KnownStatus(h.success_code);
    route.ack_status = code / 100 == 2 ? code : 200;
    route.ack_body = h.response_message;
    // A caller waiting for the output waits through every attempt.
    route.wait = h.timeout * (h.retries + 1) + std::chrono::minutes(1);
    cfg->routes.push_back(std::move(route));
  }
  return std::shared_ptr<const config::Config>(std::move(cfg));
}

}  // namespace longhaul::hooks
