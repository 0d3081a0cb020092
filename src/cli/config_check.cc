#include "cli/config_check.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/duration.h"
#include "lambda/environment.h"
#include "runtime/process/child_process.h"

namespace longhaul::cli {

std::vector<ConfigWarning> ConfigWarnings(const config::Config& cfg) {
  std::vector<ConfigWarning> warnings;
  for (const config::Function& fn : cfg.functions) {
    std::vector<std::string> argv;
    if (fn.kind == config::RuntimeKind::kCommand) {
      argv = fn.command.argv;
    } else if (fn.kind == config::RuntimeKind::kLambda) {
      argv = lambda::RuntimeArgv(fn.lambda);
    }
    if (argv.empty()) continue;
    const std::string where = "functions." + fn.name + ": ";
    if (fn.kind == config::RuntimeKind::kLambda) {
      for (const auto& [name, value] : fn.environment) {
        if (lambda::IsReservedVariable(name)) {
          warnings.push_back({fn.line, where + "environment." + name +
                                           " is set by the runtime, as in Lambda: this value is "
                                           "not used"});
        }
      }
    }
    if (!fn.working_dir.empty()) {
      struct stat st {};
      const char* problem = stat(fn.working_dir.c_str(), &st) != 0 ? std::strerror(errno)
                            : !S_ISDIR(st.st_mode)                 ? "not a directory"
                                                                   : nullptr;
      if (problem != nullptr) {
        warnings.push_back({fn.line, where + "working_dir " + fn.working_dir + ": " + problem});
        continue;
      }
    }
    runtime::process::SpawnOptions o;
    o.argv = {argv[0]};
    o.working_dir = fn.working_dir;
    if (auto path = fn.environment.find("PATH"); path != fn.environment.end()) {
      o.env = {"PATH=" + path->second};
    }
    if (std::string problem = runtime::process::ProgramProblem(o); !problem.empty()) {
      warnings.push_back({fn.line, where + "program " + problem});
    }
  }
  // A sender that gives up before the route answers marks the delivery failed: Slack sends it
  // again (its key dedups it), GitHub does not (only its Redeliver button does). A wait of the
  // sender's whole limit answers just after it (QA: 504 at 3006 ms).
  for (const config::Route& route : cfg.routes) {
    const int sender_limit_s = route.provider == "slack" ? 3 : route.provider == "github" ? 10 : 0;
    if (sender_limit_s == 0 || route.ack == config::AckMode::kAsync ||
        route.wait < std::chrono::seconds(sender_limit_s)) {
      continue;
    }
    warnings.push_back(
        {route.line, "routes " + route.path +
                         ": ack: " + (route.ack == config::AckMode::kSync ? "sync" : "auto") +
                         " waits up to " + base::FormatDuration(route.wait) + ", but " +
                         route.provider + " gives up after " + std::to_string(sender_limit_s) +
                         (route.provider == "slack"
                              ? "s and sends the delivery again"
                              : "s and marks the delivery failed (it is not sent again)") +
                         ": set wait below " + std::to_string(sender_limit_s) +
                         "s (the answer must reach it in time), or use ack: async"});
  }
  return warnings;
}

int Check(const std::string& config_path, const config::EnvLookup& env, FILE* out, FILE* err) {
  auto cfg = config::LoadConfigFile(config_path, env);
  if (!cfg.ok()) {
    std::fprintf(err, "%s\n", cfg.status().message().c_str());
    return 1;
  }
  for (const ConfigWarning& warning : ConfigWarnings(**cfg)) {
    std::fprintf(err, "%s:%d: warning: %s\n", config_path.c_str(), warning.line,
                 warning.text.c_str());
  }
  // The functions the file defines (not those the loader adds for url destinations).
  size_t functions = 0;
  for (const config::Function& fn : (*cfg)->functions) functions += fn.delivers_to_url ? 0 : 1;
  std::fprintf(out, "%s: ok (%zu functions, %zu routes)\n", config_path.c_str(), functions,
               (*cfg)->routes.size());
  return 0;
}

}  // namespace longhaul::cli
