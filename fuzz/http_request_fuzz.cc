// Fuzzes the public listener's request path without a socket: raw bytes go through a Beast
// request parser configured exactly as the listener configures its own (http/request_limits.h),
// request after request as on a keep-alive connection, and each parsed request through the pure
// steps of ingest (ingest_handler.cc): ToStoreRequest, RouteTable::Match, sender verification,
// KeyExtractor for the route's keys, ParsePrefer. Seeds are raw HTTP/1.1 (fuzz/corpus/
// http_request/). The store, the scheduler and the runtimes are not involved.
// Besides "no crash": the parser never yields a body over the limit, and key errors are 400s.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "http/request_limits.h"
#include "ingest/ingest_handler.h"
#include "ingest/keys.h"
#include "ingest/prefer.h"
#include "ingest/route_table.h"
#include "webhook/verify.h"

namespace {

namespace bh = boost::beast::http;
namespace config = longhaul::config;
namespace http = longhaul::http;
namespace ingest = longhaul::ingest;

// Routes of every shape: literal, {param}, {proxy+}, one path with several methods, keys from
// JSON pointers, headers and the query, and the sender presets.
constexpr char kConfig[] = R"(server:
  node_id: fuzz
  header_limit: 1KiB
  body_limit: 4KiB
functions:
  f: {runtime: command, command: [/bin/true]}
routes:
  - {path: /telegram, method: POST, function: f, idempotency_key: {json: /update_id, required: true},
     ordering_key: {json: /message/chat/id}}
  - {path: "/hooks/{name}", method: POST, function: f, idempotency_key: {header: X-Request-Id},
     ordering_key: {query: customer}}
  - {path: "/hooks/{name}", method: PUT, function: f}
  - {path: /hooks/special, method: POST, function: f}
  - {path: "/api/{proxy+}", method: ANY, function: f, ack: sync}
  - {path: "/t/{tenant}/items/{id}", function: f, idempotency_key: {query: id, required: true}}
  - {path: /gh, function: f, provider: github, secret: s3cret}
  - {path: /stripe, function: f, provider: stripe, secret: whsec_x}
  - {path: /slack, function: f, provider: slack, secret: x}
  - {path: /std, function: f, provider: standard, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
  - {path: /form, function: f, provider: hmac, secret: k,
     hmac: {header: X-Sig, algorithm: sha1, prefix: "sha1=", encoding: base64}}
)";

constexpr int kMaxRequestsPerConnection = 8;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "http_request_fuzz: property violated: %s\n", what);
    abort();
  }
}

const config::Config& LoadedConfig() {
  static const std::shared_ptr<const config::Config> config = [] {
    auto loaded = config::LoadConfigText(kConfig, "fuzz.yaml",
                                         [](const std::string&) { return std::nullopt; });
    if (!loaded.ok()) fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    Check(loaded.ok(), "the fuzzer's config loads");
    return *loaded;
  }();
  return *config;
}

// What ingest does with a parsed request, short of storing it.
void Ingest(http::Request& req, const config::Config& cfg, const ingest::RouteTable& table) {
  ingest::Preferences prefer;
  if (auto it = req.find(bh::field::prefer); it != req.end()) {
    prefer = ingest::ParsePrefer(it->value());
    Check(!prefer.wait || prefer.wait->count() >= 0, "Prefer: wait is not negative");
  }
  longhaul::store::Request sreq = ingest::ToStoreRequest(req, {"203.0.113.7", 8080});
  ingest::RouteMatch match = table.Match(sreq.method, sreq.path);
  if (match.route == nullptr) return;  // 404 or 405
  const config::Route& route = *match.route;
  sreq.path_params = std::move(match.params);
  longhaul::base::TimePoint now{std::chrono::seconds(1'700'000'000)};
  auto verified = longhaul::webhook::VerifyRequest(route, sreq, now);
  if (!verified.ok() || verified->has_value()) return;  // 401, or an answer such as a ping
  Check(cfg.FindFunction(route.function) != nullptr, "routes name functions");
  ingest::KeyExtractor keys(sreq);
  for (const config::KeySource* source : {&route.idempotency, &route.ordering}) {
    auto key = keys.Extract(*source, "key");
    Check(key.ok() || key.status().code() == longhaul::base::Code::kInvalidArgument,
          "key errors are 400");
  }
  (void)ingest::NewJobFor(*cfg.FindFunction(route.function), ingest::RouteKey(route),
                          std::move(sreq), now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const config::Config& cfg = LoadedConfig();
  static const ingest::RouteTable table(cfg.routes);
  http::ServerLimits limits;  // as app/main.cc builds them from the server section
  limits.header_limit = cfg.server.header_limit;
  limits.body_limit = cfg.server.body_limit;

  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int n = 0; n < kMaxRequestsPerConnection && !rest.empty(); ++n) {
    http::RequestParser parser;
    http::ConfigureParser(parser, limits);
    boost::beast::error_code ec;
    bool header_checked = false;
    while (!parser.is_done() && !rest.empty()) {
      size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec == bh::error::need_more) {
        return 0;  // the server waits for more bytes, then times out (408)
      }
      if (ec) return 0;  // 400, 413 or 431, and the connection is closed
      if (parser.is_header_done() && !header_checked) {
        header_checked = true;
        if (http::AnnouncesBodyOverLimit(parser, limits)) return 0;  // 413
      }
      if (used == 0 && !parser.is_done()) break;
    }
    if (!parser.is_done()) {
      parser.put_eof(ec);  // the client closed its side
      if (ec || !parser.is_done()) return 0;
    }
    http::Request req = parser.release();
    Check(req.body().size() <= limits.body_limit, "bodies stay within body_limit");
    Ingest(req, cfg, table);
  }
  return 0;
}
