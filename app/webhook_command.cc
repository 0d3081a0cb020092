#include "webhook_command.h"

namespace longhaul::app {

const std::vector<std::string>& WebhookFlagNames() {
  static const std::vector<std::string> kNames = {
      // adnanh/webhook's flags that this mode serves
      "hooks", "template", "hotreload", "verbose", "debug", "nopanic", "ip", "port", "urlprefix",
      "http-methods", "header", "pidfile", "logfile", "version", "help",
      // longhaul's own
      "data-dir", "admin", "admin-token",
      // accepted for compatibility, with no effect
      "x-request-id", "x-request-id-limit", "max-multipart-mem",
      // refused with a reason
      "secure", "cert", "key", "tls-min-version", "cipher-suites", "list-cipher-suites", "socket",
      "setuid", "setgid"};
  return kNames;
}

CLI::App* AddWebhookCommand(CLI::App& app, WebhookFlags& f) {
  auto* cmd = app.add_subcommand(
      "webhook", "serve an adnanh/webhook hooks file; every hook runs through the durable queue");
  hooks::WebhookOptions& o = f.options;
  // A flag given twice takes the last value, as Go's flag package does (a wrapper's override).
  cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cmd->add_option("--hooks", o.hooks_files,
                  "hooks file, JSON or YAML (repeatable; default hooks.json)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--template", o.as_template,
                "render the hooks files as Go templates ({{ getenv \"X\" }})");
  cmd->add_flag("--hotreload", o.hotreload, "reload the hooks files when they change");
  cmd->add_flag("--verbose", o.verbose, "log requests and runs (else only warnings and errors)");
  cmd->add_flag("--debug", o.debug, "log debug detail too");
  cmd->add_flag("--nopanic", o.nopanic, "start even when no hooks are loaded");
  cmd->add_option("--ip", o.ip, "address to listen on")->capture_default_str();
  cmd->add_option("--port", f.port, "port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--urlprefix", o.url_prefix, "path prefix of the hooks")->capture_default_str();
  cmd->add_option("--http-methods", f.http_methods, "default allowed methods, comma-separated");
  cmd->add_option("--header", f.headers, "response header name=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--data-dir", o.data_dir, "where the job store lives")->capture_default_str();
  cmd->add_option("--admin", o.admin, "admin/status API address")->capture_default_str();
  cmd->add_option("--admin-token", o.admin_token, "bearer token for the admin API");
  cmd->add_option("--pidfile", f.pidfile, "write the process id to this file");
  cmd->add_option("--logfile", f.logfile, "log to this file (implies -verbose)");
  cmd->add_flag("--version", f.version, "print the webhook version this mode follows");
  for (const char* name : {"--x-request-id-limit", "--max-multipart-mem"}) {
    cmd->add_option(name, f.ignored, "accepted for compatibility; no effect");
  }
  cmd->add_flag("--x-request-id", f.ignored_flag, "accepted for compatibility; no effect");
  for (const char* name : {"--cert", "--key", "--tls-min-version", "--cipher-suites", "--socket",
                           "--setuid", "--setgid"}) {
    cmd->add_option_function<std::string>(
        name, [&f, name](const std::string&) { f.unsupported.push_back(name + 1); },
        "not supported");
  }
  for (const char* name : {"--secure", "--list-cipher-suites"}) {
    cmd->add_flag_callback(
        name, [&f, name] { f.unsupported.push_back(name + 1); }, "not supported");
  }
  return cmd;
}

}  // namespace longhaul::app
