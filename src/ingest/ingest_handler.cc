#include "ingest/ingest_handler.h"

#include <functional>
#include <optional>
#include <string_view>

#include "base/ids.h"
#include "http/async.h"
#include "http/error_mapping.h"
#include "http/response_bytes.h"
#include "ingest/job_wait.h"
#include "ingest/keys.h"
#include "ingest/prefer.h"
#include "ingest/responses.h"
#include "ingest/submit.h"
#include "lambda/apigw.h"
#include "runtime/process/environment.h"
#include "webhook/verify.h"

namespace longhaul::ingest {
namespace asio = boost::asio;
namespace bh = boost::beast::http;

store::Request ToStoreRequest(http::Request& req, const http::ConnInfo& conn) {
  store::Request out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.headers.reserve(16);
  for (const auto& field : req) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.remote_addr = conn.remote_addr;
  out.body = std::move(req.body());  // the request is not used after this
  return out;
}

std::string RouteKey(const config::Route& route) { return route.method + " " + route.path; }

namespace {

// The 405 (another method takes the path) or 404 for a request `match` found no route for.
http::Response NoRoute(const std::string& method, const std::string& path,
                       const RouteMatch& match) {
  if (!match.allowed.empty()) {
    http::Response res =
        http::ErrorResponse(405, base::Code::kInvalidArgument,
                            "method " + method + " is not allowed here; allowed: " + match.allowed);
    res.set(bh::field::allow, match.allowed);
    return res;
  }
  const bool encoded_slash =
      path.find("%2F") != std::string::npos || path.find("%2f") != std::string::npos;
  const bool encoded_nul = path.find("%00") != std::string::npos;
  return http::ErrorResponse(
      404, base::Code::kNotFound,
      "no route for " + path +
          (encoded_slash ? " (a {param} never matches an encoded slash, %2F: use {name+}, "
                           "which takes the rest of the path)"
           : encoded_nul ? " (a path parameter never holds a NUL byte, %00)"
                         : ""));
}

// A caller on the route waits for its job's outcome (sched::Scheduler::CallerWaits): counted
// from before the append, as long as it waits, and once it has the outcome until the outcome
// is recorded (the scheduler lets it go then).
class WaitingCaller {
 public:
  WaitingCaller(sched::Scheduler& scheduler, std::string job_id)
      : scheduler_(scheduler), job_id_(std::move(job_id)) {
    scheduler_.CallerWaits(job_id_);
  }
  ~WaitingCaller() {
    if (!answered_) scheduler_.CallerGone(job_id_);
  }
  WaitingCaller(const WaitingCaller&) = delete;
  WaitingCaller& operator=(const WaitingCaller&) = delete;
  void Answered() { answered_ = true; }

