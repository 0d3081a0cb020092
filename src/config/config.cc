#include "config/config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/duration.h"
#include "base/read_file.h"
#include "config/internal/function_schema.h"
#include "config/internal/reader.h"
#include "config/internal/route_schema.h"
#include "config/internal/server_schema.h"
#include "config/internal/syntax.h"
#include "config/listen.h"
#include "config/yaml_documents.h"

namespace longhaul::config {
namespace {

using internal::Context;
using internal::Field;
using internal::MapReader;

constexpr size_t kMaxFileBytes = size_t{16} * 1024 * 1024;

// The default lease owner name: the host name, or "node" when it cannot be read or used.
std::string DefaultNodeId() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || !internal::CheckName(name).empty()) {
    return "node";
  }
  return name;
}

// Reads the document root into *config. Sections are read in dependency order (function names
// before anything that refers to them, defaults before what inherits them), not file order.
void ReadRoot(Context& ctx, const YAML::Node& root, Config* config) {
  Field root_field{"", "", internal::LineOf(root), root, 0};
  if (!root.IsMap()) {
    ctx.Error(root_field, "expected a mapping with server, functions and routes at the top, got " +
                              std::string(Context::Describe(root)));
    return;
  }
  MapReader r(ctx, root_field);
  const Field* server = r.Get("server");
  const Field* defaults = r.Get("defaults");
  const Field* functions = r.Get("functions");
  const Field* routes = r.Get("routes");
  r.ReportUnknownKeys();

  if (server != nullptr) {
    internal::ReadServer(ctx, *server, &config->server);
  }

  std::vector<Field> function_entries;
  if (functions != nullptr && functions->value.IsMap()) {
    function_entries = ctx.Entries(*functions, "function");
  } else if (functions != nullptr && !functions->value.IsNull()) {
    ctx.Error(*functions, "expected a mapping of names to functions (name: {runtime: ...}), got " +
                              std::string(Context::Describe(functions->value)));
  }
  std::vector<std::string> names;
  names.reserve(function_entries.size());
  for (const Field& entry : function_entries) {
    names.push_back(entry.key);
  }

  Function function_defaults;
  internal::RouteDefaults route_defaults;
  route_defaults.route.method = "POST";
  if (defaults != nullptr) {
    MapReader d(ctx, *defaults);
    if (const Field* f = d.Get("functions")) {
      internal::ReadFunctionDefaults(ctx, *f, &function_defaults);
    }
    if (const Field* f = d.Get("routes")) {
      internal::ReadRouteDefaults(ctx, *f, names, &route_defaults);
    }
    d.ReportUnknownKeys();
  }

  std::vector<internal::DestinationEdge> edges;
  for (const Field& entry : function_entries) {
    config->functions.push_back(
        internal::ReadFunction(ctx, entry, function_defaults, names, &edges));
  }
  internal::CheckDestinationLoops(ctx, names, edges);
  internal::AddUrlDeliveryFunctions(&config->functions);

  if (routes == nullptr || routes->value.IsNull()) {
    return;
  }
  if (!routes->value.IsSequence()) {
    ctx.Error(*routes, "expected a list of routes (- path: /hooks/x ...), got " +
                           std::string(Context::Describe(routes->value)));
    return;
  }
  std::vector<Field> route_fields;
  for (size_t i = 0; i < routes->value.size(); ++i) {
    const YAML::Node item = routes->value[i];
    int line = internal::LineOf(item);
    route_fields.push_back(
        Field{"routes[" + std::to_string(i) + "]", "", line > 0 ? line : routes->line, item, 0});
    config->routes.push_back(internal::ReadRoute(ctx, route_fields.back(), route_defaults, names));
  }
  internal::CheckDuplicateRoutes(ctx, config->routes, route_fields);
  // A duplicate is answered with the first job's id: that job must still be there.
  const base::Duration retention = config->server.retention;
  for (size_t i = 0; i < config->routes.size(); ++i) {
    const Route& route = config->routes[i];
    if (retention.count() > 0 && route.idempotency.enabled() &&
        route.idempotency_window > retention) {
      ctx.Error(route_fields[i],
                "idempotency_window (" + base::FormatDuration(route.idempotency_window) +
                    (route.idempotency_window == internal::ProviderWindow(route.provider)
                         ? ", provider " + route.provider + "'s default"
                         : "") +
                    ") is longer than server.retention (" + base::FormatDuration(retention) +
                    "): a duplicate would name a job already deleted; shorten the window or "
                    "raise server.retention");
    }
  }
}

}  // namespace

bool Config::IsSecret(std::string_view value) const {
  if (value.empty()) return false;
  if (value == server.admin_token) return true;
  for (const auto& [id, secret] : server.lambda_access_keys) {
    if (value == secret) return true;
  }
  if (std::find(other_secrets.begin(), other_secrets.end(), value) != other_secrets.end()) {
    return true;
  }
  return std::any_of(routes.begin(), routes.end(),
                     [&](const Route& r) { return !r.secret.empty() && r.secret == value; });
}

