#include "config/internal/server_schema.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include "config/http_url.h"
#include "config/internal/syntax.h"
#include "config/listen.h"

namespace longhaul::config::internal {
namespace {

constexpr base::Duration kPositive{1};

// Reads an address key; returns its field (nullptr when absent).
const Field* ReadListen(MapReader& r, std::string_view key, Listen* out) {
  const Field* f = r.Get(key);
  if (f == nullptr) {
    return nullptr;
  }
  if (std::optional<std::string> text = r.ctx().String(*f)) {
    base::Result<Listen> listen = ParseListen(*text);
    if (listen.ok()) {
      *out = *listen;
    } else {
      r.ctx().Error(*f, listen.status().message());
    }
  }
  return f;
}

// server.job_nice: a niceness from 0 to 19, or `idle` (kJobNiceIdle).
void ReadJobNice(MapReader& r, int* out) {
  const Field* f = r.Get("job_nice");
  if (f == nullptr) return;
  std::optional<std::string> text = r.ctx().String(*f);
  if (!text) return;
  if (*text == "idle") {
    *out = kJobNiceIdle;
    return;
  }
  int value = -1;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0 || value > 19) {
    r.ctx().Error(*f, "expected a niceness from 0 to 19 or `idle`, got '" + *text + "'");
    return;
  }
  *out = value;
}

bool IsWildcard(const std::string& host) { return host == "0.0.0.0" || host == "::"; }

}  // namespace

void ReadServer(Context& ctx, const Field& field, Server* server) {
  MapReader r(ctx, field);
  const Field* listen = ReadListen(r, "listen", &server->listen);
  const Field* admin = ReadListen(r, "admin", &server->admin);
  r.ReadString("data_dir", &server->data_dir);
  r.ReadString("node_id", &server->node_id, /*allow_empty=*/false, &CheckName);
  if (const Field* f = r.Get("public_url")) {
    if (std::optional<std::string> url = ctx.String(*f)) {
      size_t scheme = url->rfind("http://", 0) == 0 ? 7 : url->rfind("https://", 0) == 0 ? 8 : 0;
      while (scheme > 0 && url->size() > scheme && url->back() == '/') {
        url->pop_back();
      }
      if (scheme == 0 || url->size() == scheme || (*url)[scheme] == '/' ||
          std::any_of(url->begin(), url->end(), [](char c) {
            return c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
          })) {
        ctx.Error(*f, "'" + *url +
                          "' is not a URL of the form http[s]://host[:port][/path] (no query, "
                          "fragment, spaces or control characters: status URLs are built on it)");
      } else if (base::Result<HttpUrl> parsed = ParseHttpUrl(*url); !parsed.ok()) {
        ctx.Error(*f, parsed.status().message());  // a bad port, user:password
      } else {
        server->public_url = *url;
      }
    }
  }
  // A request is held in memory and stored whole, in one row (SQLite's limit: 1 GB): a larger
  // limit could only accept what cannot be kept (QA: 9000000000GiB was taken, and a request
  // announcing that much stopped its connection with an out-of-memory error).
  r.ReadSize("body_limit", &server->body_limit, 1, 512 * 1024 * 1024,
             "512MiB: a request is held in memory and stored whole");
  r.ReadSize("header_limit", &server->header_limit, 1024, 1024 * 1024,
             "1MiB: the request line and header fields are read in memory");
  r.ReadDuration("header_timeout", &server->header_timeout, kPositive);
  r.ReadDuration("body_timeout", &server->body_timeout, kPositive);
  r.ReadDuration("idle_timeout", &server->idle_timeout, kPositive);
  r.ReadInt("max_connections", &server->max_connections, 1, INT32_MAX);
  r.ReadInt("threads", &server->threads, 0, 1024);
  ReadJobNice(r, &server->job_nice);
  r.ReadInt("checkpoint_pages", &server->checkpoint_pages, 1, 100000000);
  r.ReadDuration("shutdown_grace", &server->shutdown_grace, base::Duration(0));
  r.ReadDuration("lease", &server->lease, std::chrono::seconds(1));
  r.ReadDuration("poll_interval", &server->poll_interval, kPositive);
  r.ReadDuration("retention", &server->retention, base::Duration(0));
  r.ReadEnum<std::string>("log_format", {{"text", "text"}, {"json", "json"}}, &server->log_format);
  {
    Context::SecretScope secret_scope(ctx);
    // An empty credential (often an unset-but-defined ${VAR}) must not turn the check off.
    r.ReadString("admin_token", &server->admin_token, /*allow_empty=*/false, &CheckBearerToken);
    if (const Field* f = r.Get("lambda_access_keys")) {
      if (!f->value.IsMap()) {
        ctx.Error(*f, "expected a mapping of access key ids to secrets, got " +
                          std::string(Context::Describe(f->value)));
      } else {
        for (const Field& entry : ctx.Entries(*f, "access key id")) {
          std::optional<std::string> secret = ctx.String(entry, /*allow_empty=*/true);
          if (secret && secret->empty()) {
            ctx.Error(entry, "the secret of " + entry.key + " is empty");
          } else if (secret) {
            server->lambda_access_keys[entry.key] = std::move(*secret);
          }
        }
      }
    }
  }
  r.ReportUnknownKeys();
  // The token travels in a request's header, which must fit header_limit with room for the
  // rest (the request line, Host, the SDK's own fields).
  constexpr size_t kRoomForTheRest = 512;
  if (const Field* f = r.Get("admin_token");
      f != nullptr && server->admin_token.size() + kRoomForTheRest > server->header_limit) {
    ctx.Error(*f, "is " + std::to_string(server->admin_token.size()) +
                      " bytes: a request carrying it would not fit header_limit (" +
                      std::to_string(server->header_limit) + " bytes, with " +
                      std::to_string(kRoomForTheRest) + " for the rest of the request)");
  }

  const Listen& a = server->listen;
  const Listen& b = server->admin;
  if (a.port != 0 && a.port == b.port &&
      (a.host == b.host || IsWildcard(a.host) || IsWildcard(b.host))) {
    const Field& at = admin != nullptr ? *admin : listen != nullptr ? *listen : r.field();
    ctx.Error(at, "listen (" + FormatListen(a) + ") and admin (" + FormatListen(b) +
                      ") must use different ports");
  }
  // Anyone who can reach the admin API can read every stored request and run functions.
  if (!IsLoopback(b.host) && server->admin_token.empty()) {
    const Field& at = admin != nullptr ? *admin : r.field();
    ctx.Error(at, "admin listens on " + FormatListen(b) +
                      ", which is not loopback: set server.admin_token (e.g. "
                      "admin_token: ${LONGHAUL_ADMIN_TOKEN}) so the admin API needs a bearer "
                      "token");
  }
}

bool IsLoopback(std::string_view host) {
  return host == "127.0.0.1" || host == "::1" || host.starts_with("127.");
}

}  // namespace longhaul::config::internal
