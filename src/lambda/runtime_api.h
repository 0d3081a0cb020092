// RuntimeApi: the Lambda Runtime API (version 2018-06-01) of one runtime process, served on that
// process's own loopback endpoint (AWS_LAMBDA_RUNTIME_API). Shaped after the reference
// (/work/shared/reference/lambda-contract.md §3) and the runtime interface emulator:
//   GET  /2018-06-01/runtime/invocation/next          200, the event, Lambda-Runtime-* headers;
//                                                      held open until an invocation is offered
//   POST /2018-06-01/runtime/invocation/{id}/response 202 {"status":"OK"}
//   POST /2018-06-01/runtime/invocation/{id}/error    202 {"status":"OK"}
//   POST /2018-06-01/runtime/init/error               202 {"status":"OK"}
// Errors, as {"errorMessage", "errorType"}: 400 InvalidRequestID ("Invalid request ID": not the
// invocation in flight, or already answered); 403 InvalidStateTransition (a response before the
// first /next, an init error after it); 413 RequestEntityTooLarge (a body over
// kMaxPayloadBytes); 400 InvalidFunctionResponseMode; 500 InternalServerError once the process
// is being stopped (the runtime should exit); 404 for any other path.
//
// One invocation at a time (classic Lambda): the runner offers one, the runtime takes it with
// /next and answers it with /response or /error; a Report carries that answer to the runner.
//
// Thread-safety: all methods may be called from any thread. The HTTP handler runs on the
// connection strands of the server's io_context; a waiting /next is a coroutine suspended on a
// timer (it never blocks a thread), woken by Offer() and Close() through its strand. The runner
// (a scheduler thread) calls Offer(), TakeReport(), Abandon() and Close().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/mutex.h"
#include "http/types.h"

namespace longhaul::lambda {

// The largest response or error body a runtime may post: 6 MiB + 100 bytes, as the emulator.
inline constexpr uint64_t kMaxPayloadBytes = 6291556;

struct Report;

// One invocation as the runtime receives it from /next.
struct Delivery {
  std::string request_id;    // Lambda-Runtime-Aws-Request-Id
  base::TimePoint deadline;  // until when the runtime may take it (a cold one: init's end)
  // Non-zero: the deadline is this long after the runtime takes the invocation, as in Lambda
  // (neither a cold start's init nor a warm runtime's work after its last response counts).
  base::Duration timeout{0};
  std::string function_arn;      // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;          // Lambda-Runtime-Trace-Id
  std::string client_context;    // Lambda-Runtime-Client-Context (JSON); empty: not sent
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity (JSON); empty: not sent
  std::string event;             // the body
  // Optional: called once with the runtime's answer to this invocation (a response, an error,
  // a response too large), as soon as it is posted: on the endpoint's I/O thread, with the
  // API's lock held (quick, and no calls back into the API). Not called once abandoned.
  std::function<void(const Report& answer)> on_answer;
};

// What the runtime reported. The runner ends the invocation on any report.
struct Report {
  enum class Kind {
    kResponse,   // /response: `body` is the result; the process stays warm
    kError,      // /error: `body` is the error JSON; the process stays warm
    kInitError,  // /init/error: `body` is the error JSON; the process must be replaced
    kTooLarge,   // /response over kMaxPayloadBytes: `body` is Lambda's error JSON; stays warm
  };
  Kind kind = Kind::kResponse;
  std::string body;
  std::string error_type;     // not kResponse: errorType of `body`
  std::string error_message;  // not kResponse: errorMessage of `body` ("" when it has none)
};

// The error JSON for a posted /error or /init/error body: a JSON object is kept (without an
// X-Ray "errorCause") and gets "errorType" from `type_header` (else "Unhandled") when it has
// none; anything else becomes {"errorMessage": body, "errorType": ...}.
Report MakeErrorReport(Report::Kind kind, std::string_view body, std::string_view type_header);

class RuntimeApi : public std::enable_shared_from_this<RuntimeApi> {
 public:
  // `clock` (not owned) must outlive the API; `on_report` is called with the API's lock held
  // whenever a Report becomes available: it must be quick and must not call back into the API.
  RuntimeApi(const base::Clock& clock, std::function<void()> on_report);

