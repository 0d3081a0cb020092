// `longhaul webhook`'s command line: adnanh/webhook's flags (single-dash long flags, rewritten
// for CLI11 before parsing: hooks::GoFlagsToCli11 with WebhookFlagNames()) plus longhaul's
// -data-dir, -admin and -admin-token.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "hooks/webhook_mode.h"

namespace longhaul::app {

struct WebhookFlags {
  hooks::WebhookOptions options;
  int port = 9000;
  std::string http_methods;
  std::vector<std::string> headers;
  std::string pidfile, logfile;
  bool version = false;
  std::string ignored;
  bool ignored_flag = false;
  std::vector<std::string> unsupported;  // -secure, -cert, ...: refused with a reason
};

// Every flag name the command knows, without dashes.
const std::vector<std::string>& WebhookFlagNames();
// Adds the `webhook` subcommand to `app`, parsing into `f`.
CLI::App* AddWebhookCommand(CLI::App& app, WebhookFlags& f);

}  // namespace longhaul::app
