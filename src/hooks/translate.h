// From hooks to a longhaul Config: one `command` function and one route per hook, so every
// triggered hook becomes a durable job (status API, `longhaul jobs`, retries, limits).
//   function  name = hook id; argv = [execute-command] (for display: the real argv, environment
//             and files are built from the stored request when the job runs, see
//             hook_runtime.h); stdin none; working_dir; timeout, concurrency = max-concurrency,
//             retries from the hook; max_event_age 24h
//   route     ANY /<urlprefix>/<id> (segments literal, even for ids with '{' or '/'), ack async
//             with ack_status = success code when it is a 2xx Go knows (else 200) and ack_body =
//             response-message (the front handler shapes the final answer, whatever the success
//             code, see webhook_mode.h)
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "hooks/hook.h"

namespace longhaul::hooks {

// The command line of `longhaul webhook` (webhook's flags plus longhaul's own).
struct WebhookOptions {
  std::vector<std::string> hooks_files;   // -hooks (repeatable); default hooks.json
  bool as_template = false;               // -template
  bool hotreload = false;                 // -hotreload
  bool verbose = false;                   // -verbose: info logs (else warnings and errors)
  bool debug = false;                     // -debug: debug logs
  bool nopanic = false;                   // -nopanic: start with zero hooks
  std::string ip = "0.0.0.0";             // -ip
  uint16_t port = 9000;                   // -port; 0 = any free port
  std::string url_prefix = "hooks";       // -urlprefix; "" = hooks at /<id>
  std::vector<std::string> http_methods;  // -http-methods, upper-cased; empty = any
  std::vector<std::pair<std::string, std::string>> response_headers;  // -header name=value
  std::string data_dir = "./data";                                    // -data-dir
  std::string admin = "127.0.0.1:8081";                               // -admin host:port
  std::string admin_token;  // -admin-token (or $LONGHAUL_ADMIN_TOKEN)
};

// Splits -http-methods: comma-separated, spaces removed, upper-cased, empties dropped.
std::vector<std::string> ParseMethodList(std::string_view text);

// The path of a hook: "/" + prefix + "/" + id, or "/" + id when the prefix is empty, with the
// id's '%', '?' and '#' percent-encoded: the path is also a request target, where they would
// end the path ("deploy?x" is not the hook "deploy" with a query).
std::string HookPath(const std::string& url_prefix, const std::string& id);

// The Config for `hooks` under `options`. Errors: kInvalidArgument for a bad -ip/-admin
// ("-admin: ..."), admin on the same port as the listener, or admin off loopback without
// -admin-token (as server.admin in longhaul.yaml).
base::Result<std::shared_ptr<const config::Config>> Translate(const HookSet& hooks,
                                                              const WebhookOptions& options);

}  // namespace longhaul::hooks
