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
// Exits 1 when the Runtime API cannot be reached or answers /next with an error (the server
// stops the process or the runtime was replaced): a runtime must not outlive its endpoint.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "http/client.h"

namespace {

namespace json = boost::json;
using longhaul::http::ClientRequest;
using longhaul::http::Fetch;

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

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    std::fprintf(stderr, "bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n");
    return 1;
  }
  const std::string base = "http://" + std::string(api) + "/2018-06-01/runtime";
  for (;;) {
    ClientRequest next;
    next.url = base + "/invocation/next";
    next.timeout = std::chrono::hours(24);  // the Runtime API holds /next until there is work
    auto event = Fetch(next);
    if (!event.ok() || event->status != 200) {
      std::fprintf(
          stderr, "bootstrap: /next failed: %s\n",
          event.ok() ? std::to_string(event->status).c_str() : event.status().ToString().c_str());
      return 1;
    }
    std::string request_id = event->Header("Lambda-Runtime-Aws-Request-Id");
    std::printf("echo %s\n", request_id.c_str());
    std::fflush(stdout);

    ClientRequest post;
    post.method = "POST";
    post.url = base + "/invocation/" + request_id + "/response";
    post.headers = {{"Content-Type", "application/json"}};
    post.body = EchoBody(request_id, event->body);
    auto posted = Fetch(post);
    if (!posted.ok() || posted->status != 202) {
      std::fprintf(stderr, "bootstrap: posting the response failed: %s\n",
                   posted.ok() ? posted->body.c_str() : posted.status().ToString().c_str());
    }
  }
}
