#include "config/internal/function_schema.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "base/duration.h"
#include "config/internal/syntax.h"

namespace longhaul::config::internal {
namespace {

constexpr base::Duration kPositive{1};
constexpr std::string_view kArgvHint =
    R"( of strings such as ["./handler.sh", "--fast"]; it is never run through a shell)";

std::string_view RuntimeName(RuntimeKind kind) {
  switch (kind) {
    case RuntimeKind::kCommand:
      return "command";
    case RuntimeKind::kHttp:
      return "http";
    case RuntimeKind::kLambda:
      return "lambda";
  }
  return "?";
}

// Keys that only some runtimes read.
struct RuntimeKey {
  std::string_view key;
  bool command;
  bool http;
  bool lambda;
};
constexpr RuntimeKey kRuntimeKeys[] = {
    {"command", true, false, true},       {"stdin", true, false, false},
    {"output_limit", true, false, false}, {"kill_grace", true, false, true},
    {"pass_headers", true, false, false}, {"environment", true, false, true},
    {"working_dir", true, false, true},   {"url", false, true, false},
    {"exact_path", false, true, false},   {"headers", false, true, false},
    {"bootstrap", false, false, true},    {"handler", false, false, true},
    {"memory_mb", false, false, true},    {"idle_timeout", false, false, true},
};

bool Applies(const RuntimeKey& k, RuntimeKind kind) {
  return kind == RuntimeKind::kCommand ? k.command : kind == RuntimeKind::kHttp ? k.http : k.lambda;
}

// Keys shared by functions and defaults.functions. `process_keys`: also environment and
// working_dir (runtimes that start processes).
void ReadCommonKeys(MapReader& r, Function* fn, bool process_keys) {
  r.ReadDuration("timeout", &fn->timeout, kPositive);
  r.ReadInt("concurrency", &fn->concurrency, 1, 100'000);
  r.ReadInt("retries", &fn->retries, 0, 1000);
  r.ReadDuration("retry_base", &fn->retry_base, kPositive);
  r.ReadDuration("retry_max", &fn->retry_max, kPositive);
  r.ReadDuration("max_event_age", &fn->max_event_age, kPositive);
  if (!process_keys) {
    return;
  }
  if (const Field* f = r.Get("environment")) {
    if (auto env = r.ctx().StringMap(*f, &CheckEnvName)) {
      for (auto& [name, value] : *env) {
        fn->environment[name] = value;
      }
    }
  }
  r.ReadString("working_dir", &fn->working_dir);
}

void CheckRetryRange(MapReader& r, const Function& fn) {
  if (fn.retry_max >= fn.retry_base) {
    return;
  }
  const Field* at = r.Get("retry_max");
  if (at == nullptr) {
    at = r.Get("retry_base");
  }
  r.ctx().Error(at != nullptr ? *at : r.field(),
                "retry_max (" + base::FormatDuration(fn.retry_max) + ") is less than retry_base (" +
                    base::FormatDuration(fn.retry_base) + ")");
}

void ReadCommand(MapReader& r, CommandRuntime* cmd) {
  Context& ctx = r.ctx();
  if (const Field* f = r.Require("command", " (the program and its arguments, as a list)")) {
    if (auto argv = ctx.Argv(*f, kArgvHint)) {
      if (argv->empty()) {
        ctx.Error(*f, "must name at least the program to run");
      } else {
        cmd->argv = std::move(*argv);
      }
    }
  }
  r.ReadEnum("stdin",
             {{"body", CommandRuntime::Stdin::kBody},
              {"event", CommandRuntime::Stdin::kEvent},
              {"none", CommandRuntime::Stdin::kNone}},
             &cmd->stdin_mode);
  r.ReadSize("output_limit", &cmd->output_limit, 0, 512 * 1024 * 1024,
             "512MiB: the output kept is held in memory and stored with the job");
  r.ReadDuration("kill_grace", &cmd->kill_grace, base::Duration(0));
  if (const Field* f = r.Get("pass_headers")) {
    if (auto headers = ctx.StringList(*f, "", &CheckHeaderName)) {
      cmd->pass_headers = std::move(*headers);
    }
  }
}

void ReadHttp(MapReader& r, HttpRuntime* http) {
  Context& ctx = r.ctx();
  if (const Field* f = r.Require("url", " (the upstream, as in http://127.0.0.1:3000)")) {
    if (std::optional<std::string> url = ctx.String(*f, false, &CheckHttpUrl)) {
      http->url = std::move(*url);
    }
  }
  r.ReadBool("exact_path", &http->exact_path);
  if (const Field* f = r.Get("headers")) {
    if (auto headers = ctx.StringMap(*f, &CheckForwardedHeaderName, &CheckHeaderValueText)) {
      http->headers = std::move(*headers);
    }
  }
}

void ReadLambda(MapReader& r, LambdaRuntime* lambda) {
  Context& ctx = r.ctx();
  bool has_bootstrap = r.ReadString("bootstrap", &lambda->bootstrap);
  const Field* command = r.Get("command");
  if (command != nullptr) {
    if (auto argv = ctx.Argv(*command, kArgvHint)) {
      if (argv->empty()) {
        ctx.Error(*command, "must name at least the program to run");
      } else {
        lambda->command = std::move(*argv);
      }
    }
  }
  bool has_handler = r.ReadString("handler", &lambda->handler);
  if (has_bootstrap && command != nullptr) {
    ctx.Error(*command, "set either `bootstrap` or `command`, not both");
  } else if (!has_bootstrap && command == nullptr) {
    ctx.Error(r.field(),
              "missing `bootstrap` (an executable) or `command` (a list, with `handler`)");
  } else if (command != nullptr && !has_handler) {
    ctx.Error(*command, "`command` needs `handler` (such as index.handler), which is appended");
  }
  r.ReadInt("memory_mb", &lambda->memory_mb, 1, 1'048'576);
  r.ReadDuration("idle_timeout", &lambda->idle_timeout, base::Duration(0));
  r.ReadDuration("kill_grace", &lambda->kill_grace, base::Duration(0));
}

void ReadDestination(MapReader& r, std::string_view key, const std::string& from,
                     const std::vector<std::string>& names, Destination* out,
                     std::vector<DestinationEdge>* edges) {
  const Field* f = r.Get(key);
  if (f == nullptr) {
    return;
  }
  Context& ctx = r.ctx();
  MapReader d(ctx, *f);
  const Field* function = d.Get("function");
  const Field* url = d.Get("url");
  int unknown = d.ReportUnknownKeys();
  if (function == nullptr && url == nullptr && unknown > 0) {
    return;  // misspelt, already reported
  }
  if ((function == nullptr) == (url == nullptr)) {
    ctx.Error(*f, "set exactly one of `function` or `url`, as in {function: notify}");
    return;
  }
  if (function != nullptr) {
    std::optional<std::string> name = ctx.String(*function);
    if (!name) {
      return;
    }
    if (std::find(names.begin(), names.end(), *name) == names.end()) {
      ctx.Error(*function, "unknown function `" + *name + "`" + DidYouMean(*name, names));
      return;
    }
    out->function = *name;
    edges->push_back({from, *name, *function});
    return;
  }
  if (std::optional<std::string> text = ctx.String(*url, false, &CheckHttpUrl)) {
    out->url = std::move(*text);
  }
}

}  // namespace

void ReadFunctionDefaults(Context& ctx, const Field& field, Function* defaults) {
  MapReader r(ctx, field);
  ReadCommonKeys(r, defaults, /*process_keys=*/true);
  r.ReportUnknownKeys();
  CheckRetryRange(r, *defaults);
}

Function ReadFunction(Context& ctx, const Field& entry, const Function& defaults,
                      const std::vector<std::string>& names, std::vector<DestinationEdge>* edges) {
  Function fn = defaults;
  fn.name = entry.key;
  fn.line = entry.key_line;
  std::string problem = CheckName(fn.name);
  if (!problem.empty()) {
    ctx.Error(entry.key_line, "functions: " + problem);
  }
  if (!entry.value.IsMap()) {
    ctx.Error(entry, "expected a mapping (runtime: ..., and its keys), got " +
                         std::string(Context::Describe(entry.value)));
    return fn;
  }

  MapReader r(ctx, entry);
  std::optional<RuntimeKind> kind;
  if (const Field* f = r.Require("runtime", " (command, http or lambda)")) {
    kind = ctx.Enum<RuntimeKind>(*f, {{"command", RuntimeKind::kCommand},
                                      {"http", RuntimeKind::kHttp},
                                      {"lambda", RuntimeKind::kLambda}});
  }
  // Keys of other runtimes are mistakes; with no valid runtime they are accepted quietly, as the
  // runtime error says what is wrong.
  for (const RuntimeKey& k : kRuntimeKeys) {
    const Field* f = r.Get(k.key);
    if (f != nullptr && kind && !Applies(k, *kind)) {
      std::string users;
      for (RuntimeKind other : {RuntimeKind::kCommand, RuntimeKind::kHttp, RuntimeKind::kLambda}) {
        if (!Applies(k, other)) {
          continue;
        }
        users += users.empty() ? "" : " or ";
        users += RuntimeName(other);
      }
      Field at = *f;
      at.path = entry.path;
      at.line = f->key_line;
      ctx.Error(at, "`" + std::string(k.key) + "` applies only to runtime " + users + ", not " +
                        std::string(RuntimeName(*kind)));
    }
  }
  ReadCommonKeys(r, &fn, !kind || *kind != RuntimeKind::kHttp);
  if (kind) {
    fn.kind = *kind;
    switch (*kind) {
      case RuntimeKind::kCommand:
        ReadCommand(r, &fn.command);
        break;
      case RuntimeKind::kHttp:
        ReadHttp(r, &fn.http);
        break;
      case RuntimeKind::kLambda:
        ReadLambda(r, &fn.lambda);
        break;
    }
  }
  ReadDestination(r, "on_success", fn.name, names, &fn.on_success, edges);
  ReadDestination(r, "on_failure", fn.name, names, &fn.on_failure, edges);
  r.ReportUnknownKeys();
  CheckRetryRange(r, fn);
  return fn;
}

void CheckDestinationLoops(Context& ctx, const std::vector<std::string>& names,
                           const std::vector<DestinationEdge>& edges) {
  std::map<std::string, std::vector<const DestinationEdge*>> out;
  for (const DestinationEdge& e : edges) {
    out[e.from].push_back(&e);
  }
  enum class Mark { kNew, kOnPath, kDone };
  std::map<std::string, Mark> mark;
  std::vector<std::string> path;  // functions on the current depth-first path

  // Depth-first search; an edge back to a function on the path closes a loop.
  auto visit = [&](auto& self, const std::string& name) -> void {
    mark[name] = Mark::kOnPath;
    path.push_back(name);
    for (const DestinationEdge* e : out[name]) {
      if (mark[e->to] == Mark::kNew) {
        self(self, e->to);
      } else if (mark[e->to] == Mark::kOnPath) {
        if (e->to == e->from) {
          ctx.Error(e->at, "a function cannot be its own destination");
          continue;
        }
        std::string loop;
        for (auto it = std::find(path.begin(), path.end(), e->to); it != path.end(); ++it) {
          loop += *it + " -> ";
        }
        ctx.Error(e->at, "destinations form a loop that could run forever: " + loop + e->to);
      }
    }
    path.pop_back();
    mark[name] = Mark::kDone;
  };
  for (const std::string& name : names) {
    if (mark[name] == Mark::kNew) {
      visit(visit, name);
    }
  }
}

void AddUrlDeliveryFunctions(std::vector<Function>* functions) {
  std::vector<Function> deliveries;
  for (Function& fn : *functions) {
    for (auto [dest, suffix] :
         {std::pair{&fn.on_success, ":on_success"}, std::pair{&fn.on_failure, ":on_failure"}}) {
      if (dest->url.empty()) {
        continue;
      }
      Function& d = deliveries.emplace_back();
      d.name = fn.name + suffix;
      d.line = fn.line;
      d.kind = RuntimeKind::kHttp;
      d.http.url = dest->url;
      d.http.exact_path = true;
      d.timeout = std::chrono::seconds(10);
      d.concurrency = 4;
      d.retries = 5;  // 1 s, 2 s, 4 s, 8 s, 16 s apart (jittered)
      d.retry_base = std::chrono::seconds(1);
      d.retry_max = std::chrono::minutes(1);
      d.max_event_age = std::chrono::hours(6);
      d.delivers_to_url = true;
      dest->function = d.name;
    }
  }
  for (Function& d : deliveries) {
    functions->push_back(std::move(d));
  }
}

}  // namespace longhaul::config::internal
