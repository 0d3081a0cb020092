// invoke_floor: the least any server can do for a warm synchronous Lambda invoke on this
// machine. It relays each invoke to a runtime and its answer back, and does nothing else: one
// thread, blocking sockets, the same HTTP library as longhaul (Beast), no record, no queue, no
// log, no hand-off between threads.
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
// time longhaul adds per invoke (bench/run.sh puts both in RESULTS.md).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <string>

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

http::response<http::string_body> Answer(http::status status, std::string body) {
  http::response<http::string_body> response{status, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

}  // namespace

int main() {
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
    const std::string request_id = "floor-" + std::to_string(id);
    auto event = Answer(http::status::ok, std::move(invoke.body()));
    event.set("Lambda-Runtime-Aws-Request-Id", request_id);
    event.set("Lambda-Runtime-Deadline-Ms", "4102444800000");
    event.set("Lambda-Runtime-Invoked-Function-Arn",
              "arn:aws:lambda:us-east-1:000000000000:function:floor");
    event.set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
    if (!runtime.Write(event) || !runtime.Read(from_runtime)) return 1;  // .../response
    auto result = Answer(http::status::ok, std::move(from_runtime.body()));
    caller.Write(result);  // a caller gone meanwhile is replaced at its next read
    auto accepted = Answer(http::status::accepted, R"({"status":"OK"})");
    if (!runtime.Write(accepted) || !runtime.Read(from_runtime)) return 1;  // the next /next
  }
}
