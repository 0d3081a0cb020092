// example_bootstrap: a Lambda custom runtime (the `provided` model, an executable named in
// `bootstrap:`) that echoes each event back. It speaks the Runtime API at
// $AWS_LAMBDA_RUNTIME_API in a loop:
//   GET  /2018-06-01/runtime/invocation/next             -> the event and its request id
//   POST /2018-06-01/runtime/invocation/{id}/response    <- {"pid": 1234, "requestId": "...",
//                                                            "functionName": "...", "event": …}
// "event" is the event itself when it is JSON, else the event as a string. The pid shows which
// runtime process served an invocation (a warm process serves many). For each invocation it
// prints "echo <request id>" on stdout (the invocation's log).
//
// Like the runtime clients AWS ships, it keeps one HTTP/1.1 connection to the Runtime API
// open for all its calls (Boost.Beast, blocking), and connects again when it is closed.
// Exits 1 when the Runtime API cannot be reached or answers /next with an error (the server
// stops the process or the runtime was replaced): a runtime must not outlive its endpoint.
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

std::string EchoBody(const std::string& request_id, const std::string& event) {
  json::object out;
  out["pid"] = static_cast<int64_t>(getpid());
  out["requestId"] = request_id;
  const char* name = std::getenv("AWS_LAMBDA_FUNCTION_NAME");
  out["functionName"] = name != nullptr ? name : "";
  boost::system::error_code ec;
  json::value parsed = json::parse(event, ec);
  if (ec) {
    out["event"] = event;
  } else {
    out["event"] = std::move(parsed);
  }
  return json::serialize(out);
}

// One keep-alive connection to the Runtime API ("host:port").
class RuntimeApi {
 public:
  explicit RuntimeApi(const std::string& host_port) {
    size_t colon = host_port.rfind(':');
    host_ = host_port.substr(0, colon);
    port_ = colon == std::string::npos ? "80" : host_port.substr(colon + 1);
  }

  // The answer, or nullopt after `error` was filled in. Retries once on a fresh connection
  // when a kept connection turns out to be closed.
  std::optional<http::response<http::string_body>> Call(http::verb method,
                                                        const std::string& target,
                                                        const std::string& body,
                                                        std::string* error) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      boost::system::error_code ec;
      if (!socket_.is_open()) {
        tcp::resolver resolver(ioc_);
        auto endpoints = resolver.resolve(host_, port_, ec);
        if (!ec) asio::connect(socket_, endpoints, ec);
        if (ec) {
          *error = "connect " + host_ + ":" + port_ + ": " + ec.message();
          socket_.close();
          return std::nullopt;
        }
      }
      http::request<http::string_body> req{method, target, 11};
      req.set(http::field::host, host_);
      if (method == http::verb::post) req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
      http::write(socket_, req, ec);
      http::response<http::string_body> res;
      if (!ec) http::read(socket_, buffer_, res, ec);
      if (!ec) {
        if (!res.keep_alive()) socket_.close();
        return res;
      }
      *error = ec.message();
      socket_.close();
      buffer_.clear();
    }
    return std::nullopt;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  boost::beast::flat_buffer buffer_;
  std::string host_;
  std::string port_;
};

}  // namespace

int main() {
  const char* api_env = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api_env == nullptr || *api_env == '\0') {
    std::fprintf(stderr, "bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n");
    return 1;
  }
  RuntimeApi api(api_env);
  const std::string base = "/2018-06-01/runtime";
  for (;;) {
    std::string error;
    auto event = api.Call(http::verb::get, base + "/invocation/next", "", &error);
    if (!event || event->result_int() != 200) {
      std::fprintf(stderr, "bootstrap: /next failed: %s\n",
                   event ? std::to_string(event->result_int()).c_str() : error.c_str());
      return 1;
    }
    std::string request_id(event->base()["Lambda-Runtime-Aws-Request-Id"]);
    std::printf("echo %s\n", request_id.c_str());
    std::fflush(stdout);

    auto posted = api.Call(http::verb::post, base + "/invocation/" + request_id + "/response",
                           EchoBody(request_id, event->body()), &error);
    if (!posted || posted->result_int() != 202) {
      std::fprintf(stderr, "bootstrap: posting the response failed: %s\n",
                   posted ? posted->body().c_str() : error.c_str());
    }
  }
}
