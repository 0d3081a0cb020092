// The validated, immutable configuration (longhaul.yaml). Built once by LoadConfig() and shared
// as std::shared_ptr<const Config>; a reload builds a new one.
// Thread-safety: immutable after LoadConfig() returns.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace longhaul::config {

using base::Duration;

struct Listen {
  std::string host;   // "127.0.0.1", "0.0.0.0", "::1"
  uint16_t port = 0;  // 0 = pick a free port (tests)
};

// server.job_nice: idle. The processes attempts start run under SCHED_IDLE, not at a niceness:
// they get a core only when nothing else wants it, and lose it whenever a thread at any
// niceness wakes (runtime::process::kSchedIdle).
inline constexpr int kJobNiceIdle = 20;

struct Server {
  Listen listen{"0.0.0.0", 8080};          // public listener (webhooks)
  Listen admin{"127.0.0.1", 8081};         // admin/status API
  std::string data_dir = "./data";         // holds longhaul.db
  std::string node_id;                     // lease owner name; default: hostname
  std::string public_url;                  // base for status_url, no trailing '/'; default (empty):
                                           // http://<bound admin address>
  uint64_t body_limit = 10 * 1024 * 1024;  // bytes; 413 above it
  uint64_t header_limit = 16 * 1024;       // bytes; 431 above it
  Duration header_timeout = std::chrono::seconds(10);  // whole header must arrive within; 408
  Duration body_timeout = std::chrono::seconds(60);    // whole body must arrive within; 408
  Duration idle_timeout = std::chrono::seconds(60);    // keep-alive idle connection closed after
  int max_connections = 10000;  // further connections are accepted and closed at once
  int threads = 0;              // I/O threads; 0 = number of cores
  // Niceness (0-19) of the processes attempts start, or kJobNiceIdle: background work gets
  // the CPU that acknowledging requests does not need.
  int job_nice = 19;
  // WAL pages (4 KiB each) written since the last checkpoint that start the next one, on a
  // thread of its own; at 8x this many the writer checkpoints in its own commit (backstop).
  int checkpoint_pages = 250;
  Duration shutdown_grace = std::chrono::seconds(30);  // SIGTERM: running work may finish within
  Duration lease = std::chrono::seconds(30);  // a claimed job's lease, renewed while running
  // The scheduler re-reads the store at least this often.
  Duration poll_interval = std::chrono::seconds(1);
  // Finished jobs (with their requests and results) are deleted this long after they finished;
  // 0 keeps them forever.
  Duration retention = std::chrono::hours(24 * 7);
  std::string log_format = "text";  // "text" | "json"
  std::string admin_token;          // bearer token for the admin API; empty = none required
  // Access key id -> secret access key for the Lambda Invoke API (YAML mapping
  // `lambda_access_keys: {AKID: ${SECRET}}`). When non-empty, Invoke calls must carry a valid
  // AWS SigV4 signature (service "lambda") by one of these keys; empty = any signature accepted.
  std::map<std::string, std::string> lambda_access_keys;
};

enum class RuntimeKind { kCommand, kHttp, kLambda };

struct CommandRuntime {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH; never run through a shell
  enum class Stdin { kBody, kEvent, kNone };
  Stdin stdin_mode = Stdin::kBody;      // kEvent: JSON of the request
  uint64_t output_limit = 1024 * 1024;  // bytes of stdout and of stderr kept each; rest dropped
  Duration kill_grace = std::chrono::seconds(5);  // SIGTERM -> SIGKILL on timeout/cancel
  std::vector<std::string> pass_headers;  // request headers exported as LONGHAUL_HEADER_<NAME>
  // A request whose query value holds a NUL byte gets 400: its LONGHAUL_QUERY_<NAME> could not
  // carry it. False (a `longhaul webhook` hook: webhook takes any query, and a hook's values
  // come from its hooks file): the request is taken, and that one variable left out.
  bool refuse_nul_query = true;
};

struct HttpRuntime {
  std::string url;  // upstream base; request path and query are appended unless `exact_path`
  bool exact_path = false;
  std::map<std::string, std::string> headers;  // added to each forwarded request
};

struct LambdaRuntime {
  std::string bootstrap;             // `provided` model: executable run with no arguments
  std::vector<std::string> command;  // or: e.g. ["npx", "aws-lambda-ric"]; handler is appended
  std::string handler;               // "index.handler"
  int memory_mb = 128;
  Duration idle_timeout = std::chrono::minutes(10);  // idle runtime processes stopped after
  // A process that is stopped gets SIGTERM, and SIGKILL this long after if it has not ended.
  Duration kill_grace = std::chrono::milliseconds(500);
};

struct Destination {
  std::string function;  // another function receives the invocation record, or
  std::string url;       // an HTTP URL receives it as a POST
  bool empty() const { return function.empty() && url.empty(); }
};

struct Function {
  std::string name;
  int line = 0;  // where it is defined, for messages
  RuntimeKind kind = RuntimeKind::kCommand;
  CommandRuntime command;
  HttpRuntime http;
  LambdaRuntime lambda;
  Duration timeout = std::chrono::minutes(15);     // per attempt; no upper bound
  int concurrency = 4;                             // parallel runs across all nodes
  int retries = 2;                                 // extra attempts after the first
  Duration retry_base = std::chrono::seconds(1);   // backoff: base * 2^(attempt-1), jittered
  Duration retry_max = std::chrono::minutes(5);    // backoff cap
  Duration max_event_age = std::chrono::hours(6);  // older queued work goes dead
  std::map<std::string, std::string> environment;
  std::string working_dir;
  Destination on_success;
  Destination on_failure;
  // Made by the loader for each `url` destination: an http function named "<fn>:on_success"
  // (or on_failure; ':' cannot occur in configured names) that POSTs invocation records to the
  // URL with its own retries. The destination then names it in `function` and keeps `url`.
  bool delivers_to_url = false;
};

