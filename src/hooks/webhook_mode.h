// WebhookMode: what `longhaul webhook` adds to the server `longhaul serve` runs. It owns the
// loaded hooks files (and their reloads), the Config translated from them, the front handler
// that answers as adnanh/webhook does and hands triggered hooks to ingest (durable append,
// X-Longhaul-Job-Id), and the HookRuntime that runs them.
//
// Life of a webhook request: Handle() -> Decide() (dispatch.h: health, 404, 405, rules) ->
// IngestHandler (route ANY /<prefix>/<id>, durable append) -> TriggeredAnswer, or for
// include-command-output-in-response WaitForJob + OutputAnswer. The job runs later through
// HookRuntime, which rebuilds argv/env/files from the stored request.
//
// Thread-safety: Handle() runs concurrently on many strands; Reload() and the accessors may be
// called from any thread (the hooks and config are swapped atomically; a request or run keeps
// the snapshot it started with). Start() once, before serving.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/status.h"
#include "config/config.h"
#include "hooks/hook.h"
#include "hooks/hook_runtime.h"
#include "hooks/translate.h"
#include "http/types.h"
#include "ingest/ingest_handler.h"
#include "ingest/job_wait.h"

namespace longhaul::hooks {

class WebhookMode {
 public:
  // Loads every hooks file (options.hooks_files; "hooks.json" when empty) and translates them.
  // Errors: kNotFound for an unreadable file, kInvalidArgument for a parse error ("FILE:LINE:
  // ..."), a duplicate id, bad -ip/-admin, or no hooks at all without -verbose or -nopanic.
  // Does not block beyond reading the files.
  static base::Result<std::unique_ptr<WebhookMode>> Load(WebhookOptions options,
                                                         config::EnvLookup env);

  std::shared_ptr<const config::Config> config() const;
  const WebhookOptions& options() const { return options_; }
  // -debug: kDebug; -verbose: kInfo; else kWarn (webhook itself logs nothing without -verbose).
  base::LogLevel log_level() const;

  // Binds what serving needs; logs the load's warnings and the hooks served. `clock`, `log`
  // and what `jobs` refers to must outlive this object.
  // `registry` (not owned, may be null) records the hooks' children while they run.
  void Start(const base::Clock& clock, base::Logger& log, ingest::JobAccess jobs,
             runtime::process::ChildRegistry* registry = nullptr);

  // The runtime for the hooks' functions. Valid after Start().
  runtime::Runtime* runtime() { return runtime_.get(); }

  // The public listener's handler (see above). `ingest` serves the routes of config().
  boost::asio::awaitable<http::Response> Handle(ingest::IngestHandler& ingest, http::Request& req,
                                                const http::ConnInfo& conn);

  // Reads the files again (SIGHUP, SIGUSR1, or -hotreload noticing a change when
  // `only_if_changed`). Each file on its own, as upstream does: one that does not load keeps
  // its previous hooks (logged), the others' changes take effect. Returns the new Config when
  // the hooks were reloaded; nullptr when nothing changed, or the files' hooks together do not
  // load (an id defined twice: logged; the previous hooks stay). A file that disappeared
  // contributes no hooks (upstream unloads a removed file's hooks). Blocks on file reads: call
  // it off the I/O threads.
  std::shared_ptr<const config::Config> Reload(bool only_if_changed);

 private:
  struct State {
    std::shared_ptr<const HookSet> hooks;
    std::shared_ptr<const config::Config> config;
  };
  struct FileStamp {
    bool exists = false;
    int64_t mtime_ns = 0;
    int64_t size = 0;
    ino_t inode = 0;
    bool operator==(const FileStamp&) const = default;
  };

  WebhookMode(WebhookOptions options, config::EnvLookup env);
  std::vector<FileStamp> Stamps() const;

  WebhookOptions options_;
  config::EnvLookup env_;
  std::atomic<std::shared_ptr<const State>> state_;
  std::vector<std::string> warnings_;  // of the first load, logged by Start()
  base::Mutex reload_mu_;              // one Reload() at a time
  std::vector<FileStamp> stamps_ LH_GUARDED_BY(reload_mu_);
  const base::Clock* clock_ = nullptr;
  base::Logger* log_ = nullptr;
  base::LogThrottle rules_error_log_;
  std::optional<ingest::JobAccess> jobs_;
  std::unique_ptr<HookRuntime> runtime_;
};

// Rewrites Go-style flags (`-hooks f`, `-port=9000`, `-verbose`) to CLI11's double-dash form
// for the names in `long_names`; other arguments are kept. "--" ends the rewriting.
std::vector<std::string> GoFlagsToCli11(const std::vector<std::string>& args,
                                        const std::vector<std::string>& long_names);

// Splits "-header name=value". nullopt without '=', or when IsValidResponseHeader() fails.
std::optional<std::pair<std::string, std::string>> ParseHeaderFlag(std::string_view text);

}  // namespace longhaul::hooks
