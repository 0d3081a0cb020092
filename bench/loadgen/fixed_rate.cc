// fixed_rate: an open-loop HTTP/1.1 load generator for bench/run.sh.
//
// Request i is due at start + i/rate. Keep-alive connections (one request in flight each) take
// the next due request as soon as they are free and wait until it is due; its latency runs from
// the time it was DUE, not from when a connection got round to sending it, so a stalled server
// is charged for the requests it held up (no coordinated omission; wrk2's method).
// With --rate and --duration, all rate*duration requests are sent even when the server falls
// behind (their latency then grows); requests not started by 3*duration+5s are counted as
// `missed` (and as errors).
// With --rate 0 it runs closed-loop instead (each connection sends the next request as soon as
// the previous one is answered; latency from the send), e.g. to fill a queue or to send a fixed
// number of sequential requests under callgrind.
//
// Prints one line of key=value pairs on stdout, for scripts:
//   fixed_rate requests=N ok=N errors=N missed=N elapsed_s=F achieved_rps=F p50_us=F p90_us=F
//   p99_us=F p999_us=F max_us=F
// `ok` counts 2xx answers; `errors` non-2xx answers plus connection failures. Exit status 0 when
// every request got a 2xx answer, 1 otherwise, 2 on bad flags.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// What all connections of all threads share: which request is next and when it is due.
struct Plan {
  std::atomic<uint64_t> next{0};
  uint64_t total = kUnlimited;                // requests to send
  uint64_t warmup = 0;                        // the first `warmup` requests are not measured
  Clock::time_point start;                    // request i is due at start + i * interval
  std::chrono::nanoseconds interval{0};       // 0: closed loop
  std::optional<Clock::time_point> deadline;  // no request is started after it
  std::chrono::nanoseconds timeout{std::chrono::seconds(30)};  // per request
};

struct Tally {
  std::vector<uint64_t> latency_ns;  // measured requests only
  uint64_t ok = 0;
  uint64_t errors = 0;
  uint64_t sent = 0;
};

asio::awaitable<void> Connection(Plan& plan, const tcp::resolver::results_type& endpoints,
                                 const std::string& request, Tally& tally) {
  auto ex = co_await asio::this_coro::executor;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  asio::steady_timer timer(ex);
  for (;;) {
    const uint64_t i = plan.next.fetch_add(1);
    if (i >= plan.total) break;
    Clock::time_point due = Clock::now();
    if (plan.interval.count() > 0) {
      due = plan.start + plan.interval * static_cast<int64_t>(i);
      if (Clock::now() < due) {
        timer.expires_at(due);
        co_await timer.async_wait(kTuple);
      }
    }
    if (plan.deadline && Clock::now() >= *plan.deadline) break;
    ++tally.sent;
    if (!stream) {
      stream.emplace(ex);
      stream->expires_after(plan.timeout);
      auto [cec, ep] = co_await stream->async_connect(endpoints, kTuple);
      if (cec) {
        ++tally.errors;
        stream.reset();
        continue;
      }
      boost::system::error_code ignored;
      stream->socket().set_option(tcp::no_delay(true), ignored);
      buffer.clear();
    }
    stream->expires_after(plan.timeout);
    auto [wec, wn] = co_await asio::async_write(*stream, asio::buffer(request), kTuple);
    bh::response<bh::string_body> res;
    beast::error_code rec;
    if (!wec) {
      auto [ec, rn] = co_await bh::async_read(*stream, buffer, res, kTuple);
      rec = ec;
    }
    if (wec || rec) {
      ++tally.errors;
      stream.reset();
      continue;
    }
    const auto took = Clock::now() - due;
    if (i >= plan.warmup) {
      tally.latency_ns.push_back(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()));
    }
    const unsigned status = res.result_int();
    if (status >= 200 && status < 300) {
      ++tally.ok;
    } else {
      ++tally.errors;
    }
    if (!res.keep_alive()) stream.reset();
  }
  if (stream) {
    boost::system::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
}

