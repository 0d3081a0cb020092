// The ingest handler without sockets: `outstanding` POSTs of a ~1 KiB update to an async route
// go through IngestHandler at once (routing, the job built from the request, the durable append,
// the 202), on one io_context thread, and each round waits for all of their answers. Items/s is
// acknowledged requests per second; the gap to bench/run.sh's ingest figure is what the
// sockets and HTTP parsing cost.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <memory>
#include <optional>

#include "base/log.h"
#include "config/config.h"
#include "ingest/ingest_handler.h"
#include "lib/micro_support.h"
#include "sched/completion_hub.h"
#include "sched/scheduler.h"

namespace longhaul::bench {
namespace {
namespace asio = boost::asio;

constexpr char kConfig[] = R"(
server:
  data_dir: /unused
functions:
  work:
    runtime: command
    command: [/bin/true]
routes:
  - path: /tg
    method: POST
    function: work
    ack: async
)";

void BM_IngestHandler(benchmark::State& state) {
  const int outstanding = static_cast<int>(state.range(0));
  auto cfg = config::LoadConfigText(kConfig, "bench.yaml",
                                    [](const std::string&) { return std::nullopt; });
  if (!cfg.ok()) {
    state.SkipWithError(cfg.status().ToString().c_str());
    return;
  }
  base::SystemClock clock;
  ScratchDir dir;
  auto db = OpenStore(state, dir, clock);
  if (db == nullptr) return;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> devnull(std::fopen("/dev/null", "w"),
                                                          &std::fclose);
  base::Logger log(base::LogFormat::kText, base::LogLevel::kWarn, devnull.get());
  sched::CompletionHub hub;
  // Not started: the jobs stay queued, so only the acknowledgement path is measured.
  sched::Scheduler scheduler(*db, clock, log, hub, {},
                             [](const config::Function&) { return nullptr; });
  asio::thread_pool pool(1);
  ingest::IngestHandler handler({*db, scheduler, hub, clock, log, pool, "http://admin", {}}, *cfg);
  http::ConnInfo conn;
  conn.remote_addr = "127.0.0.1";
  asio::io_context ioc;
  int accepted = 0;
  for (auto _ : state) {
    for (int i = 0; i < outstanding; ++i) {
      asio::co_spawn(
          ioc,
          [&]() -> asio::awaitable<void> {
            http::Request req{boost::beast::http::verb::post, "/tg", 11};
            req.set(boost::beast::http::field::host, "127.0.0.1");
            req.set(boost::beast::http::field::content_type, "application/json");
            req.body() = TelegramUpdate();
            req.prepare_payload();
            http::Response res = co_await handler(req, conn);
            if (res.result_int() == 202) accepted++;
          },
          asio::detached);
    }
    ioc.run();
    ioc.restart();
  }
  if (accepted != state.iterations() * outstanding) state.SkipWithError("a request was not 202");
  state.SetItemsProcessed(state.iterations() * outstanding);
  pool.join();
}
BENCHMARK(BM_IngestHandler)->ArgName("outstanding")->Arg(1)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace longhaul::bench

BENCHMARK_MAIN();
