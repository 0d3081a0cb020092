// longhaul: flags, config, wiring, run, teardown. The only code the tests do not link.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <system_error>
#include <thread>

#include "admin/admin_handler.h"
#include "base/clock.h"
#include "base/duration.h"
#include "base/file_limit.h"
#include "base/log.h"
#include "base/pid_file.h"
#include "base/thread_name.h"
#include "cli/admin_client.h"
#include "cli/config_check.h"
#include "config/config.h"
#include "config/listen.h"
#include "hooks/webhook_mode.h"
#include "http/server.h"
#include "ingest/destinations.h"
#include "ingest/ingest_handler.h"
#include "lambda/lambda_runtime.h"
#include "mistyped_command.h"
#include "runtime/forward/forward_runtime.h"
#include "runtime/process/process_runtime.h"
#include "sched/completion_hub.h"
#include "sched/scheduler.h"
#include "store/sqlite/sqlite_store.h"
#include "webhook/verify.h"
#include "webhook_command.h"

namespace {

using namespace longhaul;
namespace asio = boost::asio;

std::optional<std::string> GetEnv(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

http::ServerLimits LimitsFrom(const config::Server& s) {
  http::ServerLimits l;
  l.header_limit = s.header_limit;
  l.body_limit = s.body_limit;
  l.header_timeout = s.header_timeout;
  l.body_timeout = s.body_timeout;
  l.idle_timeout = s.idle_timeout;
  l.max_connections = base::ConnectionsWithin(s.max_connections, base::RaiseFileLimit(), 2);
  return l;
}

// Runs `handler` while counting it in `in_flight`, so a SIGTERM can let requests being handled
// finish before the I/O threads stop.
asio::awaitable<http::Response> CountedCall(std::atomic<int>& in_flight,
                                            const http::Handler& handler, http::Request& req,
                                            const http::ConnInfo& conn) {
  struct Count {
    std::atomic<int>& n;
    explicit Count(std::atomic<int>& c) : n(c) { n.fetch_add(1); }
    ~Count() { n.fetch_sub(1); }
  } count(in_flight);
  co_return co_await handler(req, conn);
}

http::Handler Counted(std::atomic<int>& in_flight, http::Handler handler) {
  return
      [&in_flight, handler = std::move(handler)](http::Request& req, const http::ConnInfo& conn) {
        return CountedCall(in_flight, handler, req, conn);
      };
}

// Reloads the hooks files of `longhaul webhook` (SIGHUP, SIGUSR1); the reasons a reload is
// refused were logged by Reload().
base::Result<std::shared_ptr<const config::Config>> ReloadHooks(hooks::WebhookMode& webhook) {
  if (auto next = webhook.Reload(false)) return next;
  return base::InvalidArgument("hooks files not reloaded; the previous hooks stay");
}

// `serve` with a config file, or `webhook` (non-null `webhook`) with hooks files.
int Serve(const std::string& config_path, std::unique_ptr<hooks::WebhookMode> webhook = nullptr) {
  auto loaded = webhook ? base::Result<std::shared_ptr<const config::Config>>(webhook->config())
                        : config::LoadConfigFile(config_path, GetEnv);
  if (!loaded.ok()) {
    std::fprintf(stderr, "longhaul: %s\n", loaded.status().message().c_str());
    return 2;
  }
  std::shared_ptr<const config::Config> cfg = *loaded;
  const config::Server& srv = cfg->server;
  base::Logger log(srv.log_format == "json" ? base::LogFormat::kJson : base::LogFormat::kText,
                   webhook ? webhook->log_level() : base::LogLevel::kInfo);
  // What `longhaul check` warns about (a program that is not there), at start and each reload.
  auto warn_about = [&](const config::Config& c) {
    for (const cli::ConfigWarning& w : cli::ConfigWarnings(c)) {
      log.Warn("config.warning",
               {{"at", config_path + ":" + std::to_string(w.line)}, {"warning", w.text}});
    }
  };
  if (!webhook) warn_about(*cfg);
  base::SystemClock clock;

  store::sqlite::SqliteOptions store_opts;  // Open() makes data_dir, private (0700)
  store_opts.path = srv.data_dir + "/longhaul.db";
  store_opts.clock = &clock;
  store_opts.checkpoint_frames = srv.checkpoint_pages;
  auto opened = store::sqlite::SqliteStore::Open(store_opts);
  if (!opened.ok()) {
    log.Error("store.open_failed",
              {{"path", store_opts.path}, {"error", opened.status().ToString()}});
    return 1;
  }
  std::unique_ptr<store::sqlite::SqliteStore> store = std::move(*opened);

  std::string node_id = srv.node_id;
  if (node_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    node_id = host;
  }

  // Children a killed predecessor left running go before their jobs can run again.
  auto registry = runtime::process::ChildRegistry::Open(srv.data_dir + "/children.tab");
  if (!registry.ok()) {
    log.Error("server.data_dir_unusable", {{"error", registry.status().message()}});
    return 1;
  }
  if (int killed = (*registry)->KillLeftovers(); killed > 0) {
    log.Warn("sched.leftover_children_killed",
             {{"groups", std::to_string(killed), true},
              {"reason", "still running from a server that did not stop cleanly"}});
  }
  runtime::process::ProcessRuntime process_runtime(clock, registry->get());
  runtime::forward::ForwardRuntime forward_runtime(clock);
  lambda::LambdaRuntime* lambda_runtime = nullptr;  // built once the admin listener is bound
  sched::CompletionHub hub;
  sched::SchedulerOptions sched_opts{node_id, srv.lease, srv.poll_interval, srv.shutdown_grace};
  sched::Scheduler scheduler(*store, clock, log, hub, sched_opts,
                             [&](const config::Function& fn) -> runtime::Runtime* {
                               if (webhook) return webhook->runtime();  // hooks only
                               switch (fn.kind) {
                                 case config::RuntimeKind::kCommand:
                                   return &process_runtime;
                                 case config::RuntimeKind::kHttp:
                                   return &forward_runtime;
                                 case config::RuntimeKind::kLambda:
                                   return lambda_runtime;
                                 default:
                                   return nullptr;
                               }
                             });

  int io_threads = srv.threads > 0
                       ? srv.threads
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<int> in_flight{0};  // requests being handled; outlives `ioc` and its handlers
  asio::io_context ioc(io_threads);
  asio::thread_pool blocking_pool(4);

  // Bind both listeners first: the admin port is part of every status_url.
  ingest::RouteRejections rejections;
  ingest::IngestDeps deps{*store,
                          scheduler,
                          hub,
                          clock,
                          log,
                          blocking_pool,
                          "",
                          [&clock](const config::Route& route, const store::Request& req) {
                            return webhook::VerifyRequest(route, req, clock.Now());
                          },
                          &rejections};
  std::shared_ptr<ingest::IngestHandler> ingest_handler;
  std::shared_ptr<admin::AdminHandler> admin_handler;
  http::ServerLimits public_limits = LimitsFrom(srv);  // a 404 goes out before a waiting body
  if (!webhook)
    public_limits.answer_before_body = [&](auto& h) { return ingest_handler->Unrouted(h); };
  http::HttpServer public_server(ioc, log, "public", public_limits,
                                 Counted(in_flight, [&](http::Request& r, const http::ConnInfo& c) {
                                   return webhook ? webhook->Handle(*ingest_handler, r, c)
                                                  : (*ingest_handler)(r, c);
                                 }));
  http::ServerLimits admin_limits = LimitsFrom(srv);
  admin_limits.body_too_large = admin::AdminHandler::BodyTooLarge;  // Lambda's 413 for Invoke
  http::HttpServer admin_server(ioc, log, "admin", admin_limits,
                                Counted(in_flight, [&](http::Request& r, const http::ConnInfo& c) {
                                  return (*admin_handler)(r, c);
                                }));
  auto public_port = public_server.Listen(srv.listen.host, srv.listen.port);
  auto admin_port = admin_server.Listen(srv.admin.host, srv.admin.port);
  for (const auto* p : {&public_port, &admin_port}) {
    if (!p->ok()) {
      log.Error("server.listen_failed", {{"error", p->status().message()}});
      return 1;
    }
  }
  deps.status_base =
      srv.public_url.empty()
          ? "http://" + config::FormatListen(config::Listen{admin_server.host(), *admin_port})
          : srv.public_url;
  // Lambda runtimes find the Invoke API (AWS_ENDPOINT_URL_LAMBDA) on the admin listener.
  const std::string& admin_host = admin_server.host();
  lambda::LambdaOptions lambda_options;
  lambda_options.registry = registry->get();
  lambda_options.endpoint_url =
      "http://" + config::FormatListen(config::Listen{admin_host == "0.0.0.0" ? "127.0.0.1"
                                                      : admin_host == "::"    ? "::1"
                                                                              : admin_host,
                                                      *admin_port});
  lambda::LambdaRuntime lambda_rt(ioc, clock, log, std::move(lambda_options));
  lambda_runtime = &lambda_rt;
  ingest_handler = std::make_shared<ingest::IngestHandler>(deps, cfg);
  admin_handler = std::make_shared<admin::AdminHandler>(deps, cfg);
  if (webhook) webhook->Start(clock, log, {*store, hub, blocking_pool}, registry->get());
  // on_success / on_failure of asynchronous invocations.
  ingest::Destinations destinations(clock, log, cfg);
  scheduler.set_follow_up([&destinations](const store::Job& job, const config::Function& fn,
                                          const runtime::Outcome& outcome,
                                          store::Completion::Kind kind, bool caller_waits) {
    return destinations.FollowUp(job, fn, outcome, kind, caller_waits);
  });
  scheduler.set_expiry_follow_up(
      [&destinations](const store::Job& job, const config::Function& fn) {
        return destinations.ExpiryFollowUp(job, fn);
      });

  base::Status started = scheduler.Start(cfg);
  if (!started.ok()) {
    log.Error("sched.start_failed", {{"error", started.ToString()}});
    return 1;
  }
  public_server.Start();
  admin_server.Start();

  // A failed store (disk full, I/O error) refuses writes until it reopens cleanly.
  asio::steady_timer store_timer(ioc);
  std::function<void()> watch_store = [&] {
    store_timer.expires_after(std::chrono::seconds(1));
    store_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      if (!store->Healthy().ok()) {
        asio::post(blocking_pool, [&] {
          base::Status s = store->Reopen();
          if (s.ok()) {
            log.Info("store.recovered");
            scheduler.Wake();
          }
        });
      }
      watch_store();
    });
  };
  watch_store();

