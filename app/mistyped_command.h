// What CLI11 cannot say on its own about a command line: a mistyped command word.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace longhaul::app {

// A mistyped command word ("longhaul sevre", "jobs lst"), which CLI11 reports only as "A
// subcommand is required": the word and what it could have been, or nullopt.
std::optional<std::string> MistypedCommand(CLI::App& app, const std::vector<std::string>& args);

}  // namespace longhaul::app