const Function* Config::FindFunction(std::string_view name) const {
  for (const Function& fn : functions) {
    if (fn.name == name) {
      return &fn;
    }
  }
  return nullptr;
}

std::vector<std::string> RestartOnlyChanges(const Server& running, const Server& next) {
  std::vector<std::string> changed;
  auto check = [&](const char* name, bool same) {
    if (!same) changed.push_back(std::string("server.") + name);
  };
  auto same_listen = [](const Listen& a, const Listen& b) {
    return a.host == b.host && a.port == b.port;
  };
  check("listen", same_listen(running.listen, next.listen));
  check("admin", same_listen(running.admin, next.admin));
  check("data_dir", running.data_dir == next.data_dir);
  check("node_id", running.node_id == next.node_id);
  check("public_url", running.public_url == next.public_url);
  check("body_limit", running.body_limit == next.body_limit);
  check("header_limit", running.header_limit == next.header_limit);
  check("header_timeout", running.header_timeout == next.header_timeout);
  check("body_timeout", running.body_timeout == next.body_timeout);
  check("idle_timeout", running.idle_timeout == next.idle_timeout);
  check("max_connections", running.max_connections == next.max_connections);
  check("threads", running.threads == next.threads);
  check("checkpoint_pages", running.checkpoint_pages == next.checkpoint_pages);
  check("shutdown_grace", running.shutdown_grace == next.shutdown_grace);
  check("lease", running.lease == next.lease);
  check("poll_interval", running.poll_interval == next.poll_interval);
  check("log_format", running.log_format == next.log_format);
  return changed;
}

base::Result<std::shared_ptr<const Config>> CheckReload(const Server& running,
                                                        std::shared_ptr<const Config> next) {
  if (next->server.admin_token.empty() && !internal::IsLoopback(running.admin.host)) {
    return base::InvalidArgument(
        next->source + ": the admin listener runs on " + FormatListen(running.admin) +
        " until a restart, which is not loopback: the reload would leave it without "
        "server.admin_token");
  }
  return next;
}

base::Result<std::shared_ptr<const Config>> LoadConfigText(const std::string& text,
                                                           const std::string& file_name,
                                                           const EnvLookup& env) {
  Context ctx(file_name, env);
  auto config = std::make_shared<Config>();
  config->source = file_name;
  // yaml-cpp reports syntax errors (and, in principle, misuse) by throwing; nothing else here
  // throws, and nothing thrown gets past this function.
  try {
    DocumentScan scan = ScanDocuments(text);
    YAML::Node root;
    if (scan.stuck_line == 0) root = YAML::Load(text);
    if (scan.stuck_line != 0) {
      ctx.Error(scan.stuck_line, "invalid YAML: unexpected text where a document should begin");
    } else if (root.IsNull() && scan.second_document_line != 0) {
      ctx.Error(scan.second_document_line,
                "the config is in a second YAML document ('---'), after an empty first one; a "
                "config file holds exactly one");
    } else if (root.IsNull()) {
      ctx.Error(1, "the file is empty; expected a mapping with server, functions and routes");
    } else {
      if (scan.second_document_line != 0) {
        ctx.Error(scan.second_document_line,
                  "a second YAML document ('---'); a config file holds exactly one");
      }
      ReadRoot(ctx, root, config.get());
    }
  } catch (const YAML::Exception& e) {
    ctx.Error(YamlErrorLine(e), YamlSyntaxError(text, e));
  }
  LH_RETURN_IF_ERROR(ctx.ToStatus());
  config->secret_variables = ctx.secret_variables();
  if (config->server.node_id.empty()) {
    config->server.node_id = DefaultNodeId();
  }
  return std::shared_ptr<const Config>(std::move(config));
}

base::Result<std::string> ReadConfigText(const std::string& path) {
  base::Result<std::string> text = base::ReadWholeFile(path, kMaxFileBytes);
  if (text.ok()) return text;
  switch (text.status().code()) {
    case base::Code::kNotFound:
      return base::NotFound("config file " + path + " does not exist");
    case base::Code::kPayloadTooLarge:
      return base::InvalidArgument(path + ": larger than 16 MiB; is this the config file?");
    default:
      return base::InvalidArgument(path + ": " + text.status().message());
  }
}

base::Result<std::shared_ptr<const Config>> LoadConfigFile(const std::string& path,
                                                           const EnvLookup& env) {
  base::Result<std::string> text = ReadConfigText(path);
  if (!text.ok()) return text.status();
  return LoadConfigText(*text, path, env);
}

}  // namespace longhaul::config
