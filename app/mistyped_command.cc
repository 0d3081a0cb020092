#include "mistyped_command.h"

#include <algorithm>

namespace longhaul::app {

std::optional<std::string> MistypedCommand(CLI::App& app, const std::vector<std::string>& args) {
  CLI::App* at = &app;
  for (size_t i = 1; i < args.size() && !args[i].starts_with("-"); ++i) {
    std::vector<CLI::App*> subs = at->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return std::nullopt;  // a command's own arguments
    auto named =
        std::find_if(subs.begin(), subs.end(), [&](CLI::App* s) { return s->check_name(args[i]); });
    if (named == subs.end()) {
      std::string names;
      for (CLI::App* s : subs) names += (names.empty() ? "" : ", ") + s->get_name();
      return "unknown command '" + args[i] + "' (" + names + ")";
    }
    at = *named;
  }
  return std::nullopt;
}

}  // namespace longhaul::app