  // Reloads (SIGHUP, SIGUSR1, webhook -hotreload) read files and the store: one at a time, off
  // the I/O threads.
  auto reloads = asio::make_strand(blocking_pool);
  // webhook -hotreload: the hooks files are polled every second.
  asio::steady_timer hooks_timer(ioc);
  std::function<void()> watch_hooks = [&] {
    hooks_timer.expires_after(std::chrono::seconds(1));
    hooks_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      asio::post(reloads, [&] {
        if (auto next = webhook->Reload(true)) {
          ingest_handler->SetConfig(next);
          admin_handler->SetConfig(next);
          destinations.SetConfig(next);
          scheduler.SetConfig(next);
        }
        asio::post(ioc, watch_hooks);
      });
    });
  };
  if (webhook && webhook->options().hotreload) watch_hooks();

  // SIGTERM drains on this thread; joined before teardown (it uses the scheduler and `ioc`).
  std::thread stopper;
  bool stopping = false;           // on the thread that handles the signals
  std::atomic<bool> hurry{false};  // a second SIGTERM: stop without waiting out the grace
  const base::Duration shutdown_grace = srv.shutdown_grace;  // `srv` dies with a reload
  const config::Server started_with = srv;  // what a reload cannot change (RestartOnlyChanges)
  asio::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  if (webhook) signals.add(SIGUSR1);
  std::function<void()> on_signal = [&] {
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP || sig == SIGUSR1) {
        asio::post(reloads, [&] {
          auto next = webhook ? ReloadHooks(*webhook) : config::LoadConfigFile(config_path, GetEnv);
          if (next.ok()) next = config::CheckReload(started_with, std::move(*next));
          if (!next.ok()) {
            log.Error("config.reload_rejected", {{"error", next.status().message()}});
          } else {
            std::vector<std::string> stale =
                config::RestartOnlyChanges(started_with, (*next)->server);
            if (!stale.empty()) {
              std::string names;
              for (const std::string& n : stale) names += (names.empty() ? "" : ", ") + n;
              log.Warn("config.restart_needed",
                       {{"settings", names},
                        {"reason",
                         "they take effect at the next start; until then the old values "
                         "stay"}});
            }
            cfg = *next;
            if (!webhook) warn_about(*cfg);
            ingest_handler->SetConfig(cfg);
            admin_handler->SetConfig(cfg);
            destinations.SetConfig(cfg);
            scheduler.SetConfig(cfg);
            if (!webhook)
              log.Info("config.reloaded", {{"file", config_path}});  // else hooks.reloaded
          }
        });
        on_signal();
        return;
      }
      if (stopping) {  // a second SIGTERM or SIGINT: the rest of the grace is waived
        log.Warn("server.stopping_now", {{"signal", std::to_string(sig), true},
                                         {"detail", "running attempts are stopped now"}});
        hurry = true;
        scheduler.EndGrace();
        return;
      }
      log.Info("server.stopping", {{"signal", std::to_string(sig), true},
                                   {"grace", base::FormatDuration(shutdown_grace)}});
      public_server.StopAccepting();
      // The admin API answers on through the drain (what runs, what is left; /healthz says
      // 503), until the stopper below is done; the store's watch too (a store that can write
      // again takes the outcomes it could not, Scheduler::Shutdown).
      hooks_timer.cancel();
      // Draining blocks; do it off the I/O threads, then stop them. Until then the work guard
      // below keeps them running: with the listeners and timers gone nothing else might.
      const auto grace_ends = std::chrono::steady_clock::now() + shutdown_grace;
      stopping = true;
      auto stop = [&, grace_ends] {
        scheduler.Shutdown();
        hub.Close();  // callers still waiting for a job get it as it is now
        // Requests being handled get their answers: until the grace ends, at least 1 s; after a
        // second signal 1 s at most (the callers the hub let go are answering now).
        const auto at_least = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        while (in_flight.load() > 0 && std::chrono::steady_clock::now() <
                                           (hurry ? at_least : std::max(grace_ends, at_least))) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        admin_server.StopAccepting();
        ioc.stop();
      };
      try {
        stopper = std::thread(stop);
      } catch (const std::system_error&) {
        asio::post(blocking_pool, stop);  // out of threads: one of the pool's, started already
      }
      on_signal();  // a second one ends the grace
    });
  };
  on_signal();

  log.Info("server.ready",
           {{"listen", config::FormatListen(config::Listen{public_server.host(), *public_port})},
            {"admin", config::FormatListen(config::Listen{admin_server.host(), *admin_port})},
            {"data_dir", srv.data_dir},
            {"node", node_id}});
  std::printf("longhaul ready listen=%s admin=%s\n",
              config::FormatListen(config::Listen{public_server.host(), *public_port}).c_str(),
              config::FormatListen(config::Listen{admin_server.host(), *admin_port}).c_str());
  std::fflush(stdout);

  auto keep_running = asio::make_work_guard(ioc);  // until the stopper calls ioc.stop()
  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; ++i) {
    threads.emplace_back([&] {
      base::SetThreadName("lh-io");
      ioc.run();
    });
  }
  ioc.run();  // the main thread keeps its name ("longhaul") and serves I/O too
  for (auto& t : threads) t.join();
  if (stopper.joinable()) stopper.join();
  blocking_pool.join();
  // Appends still queued complete on the store's writer thread and post to `ioc`: let them do so
  // now, while it exists (a blocking write is a barrier behind them), not in ~SqliteStore.
  (void)store->RecoverLeases(clock.Now(), node_id);
  log.Info("server.stopped");
  return 0;
}