enum class AckMode { kAsync, kSync, kAuto };

// Where a key (idempotency or ordering) comes from in a request.
struct KeySource {
  enum class Kind { kNone, kHeader, kJsonPointer, kQuery } kind = Kind::kNone;
  std::string name;       // header name, JSON pointer ("/update_id") or query parameter
  bool required = false;  // missing -> 400
  std::vector<std::string> more_pointers = {};  // JSON pointers tried in turn when `name` has none
  bool enabled() const { return kind != Kind::kNone; }
};

struct PathSegment {
  enum class Kind { kLiteral, kParam, kGreedy } kind = Kind::kLiteral;
  std::string text;  // literal text or parameter name
};

// How a `provider: hmac` route checks its signature: HMAC(secret, raw body) must equal the value of
// `header`, after removing `prefix` and decoding it per `encoding`.
struct HmacCheck {
  enum class Algorithm { kSha1, kSha256, kSha512 };
  enum class Encoding { kHex, kBase64 };
  std::string header;                        // request header carrying the signature; required
  Algorithm algorithm = Algorithm::kSha256;  // YAML: sha1 | sha256 (default) | sha512
  std::string prefix;                        // removed first, e.g. "sha256="; default: none
  Encoding encoding = Encoding::kHex;        // YAML: hex (default) | base64
};

struct Route {
  int line = 0;
  std::string method;                 // "POST", or "ANY"
  std::string path;                   // "/hooks/{name}/{proxy+}"
  std::vector<PathSegment> segments;  // parsed `path`
  std::string function;               // name of a Function
  AckMode ack = AckMode::kAsync;
  int ack_status = 202;                 // async answer status
  std::optional<std::string> ack_body;  // async answer body; default {"id":…,"status_url":…}
  Duration wait = std::chrono::seconds(30);  // sync: give up waiting (504, job keeps running);
                                             // auto: answer 202 after this
  KeySource idempotency;
  Duration idempotency_window = std::chrono::hours(24);
  KeySource ordering;
  // Sender preset: telegram, github, stripe, slack, standard (Standard Webhooks) or hmac; empty =
  // none. A preset also supplies `idempotency` when the route does not set idempotency_key:
  // telegram {json: /update_id}, github {header: X-GitHub-Delivery}, stripe {json: /id},
  // standard {header: webhook-id}, slack {json: /event_id} (forms carry none).
  std::string provider;
  std::string secret;  // the preset's secret, after ${ENV} substitution; required with a provider
  HmacCheck hmac;      // provider "hmac" only
};

struct Config {
  std::string source;  // file the config came from
  Server server;
  std::vector<Function> functions;
  std::vector<Route> routes;
  // Secrets configured elsewhere (a hooks file's signature secrets, in `longhaul webhook`),
  // kept from functions' environments as the config's own (IsSecret).
  std::vector<std::string> other_secrets;
  // The environment variables substituted into the secrets above, whole or in part (`secret:
  // whsec_${KEY}`): kept from functions' environments by name (IsSecretVariable).
  std::set<std::string> secret_variables;

  // The function called `name`, or nullptr. Valid as long as this Config.
  const Function* FindFunction(std::string_view name) const;
  // Whether `value` is one of the secrets configured: a route's `secret`, the admin_token, a
  // Lambda access key's secret. Functions do not inherit server variables holding one.
  bool IsSecret(std::string_view value) const;
  bool IsSecretVariable(std::string_view name) const {
    return secret_variables.find(std::string(name)) != secret_variables.end();
  }
};

// The `server` settings (e.g. "server.listen") that differ between the running configuration
// and `next` and take effect only at the next start: listeners, limits, the store, threads.
// A reload (SIGHUP) applies the rest (functions, routes, job_nice, retention, admin_token,
// lambda_access_keys) and leaves these as they were.
std::vector<std::string> RestartOnlyChanges(const Server& running, const Server& next);

// `next` as a reload (SIGHUP) may apply it while running with `running`'s restart-only
// settings: kInvalidArgument when it would leave a running admin listener that is not loopback
// without admin_token (the check at load sees the new, not yet listening, address).
base::Result<std::shared_ptr<const Config>> CheckReload(const Server& running,
                                                        std::shared_ptr<const Config> next);

// Looks up ${NAME}; returns nullopt when unset. Tests pass a map; main passes getenv.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Parses and validates YAML text (the format is described in src/config/README.md). `file_name`
// is only used in messages and Config::source. ${NAME} in any scalar value is replaced by
// env(NAME); `$${` gives a literal `${`.
// Errors are kInvalidArgument with one "FILE:LINE: what is wrong" line per problem found (sorted by
// line, at most 20), so a user can fix them all in one pass.
// Does not block beyond reading the host name when server.node_id is unset.
base::Result<std::shared_ptr<const Config>> LoadConfigText(const std::string& text,
                                                           const std::string& file_name,
                                                           const EnvLookup& env);
// The text of config file `path` (at most 16 MiB). Errors name the file: kNotFound when it does
// not exist, kInvalidArgument when it cannot be read (a directory, no permission) or is too large.
base::Result<std::string> ReadConfigText(const std::string& path);
// Reads `path` (ReadConfigText) and calls LoadConfigText.
base::Result<std::shared_ptr<const Config>> LoadConfigFile(const std::string& path,
                                                           const EnvLookup& env);

}  // namespace longhaul::config
