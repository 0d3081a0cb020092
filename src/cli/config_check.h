// `longhaul check`: loads a config file and says what is wrong with it (FILE:LINE: errors), or
// that it is ok, with warnings about what it names that this machine does not have now: a
// function's program or working directory (they may be there by the time the server runs, so
// these do not fail the check; a typo would otherwise show only as failed jobs).
// Thread-safety: plain functions.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "config/config.h"

namespace longhaul::cli {

struct ConfigWarning {
  int line = 0;      // the function's
  std::string text;  // "functions.NAME: …"
};

// One for each program or working_dir the server could not use now.
std::vector<ConfigWarning> ConfigWarnings(const config::Config& cfg);

// Exit status: 0 when the config loads (warnings on `err`), 1 when it does not.
int Check(const std::string& config_path, const config::EnvLookup& env, FILE* out, FILE* err);

}  // namespace longhaul::cli
