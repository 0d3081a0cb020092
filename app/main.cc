// longhaul: flags, config, wiring, run, teardown. The only code the tests do not link.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "admin/admin_handler.h"
#include "base/clock.h"
#include "base/log.h"
#include "cli/admin_client.h"
#include "config/config.h"
#include "http/server.h"
#include "ingest/ingest_handler.h"
#include "runtime/forward/forward_runtime.h"
#include "runtime/process/process_runtime.h"
#include "sched/completion_hub.h"
#include "sched/scheduler.h"
#include "store/sqlite/sqlite_store.h"
#include "webhook/verify.h"

namespace {

using namespace longhaul;
namespace asio = boost::asio;

std::optional<std::string> GetEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

base::Result<std::shared_ptr<const config::Config>> Load(const std::string& path) {
  return config::LoadConfigFile(path, GetEnv);
}

http::ServerLimits LimitsFrom(const config::Server& s) {
  http::ServerLimits l;
  l.header_limit = s.header_limit;
  l.body_limit = s.body_limit;
  l.header_timeout = s.header_timeout;
  l.body_timeout = s.body_timeout;
  l.idle_timeout = s.idle_timeout;
  l.max_connections = s.max_connections;
  return l;
}

std::string HostPort(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

int Serve(const std::string& config_path) {
  auto loaded = Load(config_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "longhaul: %s\n", loaded.status().message().c_str());
    return 2;
  }
  std::shared_ptr<const config::Config> cfg = *loaded;
  const config::Server& srv = cfg->server;
  base::Logger log(srv.log_format == "json" ? base::LogFormat::kJson : base::LogFormat::kText);
  base::SystemClock clock;

  std::error_code fs_ec;
  std::filesystem::create_directories(srv.data_dir, fs_ec);
  store::sqlite::SqliteOptions store_opts;
  store_opts.path = srv.data_dir + "/longhaul.db";
  store_opts.clock = &clock;
  auto opened = store::sqlite::SqliteStore::Open(store_opts);
  if (!opened.ok()) {
    log.Error("store.open_failed", {{"path", store_opts.path}, {"error", opened.status().ToString()}});
    return 1;
  }
  std::unique_ptr<store::sqlite::SqliteStore> store = std::move(*opened);

  std::string node_id = srv.node_id;
  if (node_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    node_id = host;
  }

  runtime::process::ProcessRuntime process_runtime(clock);
  runtime::forward::ForwardRuntime forward_runtime(clock);
  sched::CompletionHub hub;
  sched::SchedulerOptions sched_opts{node_id, srv.lease, srv.poll_interval, srv.shutdown_grace};
  sched::Scheduler scheduler(*store, clock, log, hub, sched_opts,
                             [&](const config::Function& fn) -> runtime::Runtime* {
                               switch (fn.kind) {
                                 case config::RuntimeKind::kCommand: return &process_runtime;
                                 case config::RuntimeKind::kHttp: return &forward_runtime;
                                 default: return nullptr;
                               }
                             });

  int io_threads = srv.threads > 0 ? srv.threads
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  asio::io_context ioc(io_threads);
  asio::thread_pool blocking_pool(4);

  // Bind both listeners first: the admin port is part of every status_url.
  ingest::IngestDeps deps{*store, scheduler, hub, clock, log, blocking_pool, "",
                          [&clock](const config::Route& route, const store::Request& req) {
                            return webhook::VerifyRequest(route, req, clock.Now());
                          }};
  std::shared_ptr<ingest::IngestHandler> ingest_handler;
  std::shared_ptr<admin::AdminHandler> admin_handler;
  http::HttpServer public_server(ioc, log, "public", LimitsFrom(srv),
                                 [&](http::Request& r, const http::ConnInfo& c) {
                                   return (*ingest_handler)(r, c);
                                 });
  http::HttpServer admin_server(ioc, log, "admin", LimitsFrom(srv),
                                [&](http::Request& r, const http::ConnInfo& c) {
                                  return (*admin_handler)(r, c);
                                });
  auto public_port = public_server.Listen(srv.listen.host, srv.listen.port);
  auto admin_port = admin_server.Listen(srv.admin.host, srv.admin.port);
  for (const auto* p : {&public_port, &admin_port}) {
    if (!p->ok()) {
      log.Error("server.listen_failed", {{"error", p->status().message()}});
      return 1;
    }
  }
  deps.status_base = srv.public_url.empty() ? "http://" + HostPort(srv.admin.host, *admin_port)
                                            : srv.public_url;
  ingest_handler = std::make_shared<ingest::IngestHandler>(deps, cfg);
  admin_handler = std::make_shared<admin::AdminHandler>(deps, cfg);

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

  asio::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
  std::function<void()> on_signal = [&] {
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        auto next = Load(config_path);
        if (!next.ok()) {
          log.Error("config.reload_rejected", {{"error", next.status().message()}});
        } else {
          cfg = *next;
          ingest_handler->SetConfig(cfg);
          admin_handler->SetConfig(cfg);
          scheduler.SetConfig(cfg);
          log.Info("config.reloaded", {{"file", config_path}});
        }
        on_signal();
        return;
      }
      log.Info("server.stopping", {{"signal", std::to_string(sig)}});
      public_server.StopAccepting();
      admin_server.StopAccepting();
      store_timer.cancel();
      // Draining blocks; do it off the I/O threads, then stop them.
      std::thread([&] {
        scheduler.Shutdown();
        ioc.stop();
      }).detach();
    });
  };
  on_signal();

  log.Info("server.ready", {{"listen", HostPort(srv.listen.host, *public_port)},
                            {"admin", HostPort(srv.admin.host, *admin_port)},
                            {"data_dir", srv.data_dir},
                            {"node", node_id}});
  std::printf("longhaul ready listen=%s admin=%s\n", HostPort(srv.listen.host, *public_port).c_str(),
              HostPort(srv.admin.host, *admin_port).c_str());
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  blocking_pool.join();
  log.Info("server.stopped");
  return 0;
}