double PercentileUs(const std::vector<uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fixed_rate: open-loop HTTP load at a fixed request rate"};
  std::string url;
  std::string method = "POST";
  double rate = 1000;
  double duration_s = 0;
  uint64_t requests = 0;
  uint64_t warmup = 0;
  int connections = 8;
  int threads = 1;
  double timeout_s = 30;
  std::string body_file;
  std::string content_type = "application/json";
  std::vector<std::string> headers;
  app.add_option("--url", url, "http://host:port/path")->required();
  app.add_option("--method", method, "request method")->capture_default_str();
  app.add_option("--rate", rate, "requests per second; 0 = closed loop")->capture_default_str();
  app.add_option("--duration", duration_s, "seconds to run (with --rate: rate*duration requests)");
  app.add_option("--requests", requests, "requests to send (instead of or with --duration)");
  app.add_option("--warmup", warmup, "first N requests are sent but not measured");
  app.add_option("--connections", connections, "keep-alive connections")->capture_default_str();
  app.add_option("--threads", threads, "threads, each with connections/threads connections")
      ->capture_default_str();
  app.add_option("--timeout", timeout_s, "seconds per request")->capture_default_str();
  app.add_option("--body-file", body_file, "request body (default: empty)");
  app.add_option("--content-type", content_type)->capture_default_str();
  app.add_option("-H,--header", headers, "extra header 'Name: value' (repeatable)");
  CLI11_PARSE(app, argc, argv);

  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http") {
    std::fprintf(stderr, "fixed_rate: --url must be http://host:port/path\n");
    return 2;
  }
  if (requests == 0 && duration_s <= 0) {
    std::fprintf(stderr, "fixed_rate: give --requests or --duration\n");
    return 2;
  }
  if (rate < 0 || connections < 1 || threads < 1 || threads > connections) {
    std::fprintf(stderr, "fixed_rate: need rate >= 0, 1 <= threads <= connections\n");
    return 2;
  }
  const std::string host = parsed->host();
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : "80";
  std::string target(parsed->encoded_target());
  if (target.empty()) target = "/";

  std::string body;
  if (!body_file.empty()) {
    std::ifstream in(body_file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fixed_rate: cannot read %s\n", body_file.c_str());
      return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    body = ss.str();
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: " + host + ":" + port +
                        "\r\nUser-Agent: fixed_rate\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Type: " + content_type +
               "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  for (const auto& h : headers) request += h + "\r\n";
  request += "\r\n" + body;

  Plan plan;
  plan.warmup = warmup;
  plan.timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(timeout_s));
  if (rate > 0) {
    plan.interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / rate));
  }
  if (requests > 0) {
    plan.total = requests;
  } else if (rate > 0) {
    plan.total = static_cast<uint64_t>(rate * duration_s);
  }

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<Tally> tallies(static_cast<size_t>(threads));
  tcp::resolver::results_type endpoints;
  {
    asio::io_context resolve_ctx;
    tcp::resolver resolver(resolve_ctx);
    boost::system::error_code ec;
    endpoints = resolver.resolve(host, port, ec);
    if (ec) {
      std::fprintf(stderr, "fixed_rate: resolve %s: %s\n", host.c_str(), ec.message().c_str());
      return 2;
    }
  }
  plan.start = Clock::now();
  if (duration_s > 0) {
    // Open loop: every scheduled request is sent, late if need be, up to a hard stop.
    const double stop_s = plan.interval.count() > 0 ? 3 * duration_s + 5 : duration_s;
    plan.deadline = plan.start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(stop_s));
  }
  for (int t = 0; t < threads; ++t) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    const int mine = connections / threads + (t < connections % threads ? 1 : 0);
    for (int c = 0; c < mine; ++c) {
      asio::co_spawn(*contexts.back(),
                     Connection(plan, endpoints, request, tallies[static_cast<size_t>(t)]),
                     asio::detached);
    }
  }
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) {
    workers.emplace_back([&contexts, t] { contexts[static_cast<size_t>(t)]->run(); });
  }
  contexts[0]->run();
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - plan.start).count();

  Tally all;
  for (auto& t : tallies) {
    all.ok += t.ok;
    all.errors += t.errors;
    all.sent += t.sent;
    all.latency_ns.insert(all.latency_ns.end(), t.latency_ns.begin(), t.latency_ns.end());
  }
  std::sort(all.latency_ns.begin(), all.latency_ns.end());
  // Only an open loop schedules requests; a closed loop stopped by --duration misses none.
  const uint64_t missed =
      plan.interval.count() > 0 && plan.total > all.sent ? plan.total - all.sent : 0;
  all.errors += missed;
  std::printf(
      "fixed_rate requests=%llu ok=%llu errors=%llu missed=%llu elapsed_s=%.3f achieved_rps=%.1f "
      "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
      static_cast<unsigned long long>(all.sent), static_cast<unsigned long long>(all.ok),
      static_cast<unsigned long long>(all.errors), static_cast<unsigned long long>(missed), elapsed,
      elapsed > 0 ? static_cast<double>(all.ok) / elapsed : 0.0, PercentileUs(all.latency_ns, 50),
      PercentileUs(all.latency_ns, 90), PercentileUs(all.latency_ns, 99),
      PercentileUs(all.latency_ns, 99.9),
      all.latency_ns.empty() ? 0.0 : static_cast<double>(all.latency_ns.back()) / 1000.0);
  return all.errors == 0 && all.ok == all.sent && all.sent > 0 ? 0 : 1;
}
