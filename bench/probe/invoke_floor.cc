// invoke_floor [DIR]: the least any server can do for a warm synchronous Lambda invoke on this
// machine. It relays each invoke to a runtime and its answer back, and does nothing else: one
// thread, blocking sockets, the same HTTP library as longhaul (Beast), no queue, no log, no
// hand-off between threads.
//
// With DIR it also records each invoke as longhaul does, in a SqliteStore in DIR: before the
// event goes to the runtime it queues the job's append (running, leased, not waiting for a sync
// of its own), and after the caller has its answer a second thread records the outcome. That is
// the floor for a server that keeps a record of every invoke.
//
// It listens on two loopback ports and prints "runtime_port=N invoke_port=N" on stdout. Start a
// runtime with AWS_LAMBDA_RUNTIME_API=127.0.0.1:<runtime_port>, then POST events to
// http://127.0.0.1:<invoke_port>/ with one keep-alive connection at a time (the bench's caller).
// For each invoke it answers the runtime's waiting GET .../invocation/next with the event, reads
// its POST .../invocation/{id}/response, answers the caller with that body and the runtime with
// 202. A caller that closes its connection is replaced by the next one to connect. Runs until
// killed or until the runtime goes away.
//
// The same caller and the same runtime timed through this relay and through longhaul give the
// time longhaul adds per invoke (bench/run.sh puts both in RESULTS.md). A failed record is
// reported on stderr as "invoke_floor: ..." (bench/run.sh then stops).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// One accepted keep-alive connection and its read buffer.
struct Peer {
  explicit Peer(asio::io_context& ioc) : socket(ioc) {}
  tcp::socket socket;
  boost::beast::flat_buffer buffer;

  bool Read(http::request<http::string_body>& request) {
    request = {};
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    return !ec;
  }
  bool Write(http::response<http::string_body>& response) {
    response.prepare_payload();
    boost::system::error_code ec;
    http::write(socket, response, ec);
    return !ec;
  }
};

// With DIR: the store, and a thread that records outcomes off the caller's path.
class Recorder {
 public:
  static std::unique_ptr<Recorder> Open(const std::string& dir) {
    auto recorder = std::unique_ptr<Recorder>(new Recorder);
    longhaul::store::sqlite::SqliteOptions options;
    options.path = dir + "/invoke_floor.db";
    options.clock = &recorder->clock_;
    auto opened = longhaul::store::sqlite::SqliteStore::Open(options);
    if (!opened.ok()) {
      std::fprintf(stderr, "invoke_floor: %s\n", opened.status().ToString().c_str());
      return nullptr;
    }
    recorder->store_ = std::move(*opened);
    std::thread([r = recorder.get()] { r->Loop(); }).detach();
    return recorder;
  }

  // Queues the job's record, as a direct run: running at once, leased to this relay.
  std::string Begin(const std::string& event) {
    longhaul::store::NewJob job;
    job.created_at = clock_.Now();
    job.id = longhaul::base::NewJobId(job.created_at);
    job.function = "floor";
    job.route = "invoke";
    job.max_attempts = 1;
    job.acknowledged = false;
    job.claimed_by = "floor";
    job.claim_lease = std::chrono::minutes(15);
    job.request.method = "POST";
    job.request.path = "/invoke";
    job.request.body = event;
    std::string id = job.id;
    store_->Append(std::move(job), [](longhaul::base::Result<longhaul::store::AppendResult> r) {
      if (!r.ok()) {
        std::fprintf(stderr, "invoke_floor: append: %s\n", r.status().ToString().c_str());
      }
    });
    return id;
  }

  // Hands the outcome to the recording thread.
  void Finish(const std::string& job_id, const std::string& answer) {
    longhaul::store::Completion c;
    c.job_id = job_id;
    c.owner = "floor";
    c.result = longhaul::store::Response{200, {}, answer};
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

 private:
  Recorder() = default;

  void Loop() {
    for (;;) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !pending_.empty(); });
      longhaul::store::Completion c = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      c.now = clock_.Now();
      if (auto status = store_->Complete(c); !status.ok()) {
        std::fprintf(stderr, "invoke_floor: outcome: %s\n", status.ToString().c_str());
      }
    }
  }

  longhaul::base::SystemClock clock_;
  std::unique_ptr<longhaul::store::sqlite::SqliteStore> store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<longhaul::store::Completion> pending_;
};

http::response<http::string_body> Answer(http::status status, std::string body) {
  http::response<http::string_body> response{status, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

}  // namespace

int main(int argc, char** argv) {
  Recorder* recorder = nullptr;  // with DIR; lives, with its thread, until the process exits
  if (argc > 1) {
    recorder = Recorder::Open(argv[1]).release();
    if (recorder == nullptr) return 1;
  }
  asio::io_context ioc;
  const tcp::endpoint loopback(asio::ip::make_address("127.0.0.1"), 0);
  tcp::acceptor runtime_listener(ioc, loopback);
  tcp::acceptor invoke_listener(ioc, loopback);
  std::printf("runtime_port=%u invoke_port=%u\n", runtime_listener.local_endpoint().port(),
              invoke_listener.local_endpoint().port());
  std::fflush(stdout);

  Peer runtime(ioc);
  runtime_listener.accept(runtime.socket);
  http::request<http::string_body> from_runtime;
  if (!runtime.Read(from_runtime)) return 1;  // its first GET .../invocation/next

  Peer caller(ioc);
  invoke_listener.accept(caller.socket);
  http::request<http::string_body> invoke;
  for (unsigned long long id = 1;; ++id) {
    while (!caller.Read(invoke)) {  // the caller closed: take the next one
      caller.socket.close();
      caller.buffer.clear();
      invoke_listener.accept(caller.socket);
    }
    const std::string request_id =
        recorder ? recorder->Begin(invoke.body()) : "floor-" + std::to_string(id);
    auto event = Answer(http::status::ok, std::move(invoke.body()));
    event.set("Lambda-Runtime-Aws-Request-Id", request_id);
    event.set("Lambda-Runtime-Deadline-Ms", "4102444800000");
    event.set("Lambda-Runtime-Invoked-Function-Arn",
              "arn:aws:lambda:us-east-1:000000000000:function:floor");
    event.set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
    if (!runtime.Write(event) || !runtime.Read(from_runtime)) return 1;  // .../response
    auto result = Answer(http::status::ok, std::move(from_runtime.body()));
    caller.Write(result);  // a caller gone meanwhile is replaced at its next read
    if (recorder) recorder->Finish(request_id, result.body());
    auto accepted = Answer(http::status::accepted, R"({"status":"OK"})");
    if (!runtime.Write(accepted) || !runtime.Read(from_runtime)) return 1;  // the next /next
  }
}