cli::AdminTarget TargetFrom(const std::string& admin_url, const std::string& config_path) {
  cli::AdminTarget t;
  if (auto env = GetEnv("LONGHAUL_ADMIN_TOKEN")) t.token = *env;
  if (!admin_url.empty()) {
    t.base_url = admin_url;
  } else if (auto env = GetEnv("LONGHAUL_ADMIN")) {
    t.base_url = *env;
  } else if (!config_path.empty()) {
    if (auto cfg = Load(config_path); cfg.ok()) {
      const auto& a = (*cfg)->server.admin;
      std::string host = a.host == "0.0.0.0" ? "127.0.0.1" : a.host == "::" ? "::1" : a.host;
      t.base_url = "http://" + HostPort(host, a.port);
      if (t.token.empty()) t.token = (*cfg)->server.admin_token;
    }
  }
  if (t.base_url.rfind("http://", 0) != 0) t.base_url = "http://" + t.base_url;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"longhaul: answer webhooks at once, durably, and run the work in the background"};
  app.require_subcommand(1);
  std::string config_path = "longhaul.yaml";
  std::string admin_url;

  auto* serve = app.add_subcommand("serve", "run the server");
  serve->add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  auto* check = app.add_subcommand("check", "validate a configuration file and exit");
  check->add_option("-c,--config", config_path, "configuration file")->capture_default_str();

  auto add_client_opts = [&](CLI::App* cmd) {
    cmd->add_option("--admin", admin_url, "admin API URL (default: from --config or LONGHAUL_ADMIN, else http://127.0.0.1:8081)");
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
  std::string fn_filter, state_filter, job_id;
  int limit = 20, wait_timeout = 3600;
  bool as_json = false;
  auto* list = jobs->add_subcommand("list", "list recent jobs, newest first");
  list->add_option("--function", fn_filter);
  list->add_option("--state", state_filter);
  list->add_option("--limit", limit)->check(CLI::Range(1, 1000));
  list->add_flag("--json", as_json, "print the API's JSON");
  add_client_opts(list);
  auto* show = jobs->add_subcommand("show", "show one job");
  auto* retry = jobs->add_subcommand("retry", "run a finished job again");
  auto* cancel = jobs->add_subcommand("cancel", "cancel a job (kills it if running)");
  auto* wait = jobs->add_subcommand("wait", "wait until a job finishes; exit 2 if it failed");
  wait->add_option("--timeout", wait_timeout, "seconds")->capture_default_str();
  for (auto* c : {show, retry, cancel, wait}) {
    c->add_option("id", job_id, "job id")->required();
    add_client_opts(c);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*serve) return Serve(config_path);
  if (*check) {
    auto cfg = Load(config_path);
    if (!cfg.ok()) {
      std::fprintf(stderr, "%s\n", cfg.status().message().c_str());
      return 1;
    }
    std::printf("%s: ok (%zu functions, %zu routes)\n", config_path.c_str(),
                (*cfg)->functions.size(), (*cfg)->routes.size());
    return 0;
  }
  std::string cfg_for_client = app.get_subcommand_ptr("invoke")->count("--config") ||
                                       (list->count("--config") + show->count("--config") +
                                        retry->count("--config") + cancel->count("--config") +
                                        wait->count("--config")) > 0 ||
                                       std::filesystem::exists(config_path)
                                   ? config_path
                                   : "";
  cli::AdminTarget target = TargetFrom(admin_url, cfg_for_client);
  if (*invoke) {
    if (!data_arg.empty()) {
      auto data = cli::ReadData(data_arg, stderr);
      if (!data) return 1;
      invoke_opts.data = std::move(*data);
    }
    return cli::Invoke(target, invoke_opts, stdout, stderr);
  }
  if (*list) return cli::JobsList(target, fn_filter, state_filter, limit, as_json, stdout, stderr);
  if (*show) return cli::JobsShow(target, job_id, stdout, stderr);
  if (*retry) return cli::JobsRetry(target, job_id, stdout, stderr);
  if (*cancel) return cli::JobsCancel(target, job_id, stdout, stderr);
  if (*wait) return cli::JobsWait(target, job_id, wait_timeout, stdout, stderr);
  return 0;
}
