#include "config/internal/route_schema.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "base/base64.h"
#include "config/internal/syntax.h"
#include "config/path_pattern.h"

namespace longhaul::config::internal {
namespace {

constexpr base::Duration kPositive{1};
constexpr std::string_view kMethods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                         "PATCH", "DELETE", "OPTIONS", "ANY"};
constexpr std::string_view kProviders[] = {"telegram", "github",   "stripe",
                                           "slack",    "standard", "hmac"};

// The route keys that were written (nullptr: not set here), for checks across keys.
struct SetKeys {
  const Field* function = nullptr;
  const Field* ack_status = nullptr;
  const Field* ack_body = nullptr;
  const Field* wait = nullptr;
  const Field* idempotency = nullptr;
  const Field* idempotency_window = nullptr;
  const Field* provider = nullptr;
  const Field* secret = nullptr;
  const Field* hmac = nullptr;
  bool bad_provider = false;  // `provider` was set to an unknown name (already reported)
  bool bad_secret = false;    // `secret` could not be read (an unset variable; reported)
};

template <size_t N>
std::string JoinList(const std::string_view (&items)[N]) {
  std::string out;
  for (std::string_view s : items) {
    out += (out.empty() ? "" : ", ") + std::string(s);
  }
  return out;
}

// A signing key of spaces alone is as good as none (a template that lost its value).
std::string NotBlank(std::string_view secret) {
  return secret.find_first_not_of(" \t\r\n") == std::string_view::npos
             ? "is only whitespace: a signing key anyone could guess (did a template lose its "
               "value?)"
             : "";
}

// `idempotency_key:` / `ordering_key:` -> *out; `none` disables it.
void ReadKeySource(Context& ctx, const Field& field, KeySource* out) {
  constexpr std::string_view kShapes =
      "{json: /pointer}, {json: [/pointer, ...]}, {header: Name}, {query: name} or none";
  if (field.value.IsScalar()) {
    std::optional<std::string> text = ctx.String(field);
    if (text && *text == "none") {
      *out = KeySource{};
    } else if (text) {
      ctx.Error(field, "expected " + std::string(kShapes) + ", got '" + *text + "'");
    }
    return;
  }
  MapReader r(ctx, field);
  const Field* json = r.Get("json");
  const Field* header = r.Get("header");
  const Field* query = r.Get("query");
  KeySource key;
  r.ReadBool("required", &key.required);
  int unknown = r.ReportUnknownKeys();
  int sources = (json != nullptr) + (header != nullptr) + (query != nullptr);
  if (sources == 0 && unknown > 0) {
    return;  // a misspelt source, already reported
  }
  if (sources != 1) {
    ctx.Error(field, "set exactly one of `json`, `header` or `query`, as in {json: /id}");
    return;
  }
  const Field* source = json != nullptr ? json : header != nullptr ? header : query;
  if (json != nullptr && json->value.IsSequence()) {
    // Several pointers, the first present one the key: {json: [/message/chat/id,
    // /callback_query/message/chat/id]} orders a Telegram chat's updates of every kind.
    auto pointers = ctx.StringList(*json, "", CheckJsonPointer);
    if (!pointers) return;
    if (pointers->empty()) {
      ctx.Error(*json, "give at least one JSON pointer");
      return;
    }
    key.kind = KeySource::Kind::kJsonPointer;
    key.name = pointers->front();
    key.more_pointers.assign(pointers->begin() + 1, pointers->end());
    *out = std::move(key);
    return;
  }
  std::optional<std::string> name = ctx.String(*source);
  if (!name) {
    return;
  }
  std::string problem;
  if (json != nullptr) {
    key.kind = KeySource::Kind::kJsonPointer;
    problem = CheckJsonPointer(*name);
  } else if (header != nullptr) {
    key.kind = KeySource::Kind::kHeader;
    problem = CheckHeaderName(*name);
  } else {
    key.kind = KeySource::Kind::kQuery;
  }
  if (!problem.empty()) {
    ctx.Error(*source, problem);
    return;
  }
  key.name = std::move(*name);
  *out = std::move(key);
}

void ReadHmac(Context& ctx, const Field& field, HmacCheck* out) {
  MapReader r(ctx, field);
  HmacCheck check;
  if (const Field* f = r.Require("header", " (the request header carrying the signature)")) {
    if (std::optional<std::string> header = ctx.String(*f, false, &CheckHeaderName)) {
      check.header = std::move(*header);
    }
  }
  r.ReadEnum("algorithm",
             {{"sha1", HmacCheck::Algorithm::kSha1},
              {"sha256", HmacCheck::Algorithm::kSha256},
              {"sha512", HmacCheck::Algorithm::kSha512}},
             &check.algorithm);
  r.ReadString("prefix", &check.prefix, /*allow_empty=*/true, &CheckHeaderValueText);
  r.ReadEnum("encoding",
             {{"hex", HmacCheck::Encoding::kHex}, {"base64", HmacCheck::Encoding::kBase64}},
             &check.encoding);
  r.ReportUnknownKeys();
  *out = std::move(check);
}

// Every key a route may set apart from `path`.
void ReadRouteKeys(MapReader& r, const std::vector<std::string>& names, Route* route,
                   SetKeys* set) {
  Context& ctx = r.ctx();
  if (const Field* f = r.Get("method")) {
    if (std::optional<std::string> method = ctx.String(*f)) {
      std::transform(method->begin(), method->end(), method->begin(),
                     [](unsigned char c) { return std::toupper(c); });
      if (std::find(std::begin(kMethods), std::end(kMethods), *method) != std::end(kMethods)) {
        route->method = *method;
      } else {
        ctx.Error(*f, "unknown method '" + *method + "'; expected one of: " + JoinList(kMethods));
      }
    }
  }
  if ((set->function = r.Get("function"))) {
    if (std::optional<std::string> name = ctx.String(*set->function)) {
      if (std::find(names.begin(), names.end(), *name) != names.end()) {
        route->function = *name;
      } else {
        ctx.Error(*set->function, "unknown function `" + *name + "`" + DidYouMean(*name, names));
      }
    }
  }
  r.ReadEnum("ack",
             {{"async", AckMode::kAsync}, {"sync", AckMode::kSync}, {"auto", AckMode::kAuto}},
             &route->ack);
  if ((set->ack_status = r.Get("ack_status"))) {
    if (auto status = ctx.Int(*set->ack_status, 200, 299)) {
      route->ack_status = static_cast<int>(*status);
    }
  }
  if ((set->ack_body = r.Get("ack_body"))) {
    if (auto body = ctx.String(*set->ack_body, /*allow_empty=*/true)) {
      route->ack_body = *body;
    }
  }
  if ((set->wait = r.Get("wait"))) {
    if (auto wait = ctx.Duration(*set->wait, kPositive)) {
      route->wait = *wait;
    }
  }
  if ((set->idempotency = r.Get("idempotency_key"))) {
    ReadKeySource(ctx, *set->idempotency, &route->idempotency);
  }
  set->idempotency_window = r.Get("idempotency_window");
  r.ReadDuration("idempotency_window", &route->idempotency_window, kPositive);
  if (const Field* f = r.Get("ordering_key")) {
    ReadKeySource(ctx, *f, &route->ordering);
  }
  if ((set->provider = r.Get("provider"))) {
    if (std::optional<std::string> provider = ctx.String(*set->provider, /*allow_empty=*/true)) {
      std::transform(provider->begin(), provider->end(), provider->begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (provider->empty() || std::find(std::begin(kProviders), std::end(kProviders), *provider) !=
                                   std::end(kProviders)) {
        route->provider = *provider;
      } else {
        set->bad_provider = true;
        ctx.Error(*set->provider,
                  "unknown provider '" + *provider + "'; expected one of: " + JoinList(kProviders));
      }
    }
  }
  if ((set->secret = r.Get("secret"))) {
    Context::SecretScope secret_scope(ctx);
    if (auto secret = ctx.String(*set->secret, /*allow_empty=*/false, NotBlank)) {
      route->secret = *secret;
    } else {
      set->bad_secret = true;
    }
  }
  if ((set->hmac = r.Get("hmac"))) {
    ReadHmac(ctx, *set->hmac, &route->hmac);
  }
}

// The idempotency key a provider's deliveries carry, if any.
KeySource ProviderIdempotencyKey(std::string_view provider) {
  KeySource key;
  if (provider == "telegram") {
    key = {KeySource::Kind::kJsonPointer, "/update_id"};
  } else if (provider == "github") {
    key = {KeySource::Kind::kHeader, "X-GitHub-Delivery"};
  } else if (provider == "stripe") {
    key = {KeySource::Kind::kJsonPointer, "/id"};
  } else if (provider == "standard") {
    key = {KeySource::Kind::kHeader, "webhook-id"};
  } else if (provider == "slack") {
    // Events API bodies are JSON with event_id (retries reuse it); slash commands and
    // interactivity payloads are forms without one, and are not deduplicated.
    key = {KeySource::Kind::kJsonPointer, "/event_id"};
  }
  return key;
}

}  // namespace

base::Duration ProviderWindow(std::string_view provider) {
  if (provider == "github" || provider == "stripe" || provider == "standard") {
    return std::chrono::hours(4 * 24);
  }
  return base::Duration{0};
}

namespace {

// Telegram's secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -.
bool IsTelegramSecret(std::string_view s) {
  return !s.empty() && s.size() <= 256 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

}  // namespace

void ReadRouteDefaults(Context& ctx, const Field& field, const std::vector<std::string>& names,
                       RouteDefaults* defaults) {
  MapReader r(ctx, field);
  SetKeys set;
  ReadRouteKeys(r, names, &defaults->route, &set);
  r.ReportUnknownKeys();
  // As on a route: what the defaults' own ack mode ignores is an error, not a silent no-op.
  if (defaults->route.ack == AckMode::kSync) {
    for (const Field* f : {set.ack_status, set.ack_body}) {
      if (f != nullptr) {
        ctx.Error(*f, "has no effect with ack: sync (the caller gets the function's response)");
      }
    }
  }
  const std::pair<const char*, const Field*> written[] = {
      {"provider", set.provider}, {"secret", set.secret}, {"hmac", set.hmac}};
  for (const auto& [key, f] : written) {
    if (f != nullptr) defaults->written.emplace(key, *f);
  }
}

Route ReadRoute(Context& ctx, const Field& item, const RouteDefaults& defaults,
                const std::vector<std::string>& names) {
  Route route = defaults.route;
  route.line = item.line;
  if (!item.value.IsMap()) {
    ctx.Error(item, "expected a mapping (- path: /hooks/x, function: name), got " +
                        std::string(Context::Describe(item.value)));
    route.path.clear();  // not a route: keeps it out of the duplicate check
    return route;
  }
  MapReader r(ctx, item);
  if (const Field* f = r.Require("path", " (such as /hooks/github)")) {
    if (std::optional<std::string> path = ctx.String(*f)) {
      base::Result<std::vector<PathSegment>> segments = ParsePathPattern(*path);
      if (segments.ok()) {
        route.path = std::move(*path);
        route.segments = std::move(segments).value();
      } else {
        ctx.Error(*f, "invalid path '" + *path + "': " + segments.status().message());
      }
    }
  }
  SetKeys set;
  ReadRouteKeys(r, names, &route, &set);
  r.ReportUnknownKeys();
  // Where a key's value came from: this route, else defaults.routes (nullptr: neither).
  auto written = [&defaults](const Field* own, std::string_view key) -> const Field* {
    if (own != nullptr) return own;
    auto it = defaults.written.find(key);
    return it == defaults.written.end() ? nullptr : &it->second;
  };
  const Field* secret_at = written(set.secret, "secret");

  if (route.function.empty() && set.function == nullptr) {
    ctx.Error(item, "missing `function` (the function that handles this route)");
  }
  if (route.ack == AckMode::kSync) {
    for (const Field* f : {set.ack_status, set.ack_body}) {
      if (f != nullptr) {
        ctx.Error(*f, "has no effect with ack: sync (the caller gets the function's response)");
      }
    }
  }
  if ((route.ack_status == 204 || route.ack_status == 205) && route.ack_body.has_value() &&
      !route.ack_body->empty()) {
    const Field* at = set.ack_body != nullptr ? set.ack_body : set.ack_status;
    if (at != nullptr) {
      ctx.Error(*at, "a " + std::to_string(route.ack_status) +
                         " answer has no body: ack_body would be dropped");
    } else {
      ctx.Error(item, "ack_status " + std::to_string(route.ack_status) +
                          " (from defaults.routes) has no body: ack_body would be dropped");
    }
  }
  if (route.ack == AckMode::kAsync && set.wait != nullptr) {
    ctx.Error(*set.wait, "has no effect with ack: async (it applies to sync and auto)");
  }
  if (!route.provider.empty() && route.secret.empty() && secret_at == nullptr) {
    ctx.Error(set.provider != nullptr ? *set.provider : item,
              route.provider + " needs `secret` (the signing secret it checks requests with)");
  }
  if (route.provider.empty() && !set.bad_provider && set.secret != nullptr) {
    ctx.Error(*set.secret, "has no effect without `provider`");
  }
  // A bad secret is reported where it was written: on the route, or (for each route that
  // inherits it) at the route, naming the defaults' line.
  auto secret_error = [&](const std::string& message) {
    if (set.secret != nullptr) {
      ctx.Error(*set.secret, message);
    } else {
      ctx.Error(item, message + " (the secret comes from defaults.routes, line " +
                          std::to_string(secret_at->line) + ")");
    }
  };
  if (route.provider == "standard" && secret_at != nullptr && !route.secret.empty()) {
    // Standard Webhooks signs with the base64-decoded key after the optional whsec_ prefix.
    std::string_view key = route.secret;
    const bool prefixed = key.starts_with("whsec_");
    if (prefixed) key.remove_prefix(6);
    std::optional<std::string> decoded = base::Base64Decode(key);
    if (!decoded || decoded->empty()) {
      secret_error(
          std::string("provider standard needs the secret as the sender shows it: "
                      "whsec_ followed by base64, or the base64 key alone (") +
          (prefixed ? "this one has no base64 key after the prefix)" : "this one is not base64)"));
    }
  }
  if (route.provider == "telegram" && secret_at != nullptr && !set.bad_secret &&
      !IsTelegramSecret(route.secret)) {
    secret_error(
        "provider telegram's secret is the bot's setWebhook secret_token: 1 to 256 of A-Z, "
        "a-z, 0-9, _ and - (Telegram refuses any other)");
  }
  if (route.provider == "hmac" && route.hmac.header.empty() &&
      written(set.hmac, "hmac") == nullptr) {
    ctx.Error(set.provider != nullptr ? *set.provider : item,
              "provider hmac needs `hmac: {header: ...}` saying where the signature is");
  }
  if (route.provider != "hmac" && !set.bad_provider && set.hmac != nullptr) {
    ctx.Error(*set.hmac, "applies only to provider: hmac");
  }
  // A provider's presets beat defaults.routes (a default key for plain routes is not in the
  // sender's deliveries); the route's own setting beats both.
  if (set.idempotency == nullptr) {
    KeySource preset = ProviderIdempotencyKey(route.provider);
    if (preset.enabled()) {
      route.idempotency = preset;
    }
  }
  // GitHub redelivers deliveries of the past 3 days, Stripe retries for up to 3 days, and
  // Standard Webhooks senders over days (the spec's example schedule: about 3): the default
  // 24 h would take a late re-delivery for a new one.
  if (set.idempotency_window == nullptr && ProviderWindow(route.provider).count() > 0) {
    route.idempotency_window = ProviderWindow(route.provider);
  }
  if (set.idempotency_window != nullptr && !route.idempotency.enabled()) {
    ctx.Error(*set.idempotency_window,
              "has no effect without idempotency_key (or a provider that sets one)");
  }
  return route;
}

void CheckDuplicateRoutes(Context& ctx, const std::vector<Route>& routes,
                          const std::vector<Field>& route_fields) {
  std::map<std::string, int> first_line;
  for (size_t i = 0; i < routes.size(); ++i) {
    const Route& route = routes[i];
    if (route.path.empty()) {
      continue;  // already reported
    }
    std::string key = route.method + " " + PatternShape(route.segments);
    auto [prev, inserted] = first_line.emplace(key, route.line);
    if (!inserted) {
      ctx.Error(route_fields[i], "duplicate route " + route.method + " " + route.path +
                                     " (the same method and path as line " +
                                     std::to_string(prev->second) + ")");
    }
  }
}

}  // namespace longhaul::config::internal
