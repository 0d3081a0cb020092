// AdminHandler: the admin/status API on its own listener (default 127.0.0.1:8081).
//   GET  /healthz                      200 {"status":"ok"} | 503 when the store cannot write,
//                                      or the server is stopping (SIGTERM: the API answers
//                                      until running work has had its grace)
//   GET  /jobs?function=&state=&limit=&cursor=
//   GET  /jobs/{id}                    state, attempts, timestamps, result, error, output tails
//   GET  /jobs/{id}/result[?wait=30s]  the stored response (long-polls with wait)
//   POST /jobs/{id}/retry              terminal job -> queued again
//   POST /jobs/{id}/cancel             stops it (kills a running attempt)
//   GET  /routes                       each route with pending count, last delivery and last
//                                      error (Telegram's getWebhookInfo, for every sender)
//   POST /2015-03-31/functions/{name}/invocations   Lambda's Invoke API (admin/invoke_api.h)
// With server.admin_token set, every call needs "Authorization: Bearer <token>".
// Thread-safety: as IngestHandler.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "ingest/ingest_handler.h"

namespace longhaul::admin {

class AdminHandler {
 public:
  AdminHandler(ingest::IngestDeps deps, std::shared_ptr<const config::Config> config);

  boost::asio::awaitable<http::Response> operator()(http::Request& req, const http::ConnInfo& conn);
  void SetConfig(std::shared_ptr<const config::Config> config) { config_.store(std::move(config)); }

  // For the admin listener's http::ServerLimits::body_too_large: an Invoke call whose body is
  // over the listener's `body_limit` (server.body_limit), which the server refuses unread, gets
  // Lambda's 413 RequestTooLargeException as Invoke answers a body over Lambda's own limits, so
  // AWS SDKs see a Lambda error. nullopt for any other request (the generic 413).
  static std::optional<http::Response> BodyTooLarge(const http::RequestHeader& head,
                                                    uint64_t body_limit);

 private:
  // How long a read of `id` waits for its outcome's record (Scheduler::AnsweredUnrecorded).
  base::Duration SettleTime(const std::string& id) const;
  // Returns once `id`'s outcome is recorded, if its answer was told before (else at once).
  boost::asio::awaitable<void> AwaitRecord(const std::string& id);
  // The same for every job whose answer is out and whose outcome is not recorded yet: a list
  // or a count read after it shows no job older than its caller saw it.
  boost::asio::awaitable<void> AwaitAnsweredRecords();
  boost::asio::awaitable<http::Response> GetJob(const std::string& id);
  boost::asio::awaitable<http::Response> GetResult(const std::string& id, std::string_view query,
                                                   http::PeerWatch* peer);
  boost::asio::awaitable<http::Response> ListJobs(std::string_view query);
  boost::asio::awaitable<http::Response> ListRoutes();
  boost::asio::awaitable<http::Response> Retry(const std::string& id);
  boost::asio::awaitable<http::Response> Cancel(const std::string& id);
  boost::asio::awaitable<http::Response> Invoke(const std::string& name, std::string_view query,
                                                http::Request& req, const http::ConnInfo& conn,
                                                bool token_checked);

  ingest::IngestDeps deps_;
  std::atomic<std::shared_ptr<const config::Config>> config_;
};

}  // namespace longhaul::admin
