// One invocation through a runtime process's Lambda Runtime API, without sockets: the runner
// offers it, the runtime takes it with GET /next and answers with POST /response, and the
// runner takes the report. Items/s is invocations per second through the API's handler alone
// (the part of a warm invoke's round trip that is the API's own work).
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

#include "base/clock.h"
#include "lambda/runtime_api.h"

namespace longhaul::bench {
namespace {
namespace asio = boost::asio;
namespace bh = boost::beast::http;

http::Response Call(asio::io_context& ioc, lambda::RuntimeApi& api, http::Request& req) {
  std::future<http::Response> done = asio::co_spawn(ioc, api.Handle(req), asio::use_future);
  ioc.run();
  ioc.restart();
  return done.get();
}

void BM_RuntimeApiRoundTrip(benchmark::State& state) {
  base::SystemClock clock;
  auto api = std::make_shared<lambda::RuntimeApi>(clock, [] {});
  asio::io_context ioc;
  const std::string event = R"({"key":"value","n":1})";
  int answered = 0;
  for (auto _ : state) {
    lambda::Delivery d;
    d.request_id = "01JBENCH" + std::to_string(answered);
    d.deadline = clock.Now() + std::chrono::seconds(30);
    d.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:echo";
    d.trace_id = "Root=1-65920080-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0";
    d.event = event;
    api->Offer(std::move(d));
    http::Request next{bh::verb::get, "/2018-06-01/runtime/invocation/next", 11};
    http::Response delivered = Call(ioc, *api, next);
    http::Request post{bh::verb::post,
                       "/2018-06-01/runtime/invocation/" +
                           std::string(delivered["Lambda-Runtime-Aws-Request-Id"]) + "/response",
                       11};
    post.body() = delivered.body();
    post.prepare_payload();
    http::Response accepted = Call(ioc, *api, post);
    std::optional<lambda::Report> report = api->TakeReport();
    if (delivered.result_int() != 200 || accepted.result_int() != 202 || !report ||
        report->body != event) {
      state.SkipWithError("the invocation did not go through the API");
      break;
    }
    answered++;
  }
  state.SetItemsProcessed(answered);
}
BENCHMARK(BM_RuntimeApiRoundTrip);

}  // namespace
}  // namespace longhaul::bench

BENCHMARK_MAIN();
