#include "lambda/runtime_api.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <utility>
#include <vector>

#include "base/base64.h"
#include "http/browser_guard.h"
#include "lambda/js_json.h"

namespace longhaul::lambda {
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;

namespace {

// A waiting /next re-checks its state this often even when nobody wakes it; the GET itself
// has no deadline (the reference: "Do not set a timeout on the GET request").
constexpr auto kNextRecheck = std::chrono::seconds(30);

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

http::Response ApiError(unsigned status, std::string_view type, std::string_view message) {
  json::object body;
  body["errorMessage"] = message;
  body["errorType"] = type;
  return http::MakeResponse(status, json::serialize(body));
}

http::Response Accepted() { return http::MakeResponse(202, R"({"status":"OK"})"); }

http::Response InternalError() {
  return ApiError(500, "InternalServerError", "Internal Server Error");
}

http::Response InvalidStateTransition(std::string_view from, std::string_view to) {
  return ApiError(403, "InvalidStateTransition",
                  "State transition from " + std::string(from) + " to " + std::string(to) +
                      " failed for runtime. Error: State transition is not allowed");
}

http::Response TooLarge() {
  return ApiError(
      413, "RequestEntityTooLarge",
      "Exceeded maximum allowed payload size (" + std::to_string(kMaxPayloadBytes) + " bytes).");
}

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

Report MakeErrorReport(Report::Kind kind, std::string_view body, std::string_view type_header) {
  Report r;
  r.kind = kind;
  std::string fallback_type = type_header.empty() ? "Unhandled" : std::string(type_header);
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  json::object* obj = ec ? nullptr : v.if_object();
  if (obj == nullptr) {
    json::object wrapped;
    wrapped["errorMessage"] = body;
    wrapped["errorType"] = fallback_type;
    r.body = json::serialize(wrapped);
    r.error_type = fallback_type;
    r.error_message = std::string(body);
    return r;
  }
  obj->erase("errorCause");
  const json::value* type = obj->if_contains("errorType");
  if (type == nullptr || !type->is_string() || type->get_string().empty()) {
    (*obj)["errorType"] = fallback_type;
  }
  r.error_type = std::string(obj->at("errorType").get_string());
  if (const json::value* m = obj->if_contains("errorMessage"); m != nullptr && m->is_string()) {
    r.error_message = std::string(m->get_string());
  }
  r.body = StringifyJson(*obj);
  return r;
}

RuntimeApi::RuntimeApi(const base::Clock& clock, std::function<void()> on_report)
    : clock_(clock), on_report_(std::move(on_report)) {}

void RuntimeApi::Offer(Delivery d) {
  base::MutexLock lock(mu_);
  offered_ = std::move(d);
  report_.reset();
  on_answer_ = nullptr;
  WakeWaiterLocked();
}

std::optional<Report> RuntimeApi::TakeReport() {
  base::MutexLock lock(mu_);
  std::optional<Report> r = std::move(report_);
  report_.reset();
  return r;
}

void RuntimeApi::Abandon() {
  base::MutexLock lock(mu_);
  offered_.reset();
  current_id_.clear();
  on_answer_ = nullptr;
}

void RuntimeApi::Close() {
  base::MutexLock lock(mu_);
  closed_ = true;
  offered_.reset();
  current_id_.clear();
  on_answer_ = nullptr;
  WakeWaiterLocked();
}

std::optional<base::TimePoint> RuntimeApi::initialized_at() const {
  base::MutexLock lock(mu_);
  return initialized_at_;
}

std::optional<base::TimePoint> RuntimeApi::delivered_at() const {
  base::MutexLock lock(mu_);
  return delivered_at_;
}

uint64_t RuntimeApi::deliveries() const {
  base::MutexLock lock(mu_);
  return deliveries_;
}

std::optional<base::TimePoint> RuntimeApi::delivered_deadline() const {
  base::MutexLock lock(mu_);
  return delivered_deadline_;
}

void RuntimeApi::WakeWaiterLocked() {
  if (!waiter_) {
    return;
  }
  // A timer is not thread-safe: cancel it on its own strand. The waiting coroutine re-checks
  // the state after every wake-up, so a cancel that finds no wait pending loses nothing.
  std::shared_ptr<asio::steady_timer> timer = waiter_;
  asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

void RuntimeApi::ReportLocked(Report r) {
  if (!report_) {
    report_ = std::move(r);
    if (on_answer_ && report_->kind != Report::Kind::kInitError) {
      std::function<void(const Report&)> hook = std::move(on_answer_);
      on_answer_ = nullptr;
      hook(*report_);
    }
  }
  if (on_report_) {
    on_report_();
  }
}

std::optional<http::Response> RuntimeApi::TryNext(const std::shared_ptr<asio::steady_timer>& waiter,
                                                  bool recheck) {
  base::MutexLock lock(mu_);
  if (closed_) {
    if (waiter_ == waiter) {
      waiter_.reset();
    }
    return InternalError();
  }
  if (recheck && waiter_ != waiter) {
    return InternalError();  // a newer /next replaced this one
  }
  if (!initialized_at_) {
    initialized_at_ = clock_.Now();
  }
  if (!offered_) {
    if (waiter_ != waiter) {
      WakeWaiterLocked();  // the older /next ends with 500
      waiter_ = waiter;
    }
    return std::nullopt;
  }
  if (waiter_ == waiter) {
    waiter_.reset();
  }
  Delivery d = std::move(*offered_);
  offered_.reset();
  current_id_ = d.request_id;
  on_answer_ = std::move(d.on_answer);
  delivered_at_ = clock_.Now();
  delivered_deadline_ = d.timeout.count() > 0 ? *delivered_at_ + d.timeout : d.deadline;
  deliveries_++;
  http::Response res = http::MakeResponse(200, std::move(d.event), "application/json");
  res.set("Lambda-Runtime-Aws-Request-Id", d.request_id);
  res.set("Lambda-Runtime-Deadline-Ms", std::to_string(base::ToUnixMs(*delivered_deadline_)));
  res.set("Lambda-Runtime-Invoked-Function-Arn", d.function_arn);
  res.set("Lambda-Runtime-Trace-Id", d.trace_id);
  if (!d.client_context.empty()) {
    res.set("Lambda-Runtime-Client-Context", d.client_context);
  }
  if (!d.cognito_identity.empty()) {
    res.set("Lambda-Runtime-Cognito-Identity", d.cognito_identity);
  }
  return res;
}

std::optional<http::Response> RuntimeApi::CheckPostLocked(std::string_view request_id,
                                                          std::string_view to) {
  if (closed_) {
    return InternalError();
  }
  if (!initialized_at_) {
    return InvalidStateTransition(init_error_ ? "InitError" : "Started", to);
  }
  if (current_id_.empty() || request_id != current_id_) {
    return ApiError(400, "InvalidRequestID", "Invalid request ID");
  }
  return std::nullopt;
}

http::Response RuntimeApi::PostResponse(std::string_view request_id, const http::Request& req,
                                        const http::Fields& trailers) {
  base::MutexLock lock(mu_);
  if (auto refused = CheckPostLocked(request_id, "InvocationResponse")) {
    return std::move(*refused);
  }
  current_id_.clear();
  std::string_view mode = req["Lambda-Runtime-Function-Response-Mode"];
  if (!mode.empty() && mode != "streaming") {
    ReportLocked(MakeErrorReport(Report::Kind::kError,
                                 R"({"errorMessage":"Invalid function response mode",)"
                                 R"("errorType":"Runtime.InvalidResponseModeHeader"})",
                                 ""));
    return ApiError(400, "InvalidFunctionResponseMode", "Invalid function response mode");
  }
  if (req.body().size() > kMaxPayloadBytes) {
    Report r = MakeErrorReport(Report::Kind::kTooLarge,
                               "Response payload size exceeded maximum allowed payload size (" +
                                   std::to_string(kMaxPayloadBytes) + " bytes).",
                               "Function.ResponseSizeTooLarge");
    ReportLocked(std::move(r));
    return TooLarge();
  }
  if (mode == "streaming") {
    std::string_view type, body;
    for (const auto& [name, value] : trailers) {
      if (boost::beast::iequals(name, "Lambda-Runtime-Function-Error-Type")) type = value;
      if (boost::beast::iequals(name, "Lambda-Runtime-Function-Error-Body")) body = value;
    }
    if (!type.empty() || !body.empty()) {
      std::optional<std::string> decoded = base::Base64Decode(body);
      ReportLocked(
          MakeErrorReport(Report::Kind::kError, decoded ? *decoded : std::string(body), type));
      return Accepted();
    }
  }
  Report r;
  r.kind = Report::Kind::kResponse;
  r.body = req.body();
  ReportLocked(std::move(r));
  return Accepted();
}

http::Response RuntimeApi::PostError(std::string_view request_id, const http::Request& req) {
  base::MutexLock lock(mu_);
  if (auto refused = CheckPostLocked(request_id, "InvocationErrorResponse")) {
    return std::move(*refused);
  }
  if (req.body().size() > kMaxPayloadBytes) {
    return TooLarge();  // the invocation stays in flight; the runtime may post a smaller error
  }
  current_id_.clear();
  ReportLocked(
      MakeErrorReport(Report::Kind::kError, req.body(), req["Lambda-Runtime-Function-Error-Type"]));
  return Accepted();
}

http::Response RuntimeApi::PostInitError(const http::Request& req) {
  base::MutexLock lock(mu_);
  if (closed_) {
    return InternalError();
  }
  if (initialized_at_ || init_error_) {
    std::string_view from = init_error_ ? "InitError" : current_id_.empty() ? "Ready" : "Running";
    return InvalidStateTransition(from, "InitError");
  }
  if (req.body().size() > kMaxPayloadBytes) {
    return TooLarge();
  }
  init_error_ = true;
  ReportLocked(MakeErrorReport(Report::Kind::kInitError, req.body(),
                               req["Lambda-Runtime-Function-Error-Type"]));
  return Accepted();
}

asio::awaitable<http::Response> RuntimeApi::Next() {
  std::shared_ptr<RuntimeApi> self = shared_from_this();
  auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
  bool recheck = false;
  for (;;) {
    if (std::optional<http::Response> res = self->TryNext(timer, recheck)) {
      co_return std::move(*res);
    }
    recheck = true;
    timer->expires_after(kNextRecheck);
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // woken or expired: either way, look again
  }
}

std::optional<http::Response> RuntimeApi::BodyTooLarge(const http::RequestHeader& head) {
  std::string_view target = head.target();
  std::string_view path = target.substr(0, target.find('?'));
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::vector<std::string_view> parts = Split(path.substr(kPrefix.size()));
  if (head.method() == bh::verb::post && parts.size() == 3 && parts[0] == "invocation" &&
      parts[2] == "response") {
    base::MutexLock lock(mu_);
    if (auto refused = CheckPostLocked(parts[1], "InvocationResponse")) return refused;
    current_id_.clear();
    ReportLocked(MakeErrorReport(Report::Kind::kTooLarge,
                                 "Response payload size exceeded maximum allowed payload size (" +
                                     std::to_string(kMaxPayloadBytes) + " bytes).",
                                 "Function.ResponseSizeTooLarge"));
  }
  return TooLarge();
}

asio::awaitable<http::Response> RuntimeApi::Handle(http::Request& req, http::Fields trailers) {
  // A web page could take an invocation's event (GET /next) or answer it. Any Host will do:
  // runtimes write their own, and the port is a new one for each process.
  if (auto problem = http::BrowserRequestProblem(req, /*any_name=*/true, "the Runtime API", "")) {
    co_return ApiError(403, "AccessDeniedException", *problem);
  }
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    co_return ApiError(404, "NotFound", "no Runtime API endpoint " + std::string(path));
  }
  std::vector<std::string_view> parts = Split(path.substr(kPrefix.size()));
  bool get = req.method() == bh::verb::get;
  bool post = req.method() == bh::verb::post;
  if (parts.size() == 2 && parts[0] == "invocation" && parts[1] == "next" && get) {
    co_return co_await Next();
  }
  if (parts.size() == 3 && parts[0] == "invocation" && post && !parts[1].empty()) {
    if (parts[2] == "response") {
      co_return PostResponse(parts[1], req, trailers);
    }
    if (parts[2] == "error") {
      co_return PostError(parts[1], req);
    }
  }
  if (parts.size() == 2 && parts[0] == "init" && parts[1] == "error" && post) {
    co_return PostInitError(req);
  }
  co_return ApiError(
      404, "NotFound",
      "no Runtime API endpoint " + std::string(req.method_string()) + " " + std::string(path));
}

}  // namespace longhaul::lambda