int ServeWebhook(app::WebhookFlags& f) {
  if (f.version) {
    std::printf("webhook version 2.8.2 (longhaul webhook mode)\n");
    return 0;
  }
  if (!f.unsupported.empty()) {
    std::fprintf(stderr,
                 "longhaul webhook: %s is not supported: put a TLS-terminating proxy in front, "
                 "listen on a port, and run longhaul as the user the hooks need\n",
                 f.unsupported.front().c_str());
    return 2;
  }
  hooks::WebhookOptions& o = f.options;
  o.port = static_cast<uint16_t>(f.port);
  o.http_methods = hooks::ParseMethodList(f.http_methods);
  for (const std::string& h : f.headers) {
    auto kv = hooks::ParseHeaderFlag(h);
    if (!kv) {
      std::fprintf(stderr, "longhaul webhook: -header must be name=value, not `%s`\n", h.c_str());
      return 2;
    }
    o.response_headers.push_back(*kv);
  }
  if (o.admin_token.empty()) o.admin_token = GetEnv("LONGHAUL_ADMIN_TOKEN").value_or("");
  if (!f.logfile.empty()) {
    o.verbose = true;
    // Tried first: a failed freopen would close stderr, where the reason must go.
    std::FILE* probe = std::fopen(f.logfile.c_str(), "a");
    if (probe == nullptr || std::fclose(probe) != 0 ||
        std::freopen(f.logfile.c_str(), "a", stderr) == nullptr) {
      std::fprintf(stderr, "longhaul webhook: cannot open -logfile %s: %s\n", f.logfile.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  // What goes wrong once the command line has parsed exits 1, as webhook's log.Fatal does.
  auto mode = hooks::WebhookMode::Load(o, GetEnv);
  if (!mode.ok()) {
    std::fprintf(stderr, "longhaul webhook: %s\n", mode.status().message().c_str());
    return 1;
  }
  std::optional<base::PidFile> pid_file;  // removed when Serve returns
  if (!f.pidfile.empty()) {
    auto created = base::PidFile::Create(f.pidfile);
    if (!created.ok()) {
      std::fprintf(stderr, "longhaul webhook: %s\n", created.status().message().c_str());
      return 1;
    }
    pid_file.emplace(std::move(*created));
  }
  return Serve("", std::move(*mode));
}

}  // namespace

int main(int argc, char** argv) {
  // A reload asked for before the server listens for it must not end the server (the default
  // action); the server reads its config at the start anyway. Children get default actions. The
  // signals it handles are unblocked (a supervisor may pass its blocked mask on), in every
  // thread started after this.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGHUP, SIGUSR1, SIGINT, SIGTERM}) sigaddset(&handled, sig);
  pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);
  for (int sig : {SIGHUP, SIGUSR1}) std::signal(sig, SIG_IGN);
  CLI::App app{"longhaul: answer webhooks at once, durably, and run the work in the background"};
  app.set_version_flag("--version", "longhaul " LONGHAUL_VERSION);
  app.require_subcommand(1);
  std::string config_path = "longhaul.yaml";
  std::string admin_url;

  auto* serve = app.add_subcommand("serve", "run the server");
  serve->add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  auto* check = app.add_subcommand("check", "validate a configuration file and exit");
  check->add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  auto add_client_opts = [&](CLI::App* cmd) {
    cmd->add_option(
           "--admin", admin_url,
           "admin API URL (default: LONGHAUL_ADMIN, else the server.admin of --config or of "
           "./longhaul.yaml when there is one, else http://127.0.0.1:8081)")
        ->check([](const std::string& v) {
          return v.empty() ? "an empty address names no server" : "";
        });
    cmd->add_option("-c,--config", config_path, "configuration file to find the admin API in");
  };

  cli::InvokeOptions invoke_opts;
  std::string data_arg;
  auto* invoke = app.add_subcommand("invoke", "invoke a function and print its result");
  invoke->add_option("function", invoke_opts.function, "function name")->required();
  invoke->add_option("-d,--data", data_arg, "payload: text, @file, or - for stdin");
  invoke->add_flag("--async", invoke_opts.async, "queue it and print the job id");
  add_client_opts(invoke);

  auto* jobs = app.add_subcommand("jobs", "list and manage jobs");
  jobs->require_subcommand(1);
  std::string job_id;
  std::string wait_timeout = "1h";
  cli::ListOptions list_opts;
  auto* list = jobs->add_subcommand("list", "list recent jobs, newest first");
  list->add_option("--function", list_opts.function);
  list->add_option("--state", list_opts.state);
  list->add_option("--limit", list_opts.limit)->check(CLI::Range(1, 1000));
  list->add_option("--cursor", list_opts.cursor, "the next page, as a previous list printed");
  list->add_flag("--json", list_opts.json, "print the API's JSON");
  add_client_opts(list);
  auto* show = jobs->add_subcommand("show", "show one job");
  auto* retry = jobs->add_subcommand("retry", "run a finished job again");
  auto* cancel = jobs->add_subcommand("cancel", "cancel a job (kills it if running)");
  auto* wait = jobs->add_subcommand(
      "wait", "wait until a job finishes; exit 2 if it failed, 3 if not in time");
  wait->add_option("--timeout", wait_timeout,
                   "how long to wait: 30s, 5m, 1h (a bare number: seconds)")
      ->capture_default_str()
      ->check([](const std::string& text) {
        auto d = longhaul::base::ParseDuration(text, std::chrono::seconds(1));
        return d.ok() ? std::string() : std::string(d.status().message());
      });
  for (auto* c : {show, retry, cancel, wait}) {
    c->add_option("id", job_id, "job id")->required();
    add_client_opts(c);
  }

  longhaul::app::WebhookFlags webhook_flags;
  auto* webhook = longhaul::app::AddWebhookCommand(app, webhook_flags);
  // webhook's flags are Go style (-hooks f); CLI11 wants --hooks.
  std::vector<std::string> args(argv, argv + argc);
  if (argc > 1 && args[1] == "webhook") {
    std::vector<std::string> rest(args.begin() + 2, args.end());
    rest = hooks::GoFlagsToCli11(rest, longhaul::app::WebhookFlagNames());
    args.resize(2);
    args.insert(args.end(), rest.begin(), rest.end());
  }
  if (std::optional<std::string> mistyped = longhaul::app::MistypedCommand(app, args)) {
    std::fprintf(stderr, "longhaul: %s; see longhaul --help\n", mistyped->c_str());
    return 1;
  }
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  try {
    app.parse(static_cast<int>(cargs.size()), cargs.data());
  } catch (const CLI::ParseError& e) {
    // --help: 0; a command line that does not parse: 2 as webhook's (Go's), else 1.
    return app.exit(e) == 0 ? 0 : argc > 1 && args[1] == "webhook" ? 2 : 1;
  }

  try {
    if (*serve) return Serve(config_path);
    if (*webhook) return ServeWebhook(webhook_flags);
  } catch (const std::exception& e) {  // out of memory or threads (a limit) while starting
    std::fprintf(stderr, "longhaul: cannot run: %s\n", e.what());
    return 1;
  }
  if (*check) return cli::Check(config_path, GetEnv, stdout, stderr);
  const bool config_given =
      app.get_subcommand_ptr("invoke")->count("--config") ||
      (list->count("--config") + show->count("--config") + retry->count("--config") +
       cancel->count("--config") + wait->count("--config")) > 0;
  base::Result<cli::AdminTarget> found =
      cli::TargetFrom(admin_url, config_path, config_given, GetEnv);
  if (!found.ok()) {
    std::fprintf(stderr, "error: %s\n", found.status().message().c_str());
    return 1;
  }
  const cli::AdminTarget& target = *found;
  if (*invoke) {
    if (!data_arg.empty()) {
      auto data = cli::ReadData(data_arg, stderr);
      if (!data) return 1;
      invoke_opts.data = std::move(*data);
    }
    return cli::Invoke(target, invoke_opts, stdout, stderr);
  }
  if (*list) return cli::JobsList(target, list_opts, stdout, stderr);
  if (*show) return cli::JobsShow(target, job_id, stdout, stderr);
  if (*retry) return cli::JobsRetry(target, job_id, stdout, stderr);
  if (*cancel) return cli::JobsCancel(target, job_id, stdout, stderr);
  if (*wait) {
    auto timeout = longhaul::base::ParseDuration(wait_timeout, std::chrono::seconds(1));
    return cli::JobsWait(target, job_id, *timeout, stdout, stderr);  // checked when parsed
  }
  return 0;
}