 private:
  sched::Scheduler& scheduler_;
  const std::string job_id_;
  bool answered_ = false;
};

}  // namespace

store::NewJob NewJobFor(const config::Function& fn, std::string route, store::Request request,
                        base::TimePoint now) {
  store::NewJob job;
  job.id = base::NewJobId(now);
  job.function = fn.name;
  job.route = std::move(route);
  job.max_attempts = fn.retries + 1;
  job.created_at = now;
  job.expires_at = now + fn.max_event_age;
  job.request = std::move(request);
  return job;
}

IngestHandler::IngestHandler(IngestDeps deps, std::shared_ptr<const config::Config> config)
    : deps_(std::move(deps)) {
  SetConfig(std::move(config));
}

std::optional<http::Response> IngestHandler::Unrouted(const http::RequestHeader& header) const {
  std::string method(header.method_string());
  std::string_view target = header.target();
  std::string path(target.substr(0, target.find('?')));
  RouteMatch match = snapshot_.load()->table.Match(method, path);
  if (match.route != nullptr) return std::nullopt;
  return NoRoute(method, path, match);
}

void IngestHandler::SetConfig(std::shared_ptr<const config::Config> config) {
  snapshot_.store(std::make_shared<const Snapshot>(std::move(config)));
}

asio::awaitable<http::Response> IngestHandler::operator()(http::Request& req,
                                                          const http::ConnInfo& conn) {
  std::shared_ptr<const Snapshot> snap = snapshot_.load();
  store::Request sreq = ToStoreRequest(req, conn);
  RouteMatch match = snap->table.Match(sreq.method, sreq.path);
  if (match.route == nullptr) co_return NoRoute(sreq.method, sreq.path, match);
  const config::Route& route = *match.route;
  sreq.path_params = std::move(match.params);

  if (deps_.verify) {
    auto v = deps_.verify(route, sreq);
    if (!v.ok()) {
      if (uint64_t held = 0; rejected_log_.Allow(&held)) {
        deps_.log.Warn("ingest.rejected",
                       {{"path", sreq.path},
                        {"remote", sreq.remote_addr},
                        {"reason", v.status().message()},
                        {"rejected_since_last", std::to_string(held + 1), true}});
      }
      http::Response refused = http::ErrorResponse(v.status());
      if (deps_.rejections != nullptr) {
        deps_.rejections->Record(
            RouteKey(route), deps_.clock.Now(),
            "refused with " + std::to_string(refused.result_int()) + ": " + v.status().message());
      }
      co_return refused;
    }
    webhook::DropSecretHeaders(route, sreq);
    if (v->has_value()) {
      const store::Response& answer = **v;
      http::Response res{static_cast<bh::status>(answer.status), 11};
      for (const auto& [k, val] : answer.headers) res.insert(k, val);
      res.body() = answer.body;
      http::PreparePayload(res);
      co_return res;
    }
  }

  const config::Function* fn = snap->config->FindFunction(route.function);
  if (fn == nullptr) {
    co_return http::ErrorResponse(base::Internal("route names an unknown function"));
  }
  // A command gets each query parameter in its environment (LONGHAUL_QUERY_<NAME>), which
  // cannot hold a NUL: such a job could never run, so it is not acknowledged either.
  if (fn->kind == config::RuntimeKind::kCommand && fn->command.refuse_nul_query &&
      sreq.query.find("%00") != std::string::npos) {
    for (const auto& [name, value] : runtime::process::DecodeQuery(sreq.query)) {
      if (value.find('\0') != std::string::npos) {
        co_return http::ErrorResponse(base::InvalidArgument(
            "query parameter '" + name +
            "' holds a NUL byte (%00), which a command's environment cannot carry"));
      }
    }
  }

  KeyExtractor keys(sreq);
  auto idem = keys.Extract(route.idempotency, "idempotency key");
  if (!idem.ok()) co_return http::ErrorResponse(idem.status());
  auto order = keys.Extract(route.ordering, "ordering key");
  if (!order.ok()) co_return http::ErrorResponse(order.status());

  // RFC 7240 allows several Prefer fields: they read as one, joined with commas.
  std::string prefer_fields;
  for (auto [it, end] = req.equal_range(bh::field::prefer); it != end; ++it) {
    if (!prefer_fields.empty()) prefer_fields += ", ";
    prefer_fields += it->value();
  }
  Preferences prefer = ParsePrefer(prefer_fields);

  config::AckMode mode = route.ack;
  base::Duration wait = route.wait;
  if (prefer.respond_async) {
    mode = config::AckMode::kAsync;
  } else if (prefer.wait) {
    mode = config::AckMode::kAuto;
    wait = std::min<base::Duration>(*prefer.wait, std::chrono::minutes(15));
  }

  store::NewJob job = NewJobFor(*fn, RouteKey(route), std::move(sreq), deps_.clock.Now());
  // A Lambda function gets the request as an API Gateway event, which Lambda takes up to 6 MB
  // (a binary body grows by a third as base64): a larger one could never be invoked, so it is
  // not acknowledged either.
  if (fn->kind == config::RuntimeKind::kLambda) {
    lambda::HttpApiContext ctx;
    ctx.route_key = job.route;
    ctx.request_id = job.id;
    ctx.time = job.created_at;
    if (size_t size = lambda::HttpApiEventSizeOverLimit(job.request, ctx); size > 0) {
      co_return http::ErrorResponse(413, base::Code::kInvalidArgument,
                                    "the request would reach function " + fn->name +
                                        " as an event of " + std::to_string(size) +
                                        " bytes, over Lambda's limit of " +
                                        std::to_string(lambda::kMaxEventBytes) + " bytes");
    }
  }
  // API Gateway invokes a Lambda function synchronously, once: its caller gets the error, and
  // a handler that charged a card is not run again behind it.
  if (fn->kind == config::RuntimeKind::kLambda && route.ack == config::AckMode::kSync) {
    job.max_attempts = 1;
  }
  job.idempotency_key = std::move(*idem);
  job.idempotency_window = route.idempotency_window;
  job.ordering_key = std::move(*order);
  // Subscribed before the job exists: no first read. The response needs no logs, so it may go
  // out as soon as the function answers.
  std::optional<JobWatch> watch;
  std::optional<WaitingCaller> caller;  // until it has the outcome or stops waiting for it
  if (mode != config::AckMode::kAsync) {
    watch.emplace(deps_.hub, job.id, true);
    caller.emplace(deps_.scheduler, job.id);
  }
  // A caller who waits and repeats a key gets the first job's result: only when it sends the
  // same request (a sender's redelivery), not another one with a guessed key.
  const size_t body_digest = std::hash<std::string_view>{}(job.request.body);

  auto appended = co_await Submit(deps_, snap->config, *fn, job, watch.has_value());
  if (!appended.ok()) {
    // Our own failure (disk, full queue): the sender must retry; never a 2xx, never a 4xx.
    base::Status s = appended.status();
    LogStoreFailed(s);
    http::Response res =
        http::ErrorResponse(503, s.code(), "cannot store the request now: " + s.message());
    co_return res;
  }
  const std::string& id = appended->job_id;
  std::string status_url = deps_.status_base + "/jobs/" + id;

  // On an async route Prefer: wait shows a caller its own job's outcome, never a duplicate's
  // (another sender's job: its result is not this caller's to read).
  if (mode == config::AckMode::kAsync ||
      (appended->duplicate && route.ack == config::AckMode::kAsync)) {
    http::Response res = AcceptedResponse(&route, id, status_url, appended->duplicate);
    if (prefer.respond_async) res.set("Preference-Applied", "respond-async");
    co_return res;
  }

  if (appended->duplicate) {
    auto first = co_await http::Offload(deps_.pool, [this, &id] { return deps_.store.Get(id); });
    if (!first.ok()) co_return http::ErrorResponse(first.status());
    if (std::hash<std::string_view>{}(first->request.body) != body_digest) {
      co_return http::ErrorResponse(
          409, base::Code::kAlreadyExists,
          "the idempotency key was used by another request (a different body): its result is not "
          "this one's");
    }
  }
  // A duplicate is an older job: the watch is for the one that was not stored.
  JobWatch* fresh = watch && !appended->duplicate ? &*watch : nullptr;
  auto done = co_await WaitForJob({deps_.store, deps_.hub, deps_.pool, conn.peer}, id, wait, fresh);
  if (!done.ok()) co_return http::ErrorResponse(done.status());
  if (store::IsTerminal(done->state)) {
    // An answer told before its record: the outcome's follow-up is still to be decided, with
    // this caller counted (a recorded one, or one cancelled in the queue, counts no more).
    if (caller && !appended->duplicate && deps_.scheduler.AnsweredUnrecorded(id)) {
      caller->Answered();
    }
    http::Response res = OutcomeResponse(*done, status_url, *snap->config,
                                         req.method() == boost::beast::http::verb::head,
                                         /*to_sender=*/true);
    if (appended->duplicate) res.set("X-Longhaul-Duplicate", "true");
    co_return res;
  }
  // Not done in time, or the client closed its side of the connection (it hung up, or
  // half-closed it and still reads): acknowledge as an async route does (the route's
  // ack_status and ack_body too); the work goes on.
  if (mode == config::AckMode::kAuto || (conn.peer != nullptr && conn.peer->gone())) {
    co_return AcceptedResponse(&route, id, status_url, appended->duplicate);
  }
  // A job retrying says why its last attempt failed (the caller would otherwise wait out
  // the whole wait to learn nothing of the upstream's 500).
  std::string where =
      done->state == store::JobState::kRunning
          ? "it keeps running: "
          : "it is " + std::string(store::ToString(done->state)) + " and runs later";
  if (done->state == store::JobState::kRetrying && !done->last_error.empty()) {
    where += " (attempt " + std::to_string(done->attempts) + " of " +
             std::to_string(done->max_attempts) + " failed: " + done->last_error + ")";
  }
  if (done->state != store::JobState::kRunning) where += ": ";
  http::Response res =
      deps_.hub.closed()
          ? http::ErrorResponse(503, base::Code::kUnavailable,
                                "the server is stopping before the job finished; it is stored "
                                "and runs after the restart: " +
                                    status_url)
          : http::ErrorResponse(504, base::Code::kDeadlineExceeded,
                                "the job did not finish within " + std::to_string(wait.count()) +
                                    " ms; " + where + status_url);
  res.set("X-Longhaul-Job-Id", id);
  res.set(bh::field::location, status_url);
  co_return res;
}

void IngestHandler::LogStoreFailed(const base::Status& s) {
  uint64_t held = 0;
  if (!store_failed_log_.Allow(base::ToUnixMs(deps_.clock.Now()), &held)) return;
  deps_.log.Error("ingest.store_failed", {{"error", s.ToString()},
                                          {"refused_since_last", std::to_string(held + 1), true}});
}

}  // namespace longhaul::ingest
