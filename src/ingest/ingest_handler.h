// IngestHandler: the public listener's request handler (the hot path).
//   route -> verify sender -> extract keys -> store.Append (group commit) -> acknowledge,
// and for sync/auto routes (or Prefer: wait=N) wait for the outcome.
// A 2xx is returned only after the job's transaction has committed and synced; a store that
// cannot write gets 503 with Retry-After.
// Thread-safety: operator() runs concurrently on many strands; SetConfig() from any thread.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"
#include "http/types.h"
#include "ingest/rejections.h"
#include "ingest/route_table.h"
#include "sched/completion_hub.h"
#include "sched/scheduler.h"
#include "store/store.h"

namespace longhaul::ingest {

// Checks that a request really comes from the route's sender (webhook/verify.h). OK with
// nullopt: store and run it. OK with a response: answer with it and store nothing (a GitHub
// ping, a Slack url_verification). An error (kUnauthenticated -> 401) rejects it.
using Verifier = std::function<base::Result<std::optional<store::Response>>(const config::Route&,
                                                                            const store::Request&)>;

struct IngestDeps {
  store::Store& store;
  sched::Scheduler& scheduler;
  sched::CompletionHub& hub;
  const base::Clock& clock;
  base::Logger& log;
  boost::asio::thread_pool& pool;  // store reads while waiting for outcomes
  std::string status_base;         // "http://127.0.0.1:8081": status_url = base + "/jobs/" + id
  Verifier verify;                 // may be empty
  RouteRejections* rejections = nullptr;  // where refused requests are noted; may be null
};

class IngestHandler {
 public:
  IngestHandler(IngestDeps deps, std::shared_ptr<const config::Config> config);

  boost::asio::awaitable<http::Response> operator()(http::Request& req, const http::ConnInfo& conn);
  void SetConfig(std::shared_ptr<const config::Config> config);
  // The 404 or 405 this handler answers a request with when no route takes its method and
  // path, known from its header alone (http::ServerLimits::answer_before_body); else nullopt.
  std::optional<http::Response> Unrouted(const http::RequestHeader& header) const;

 private:
  struct Snapshot {
    std::shared_ptr<const config::Config> config;
    RouteTable table;
    explicit Snapshot(std::shared_ptr<const config::Config> c)
        : config(std::move(c)), table(config->routes) {}
  };

  // Logs ingest.store_failed at most once a second (with how many were refused since): a
  // failed store refuses every request, and a full disk is no place for a line per request.
  void LogStoreFailed(const base::Status& s);

  IngestDeps deps_;
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  base::LogThrottle store_failed_log_;
  base::LogThrottle rejected_log_;  // requests refused for their signature (anyone can send them)
};

// The route's key in the job log (NewJob::route): "POST /telegram".
std::string RouteKey(const config::Route& route);

// A job for `fn` with its retry and age limits; keys are left empty.
store::NewJob NewJobFor(const config::Function& fn, std::string route, store::Request request,
                        base::TimePoint now);

// The stored form of an HTTP request; takes the body out of `req`.
store::Request ToStoreRequest(http::Request& req, const http::ConnInfo& conn);

}  // namespace longhaul::ingest
