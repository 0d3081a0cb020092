#include "hooks/webhook_mode.h"

#include <sys/stat.h>

#include "hooks/dispatch.h"
#include "hooks/hooks_file.h"
#include "http/error_mapping.h"
#include "http/response_bytes.h"

namespace longhaul::hooks {
namespace bh = boost::beast::http;

namespace {

http::Response ToHttp(const store::Response& r) {
  http::Response res{static_cast<bh::status>(r.status), 11};
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body;
  http::PreparePayload(res);
  return res;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace

WebhookMode::WebhookMode(WebhookOptions options, config::EnvLookup env)
    : options_(std::move(options)), env_(std::move(env)) {}

base::Result<std::unique_ptr<WebhookMode>> WebhookMode::Load(WebhookOptions options,
                                                             config::EnvLookup env) {
  if (options.hooks_files.empty()) options.hooks_files.push_back("hooks.json");
  std::unique_ptr<WebhookMode> mode(new WebhookMode(std::move(options), std::move(env)));
  {
    base::MutexLock lock(mode->reload_mu_);
    mode->stamps_ = mode->Stamps();
  }
  LoadOptions lo{mode->options_.as_template, mode->env_, /*skip_unreadable=*/true};
  auto loaded = LoadHookFiles(mode->options_.hooks_files, lo);
  if (!loaded.ok()) return loaded.status();
  if (loaded->hooks->hooks().empty() && !mode->options_.verbose && !mode->options_.nopanic) {
    std::string why = loaded->warnings.empty() ? "" : " (" + Join(loaded->warnings, "; ") + ")";
    return base::InvalidArgument("no hooks loaded from " + Join(mode->options_.hooks_files, ", ") +
                                 why + "; use -verbose or -nopanic to start without hooks");
  }
  auto cfg = Translate(*loaded->hooks, mode->options_);
  if (!cfg.ok()) return cfg.status();
  mode->warnings_ = std::move(loaded->warnings);
  mode->state_.store(std::make_shared<const State>(State{loaded->hooks, *cfg}));
  return mode;
}

std::shared_ptr<const config::Config> WebhookMode::config() const { return state_.load()->config; }

base::LogLevel WebhookMode::log_level() const {
  if (options_.debug) return base::LogLevel::kDebug;
  return options_.verbose ? base::LogLevel::kInfo : base::LogLevel::kWarn;
}

void WebhookMode::Start(const base::Clock& clock, base::Logger& log, ingest::JobAccess jobs,
                        runtime::process::ChildRegistry* registry) {
  clock_ = &clock;
  log_ = &log;
  jobs_.emplace(jobs);
  runtime_ = std::make_unique<HookRuntime>(clock, log, registry);
  std::shared_ptr<const State> state = state_.load();
  runtime_->SetHooks(state->hooks);
  for (const std::string& w : warnings_) log.Warn("hooks.warning", {{"detail", w}});
  for (const Hook& h : state->hooks->hooks()) {
    log.Info("hooks.loaded",
             {{"id", h.id}, {"path", HookPath(options_.url_prefix, h.id)}, {"file", h.file}});
  }
}

std::vector<WebhookMode::FileStamp> WebhookMode::Stamps() const {
  std::vector<FileStamp> out;
  for (const std::string& path : options_.hooks_files) {
    FileStamp s;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      s.exists = true;
      s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      s.size = st.st_size;
      s.inode = st.st_ino;
    }
    out.push_back(s);
  }
  return out;
}

std::shared_ptr<const config::Config> WebhookMode::Reload(bool only_if_changed) {
  base::MutexLock lock(reload_mu_);
  std::vector<FileStamp> now = Stamps();
  if (only_if_changed && now == stamps_) return nullptr;
  stamps_ = now;
  std::vector<std::string> present;
  for (size_t i = 0; i < now.size(); ++i) {
    if (now[i].exists) {
      present.push_back(options_.hooks_files[i]);
    } else if (log_ != nullptr) {
      log_->Warn("hooks.file_missing", {{"file", options_.hooks_files[i]}});
    }
  }
  // Each file on its own, as webhook does: one that does not load keeps its previous hooks
  // (none when it had none), and the others' changes go ahead.
  const std::shared_ptr<const State> before = state_.load();
  LoadOptions lo{options_.as_template, env_};
  std::vector<Hook> hooks;
  std::vector<std::string> warnings;
  bool loaded_any = present.empty();
  for (const std::string& path : present) {
    base::Result<ParsedFile> parsed = LoadHookFile(path, lo);
    if (parsed.ok()) {
      loaded_any = true;
      for (Hook& h : parsed->hooks) hooks.push_back(std::move(h));
      for (std::string& w : parsed->warnings) warnings.push_back(std::move(w));
      continue;
    }
    int kept = 0;
    for (const Hook& h : before->hooks->hooks()) {
      if (h.file != path) continue;
      hooks.push_back(h);
      kept++;
    }
    if (log_ != nullptr) {
      log_->Error("hooks.reload_rejected",
                  {{"file", path},
                   {"error", parsed.status().message()},
                   {"kept", std::to_string(kept) + " previous hooks of the file"}});
    }
  }
  if (!loaded_any) return nullptr;  // not one file loaded: everything stays as it was
  auto joined = JoinHooks(std::move(hooks));
  auto cfg = joined.ok() ? Translate(**joined, options_)
                         : base::Result<std::shared_ptr<const config::Config>>(joined.status());
  if (!cfg.ok()) {
    if (log_ != nullptr) {
      log_->Error("hooks.reload_rejected",
                  {{"error", cfg.status().message()}, {"kept", "all the previous hooks"}});
    }
    return nullptr;
  }
  if (log_ != nullptr) {
    for (const std::string& w : warnings) log_->Warn("hooks.warning", {{"detail", w}});
    log_->Info("hooks.reloaded", {{"hooks", std::to_string((*joined)->hooks().size()), true}});
  }
  // The runtime first, so a job of a new hook never finds it missing.
  if (runtime_) runtime_->SetHooks(*joined);
  state_.store(std::make_shared<const State>(State{*joined, *cfg}));
  return *cfg;
}

boost::asio::awaitable<http::Response> WebhookMode::Handle(ingest::IngestHandler& ingest,
                                                           http::Request& req,
                                                           const http::ConnInfo& conn) {
  std::shared_ptr<const State> state = state_.load();
  // ToStoreRequest moves the body out of `req`; it goes back before ingest sees `req`.
  store::Request sreq = ingest::ToStoreRequest(req, conn);
  Dispatch d = Decide(*state->hooks, options_, sreq, clock_->Now());
  if (d.kind == Dispatch::Kind::kAnswer) {
    base::LogLevel level = d.event == "hook.rules_error" ? base::LogLevel::kWarn
                           : d.event == "hook.health"    ? base::LogLevel::kDebug
                                                         : base::LogLevel::kInfo;
    // Anyone can make a rule fail (a bad signature) as often as they like: one line a second,
    // with how many since the last.
    uint64_t held = 0;
    const bool throttled = level == base::LogLevel::kWarn;
    if (!throttled || rules_error_log_.Allow(&held)) {
      const std::string status = std::to_string(d.answer.status);
      const std::string since_last = std::to_string(held + 1);
      const base::LogField fields[] = {{"path", sreq.path},
                                       {"remote", sreq.remote_addr},
                                       {"status", status, true},
                                       {"detail", d.detail},
                                       {"since_last", since_last, true}};
      log_->Log(level, d.event, std::span(fields).first(throttled ? 5 : 4));
    }
    co_return ToHttp(d.answer);
  }
  const Hook& hook = *d.hook;
  // An id sent percent-encoded: give ingest the route's own path.
  if (sreq.path != d.path) {
    std::string target = d.path;
    if (!sreq.query.empty()) target += "?" + sreq.query;
    req.target(target);
  }
  req.body() = std::move(sreq.body);
  http::Response acked = co_await ingest(req, conn);
  std::string job_id(acked["X-Longhaul-Job-Id"]);
  if (job_id.empty()) {
    // Not stored (the store cannot write: 503 with Retry-After): the sender must retry. A stored
    // job always gets the hook's answer, whatever its success code.
    for (const auto& [k, v] : options_.response_headers) acked.set(k, v);
    co_return acked;
  }
  log_->Info(
      d.event,
      {{"hook", hook.id}, {"job", job_id}, {"remote", sreq.remote_addr}, {"detail", d.detail}});
  if (!hook.capture_output) {
    http::Response res = ToHttp(TriggeredAnswer(hook, options_));
    res.set("X-Longhaul-Job-Id", job_id);
    co_return res;
  }
  base::Duration wait = hook.timeout * (hook.retries + 1) + std::chrono::minutes(1);
  ingest::JobAccess access = *jobs_;
  access.peer = conn.peer;
  auto job = co_await ingest::WaitForJob(access, job_id, wait);
  if (!job.ok()) {
    http::Response res = http::ErrorResponse(job.status());
    res.set("X-Longhaul-Job-Id", job_id);
    co_return res;
  }
  http::Response res = ToHttp(OutputAnswer(hook, options_, *job));
  res.set("X-Longhaul-Job-Id", job_id);
  co_return res;
}

std::vector<std::string> GoFlagsToCli11(const std::vector<std::string>& args,
                                        const std::vector<std::string>& long_names) {
  std::vector<std::string> out;
  bool done = false;
  for (const std::string& a : args) {
    if (done || a.size() < 2 || a[0] != '-') {
      out.push_back(a);
      continue;
    }
    if (a == "--") {
      done = true;
      out.push_back(a);
      continue;
    }
    // Go accepts -name and --name, each with an optional =value.
    std::string_view body = std::string_view(a).substr(a[1] == '-' ? 2 : 1);
    std::string_view name = body.substr(0, body.find('='));
    bool known = false;
    for (const std::string& n : long_names) known = known || n == name;
    if (known && body.size() == name.size() + 1) {
      // "-urlprefix=": an empty value, which CLI11 reads as a missing one.
      out.push_back("--" + std::string(name));
      out.emplace_back();
    } else if (known) {
      out.push_back("--" + std::string(body));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> ParseHeaderFlag(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  if (!IsValidResponseHeader(text.substr(0, eq), text.substr(eq + 1))) return std::nullopt;
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

}  // namespace longhaul::hooks