  // --- runner side ---
  // Makes `d` the next invocation: a waiting /next answers with it at once, else the next /next
  // does. Replaces an invocation offered earlier and not yet taken.
  void Offer(Delivery d);
  // The report the runtime posted for the current invocation (or for init), once.
  std::optional<Report> TakeReport();
  // Drops the offered or in-flight invocation (the runner gave up on it): posts for it get 400.
  void Abandon();
  // The process is being stopped: waiting and later /next calls get 500, posts get 500.
  void Close();
  // When the runtime first called /next (end of init); nullopt before.
  std::optional<base::TimePoint> initialized_at() const;
  // When the current (or last) invocation was handed to the runtime; nullopt before.
  std::optional<base::TimePoint> delivered_at() const;
  // How many invocations /next has handed out.
  uint64_t deliveries() const;
  // The deadline the current (or last) invocation was handed out with; nullopt before.
  std::optional<base::TimePoint> delivered_deadline() const;

  // --- HTTP side ---
  // The endpoint's handler: routes the request to the calls below.
  // `trailers`: the request's trailer fields (http::ConnInfo::trailers).
  boost::asio::awaitable<http::Response> Handle(http::Request& req, http::Fields trailers = {});
  // The answer to a post whose body is over the endpoint's own limit (its server reads no
  // further: http::ServerLimits::body_too_large): a response that large fails the invocation at
  // once (Function.ResponseSizeTooLarge), as one over Lambda's limit does; an error that large
  // leaves it in flight. Lambda's 413 either way.
  std::optional<http::Response> BodyTooLarge(const http::RequestHeader& head);

  // /next as a plain step: returns the response when an invocation is ready (or the API is
  // closed, or `waiter` was replaced by a newer /next and `recheck` is true); otherwise
  // registers `waiter`, which Offer() and Close() cancel, and returns nullopt.
  std::optional<http::Response> TryNext(const std::shared_ptr<boost::asio::steady_timer>& waiter,
                                        bool recheck);
  // A streamed response (Lambda-Runtime-Function-Response-Mode: streaming) that failed part-way
  // says so in its trailers: Lambda-Runtime-Function-Error-Type and -Error-Body (base64 JSON).
  http::Response PostResponse(std::string_view request_id, const http::Request& req,
                              const http::Fields& trailers = {});
  http::Response PostError(std::string_view request_id, const http::Request& req);
  http::Response PostInitError(const http::Request& req);

 private:
  boost::asio::awaitable<http::Response> Next();
  // Cancels the registered waiter on its own strand.
  void WakeWaiterLocked() LH_REQUIRES(mu_);
  // The 403/400/500 answer for a post about `request_id` in the current state, or nullopt when
  // the post is acceptable.
  std::optional<http::Response> CheckPostLocked(std::string_view request_id, std::string_view to)
      LH_REQUIRES(mu_);
  void ReportLocked(Report r) LH_REQUIRES(mu_);

  const base::Clock& clock_;
  const std::function<void()> on_report_;
  mutable base::Mutex mu_;
  std::optional<Delivery> offered_ LH_GUARDED_BY(mu_);  // waiting for /next
  std::string current_id_ LH_GUARDED_BY(mu_);           // handed out by /next, not answered yet
  std::optional<Report> report_ LH_GUARDED_BY(mu_);
  std::function<void(const Report&)> on_answer_ LH_GUARDED_BY(mu_);       // of the invocation out
  std::shared_ptr<boost::asio::steady_timer> waiter_ LH_GUARDED_BY(mu_);  // the /next waiting
  std::optional<base::TimePoint> initialized_at_ LH_GUARDED_BY(mu_);
  std::optional<base::TimePoint> delivered_at_ LH_GUARDED_BY(mu_);
  std::optional<base::TimePoint> delivered_deadline_ LH_GUARDED_BY(mu_);
  uint64_t deliveries_ LH_GUARDED_BY(mu_) = 0;
  bool init_error_ LH_GUARDED_BY(mu_) = false;
  bool closed_ LH_GUARDED_BY(mu_) = false;
};

}  // namespace longhaul::lambda
