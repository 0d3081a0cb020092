#include "admin/admin_handler.h"

// g++ 12 warns -Wmismatched-new-delete at the end of two coroutines below: a false positive.
// Asio's awaitable frames come from its own operator new and go back through its matching
// operator delete(void*, size_t), as the other handlers' coroutines do without a warning.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>

#include "admin/invoke_api.h"
#include "admin/job_json.h"
#include "admin/sigv4.h"
#include "base/duration.h"
#include "base/ids.h"
#include "base/percent_encoding.h"
#include "base/utf8.h"
#include "http/async.h"
#include "http/browser_guard.h"
#include "http/error_mapping.h"
#include "ingest/job_wait.h"
#include "ingest/keys.h"
#include "ingest/responses.h"

namespace longhaul::admin {
namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path[0] == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t j = path.find('/');
    out.push_back(path.substr(0, j));
    if (j == std::string_view::npos) break;
    path.remove_prefix(j);
  }
  return out;
}

// What is wrong with `query` for an endpoint that takes the parameters `known`, each once: one
// it does not know (a typo such as ?status=dead would otherwise list every job), or one given
// twice (all but the first would be ignored). nullopt when nothing is.
std::optional<base::Status> QueryProblem(std::string_view query,
                                         std::initializer_list<std::string_view> known) {
  std::vector<std::string> seen;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::string name = base::PercentDecode(pair.substr(0, pair.find('=')), true);
    if (name.empty()) continue;
    if (known.size() == 0) {
      return base::InvalidArgument("unknown parameter '" + name + "': this takes none");
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (auto k = known.begin(); k != known.end(); ++k) {
        names += k == known.begin() ? "" : k + 1 == known.end() ? " or " : ", ";
        names += *k;
      }
      return base::InvalidArgument("unknown parameter '" + name + "': use " + names);
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return base::InvalidArgument("parameter '" + name + "' is given more than once");
    }
    seen.push_back(std::move(name));
  }
  return std::nullopt;
}

// POST /2015-03-31/functions/{name}/invocations, split into `parts`.
bool IsInvoke(const std::vector<std::string_view>& parts, bh::verb method) {
  return parts.size() == 4 && parts[0] == "2015-03-31" && parts[1] == "functions" &&
         parts[3] == "invocations" && method == bh::verb::post;
}

// The Lambda API's own paths (its versions' prefixes), where an SDK calls.
bool IsLambdaApiPath(std::string_view path) {
  for (std::string_view prefix : {"/2015-03-31/", "/2014-11-13/", "/2021-11-15/"}) {
    if (path.starts_with(prefix)) return true;
  }
  return false;
}

http::Response JsonResponse(unsigned status, const json::value& v) {
  return http::MakeResponse(status, json::serialize(v));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The methods an admin path answers ("GET, HEAD" or "POST"), or "" when it is no admin path.
std::string_view AllowedMethods(const std::vector<std::string_view>& parts) {
  constexpr std::string_view kGet = "GET, HEAD";
  constexpr std::string_view kPost = "POST";
  if (parts.size() == 1 && (parts[0] == "healthz" || parts[0] == "routes" || parts[0] == "jobs")) {
    return kGet;
  }
  if (parts.size() == 2 && parts[0] == "jobs") return kGet;
  if (parts.size() == 3 && parts[0] == "jobs") {
    if (parts[2] == "result") return kGet;
    if (parts[2] == "retry" || parts[2] == "cancel") return kPost;
  }
  if (parts.size() == 4 && parts[0] == "2015-03-31" && parts[1] == "functions" &&
      parts[3] == "invocations") {
    return kPost;
  }
  return "";
}

// The longest a read waits for answered jobs' records (a failing store may never write them).
constexpr base::Duration kSettleLimit = std::chrono::seconds(5);

// An operator's action on a job, logged as the job's other lines are: by job, function, route.
void LogByOperator(base::Logger& log, std::string_view event, const store::Job& job) {
  log.Info(
      event,
      {{"job", job.id}, {"function", job.function}, {"route", job.route}, {"by", "the admin API"}});
}

}  // namespace

AdminHandler::AdminHandler(ingest::IngestDeps deps, std::shared_ptr<const config::Config> config)
    : deps_(std::move(deps)) {
  config_.store(std::move(config));
}

asio::awaitable<http::Response> AdminHandler::operator()(http::Request& req,
                                                         const http::ConnInfo& conn) {
  auto cfg = config_.load();
  std::string_view target = req.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  auto parts = Split(path);
  // HEAD is GET without the body (the server leaves it out).
  bool get = req.method() == bh::verb::get || req.method() == bh::verb::head;
  bool post = req.method() == bh::verb::post;
  const bool healthz = parts.size() == 1 && parts[0] == "healthz";
  // A refusal on the Lambda API's paths comes in its error shape, the only one an SDK reads a
  // name and message from (QA: "UnknownError" for each of them, their reason dropped).
  const bool lambda_api = IsLambdaApiPath(path);
  auto refuse = [lambda_api](unsigned status, base::Code code, const std::string& message,
                             std::string_view lambda_type) {
    return lambda_api ? LambdaError(status, lambda_type, message)
                      : http::ErrorResponse(status, code, message);
  };

  const std::string& token = cfg->server.admin_token;
  const std::string_view auth = req[bh::field::authorization];
  // The scheme's name is case-insensitive (RFC 9110 11.1).
  const bool bearer = auth.size() >= 7 && boost::beast::iequals(auth.substr(0, 7), "Bearer ");
  // One or more spaces after the scheme (RFC 9110 11.4).
  const std::string_view credentials =
      bearer ? auth.substr(std::min(auth.size(), auth.find_first_not_of(' ', 7))) : "";
  // The Invoke API also authenticates by SigV4 (SDKs cannot send a bearer token): a signed
  // request, and with Lambda access keys any that does not bring the admin token (the CLI's
  // `longhaul invoke` does) (CheckSignature). /healthz says no more than whether the store can
  // write: load balancers and probes ask it without a token.
  const bool sigv4_invoke = req.target().substr(0, 22) == "/2015-03-31/functions/" &&
                            (sigv4::IsSigV4(auth) || (!cfg->server.lambda_access_keys.empty() &&
                                                      !(bearer && !token.empty())));
  // A request that must prove a secret (the token, or SigV4 with Lambda access keys) cannot
  // come from a page a rebound name pointed here: any name will do then (QA: an SDK's
  // endpoint_url of http://longhaul:8081 got a 403 it could not read).
  const bool authenticated =
      !token.empty() || (sigv4_invoke && !cfg->server.lambda_access_keys.empty());
  if (!healthz) {  // probes are not browsers; /healthz tells nothing
    if (auto problem = http::BrowserRequestProblem(
            req, authenticated, "the admin API",
            lambda_api ? "use the address, or set server.lambda_access_keys and sign with one "
                         "of them (then any name will do)"
                       : "use the address, or set server.admin_token (then any name will do)")) {
      co_return refuse(403, base::Code::kPermissionDenied, *problem, "AccessDeniedException");
    }
  }
  if (!token.empty() && !sigv4_invoke && !healthz) {
    if (!bearer || !ConstantTimeEquals(credentials, token)) {
      http::Response res =
          refuse(401, base::Code::kUnauthenticated,
                 lambda_api ? "the admin API needs Authorization: Bearer <admin_token>, or (for an "
                              "SDK, which cannot send one) a SigV4 signature with a key of "
                              "server.lambda_access_keys"
                            : "the admin API needs Authorization: Bearer <admin_token>",
                 "UnrecognizedClientException");
      res.set(bh::field::www_authenticate, "Bearer");
      co_return res;
    }
  }
  std::string_view allowed = AllowedMethods(parts);
  const std::string asked = std::string(req.method_string()) + " " + std::string(path);
  if (allowed.empty()) {
    co_return refuse(404, base::Code::kNotFound,
                     lambda_api ? "longhaul's Lambda API serves Invoke only (POST "
                                  "/2015-03-31/functions/{name}/invocations), not " +
                                      asked
                                : "no admin endpoint " + asked,
                     "UnknownOperationException");
  }
  if (!(allowed == "POST" ? post : get)) {
    http::Response res =
        refuse(405, base::Code::kInvalidArgument,
               asked + " is not served; use " + std::string(allowed), "UnknownOperationException");
    res.set(bh::field::allow, allowed);
    co_return res;
  }

  if (healthz) {
    if (deps_.scheduler.stopping()) {  // the API still answers during the drain; work does not
      co_return http::ErrorResponse(503, base::Code::kUnavailable, "the server is stopping");
    }
    base::Status h = deps_.store.Healthy();
    if (!h.ok()) {
      co_return http::ErrorResponse(503, base::Code::kUnavailable, "store: " + h.message());
    }
    co_return http::MakeResponse(200, "{\"status\":\"ok\"}");
  }
  if (parts.size() == 1 && parts[0] == "routes" && get) {
    if (auto problem = QueryProblem(query, {})) co_return http::ErrorResponse(*problem);
    co_return co_await ListRoutes();
  }
  if (!parts.empty() && parts[0] == "jobs") {
    if (parts.size() == 1 && get) co_return co_await ListJobs(query);
    if (parts.size() >= 2) {
      // As sent (percent-encoded or not); a ULID's letters in either case.
      const std::string sent = ingest::PercentDecode(parts[1]);
      std::string id = sent;
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (!base::LooksLikeJobId(id)) {
        co_return http::ErrorResponse(base::NotFound(
            "no job " + base::ToValidUtf8(std::string_view(sent).substr(0, 64)) +
            (sent.size() > 64 ? "…" : "") +
            " (a job id is 26 characters, digits and letters other than I, L, O and U)"));
      }
      if (parts.size() == 2 && get) {
        if (auto problem = QueryProblem(query, {})) co_return http::ErrorResponse(*problem);
        co_return co_await GetJob(id);
      }
      if (parts.size() == 3 && parts[2] == "result" && get)
        co_return co_await GetResult(id, query, conn.peer);
      if (parts.size() == 3 && (parts[2] == "retry" || parts[2] == "cancel") && post) {
        // Neither takes a parameter: one sent was meant for something this does not do.
        if (auto problem = QueryProblem(query, {})) co_return http::ErrorResponse(*problem);
        // Two statements, not a conditional's operands: g++ 12 destroys a coroutine temporary
        // chosen by ?: inside co_await twice (seen as a corrupted heap).
        if (parts[2] == "retry") co_return co_await Retry(id);
        co_return co_await Cancel(id);
      }
    }
  }
  if (IsInvoke(parts, req.method())) {
    co_return co_await Invoke(ingest::PercentDecode(parts[2]), query, req, conn,
                              /*token_checked=*/!token.empty() && !sigv4_invoke);
  }
  co_return refuse(404, base::Code::kNotFound, "no admin endpoint " + asked,
                   "UnknownOperationException");
}

std::optional<http::Response> AdminHandler::BodyTooLarge(const http::RequestHeader& head,
                                                         uint64_t body_limit) {
  std::string_view target = head.target();
  if (!IsInvoke(Split(target.substr(0, target.find('?'))), head.method())) return std::nullopt;
  // The body was not read, so nothing else is checked; an unknown invocation type is named as
  // RequestResponse, the default.
  auto type = ParseInvocationType(head["X-Amz-Invocation-Type"]);
  InvocationType t = type.ok() ? *type : InvocationType::kRequestResponse;
  size_t lambda_limit = t == InvocationType::kEvent ? kMaxAsyncPayload : kMaxSyncPayload;
  return RequestTooLarge(t, static_cast<size_t>(std::min<uint64_t>(lambda_limit, body_limit)));
}

base::Duration AdminHandler::SettleTime(const std::string& id) const {
  // A caller may have the job's answer before its outcome is recorded (a synchronous invoke):
  // whoever looks it up next waits for the record, so that what they see is not older.
  return deps_.scheduler.AnsweredUnrecorded(id) ? kSettleLimit : base::Duration{0};
}

asio::awaitable<void> AdminHandler::AwaitRecord(const std::string& id) {
  if (base::Duration settle = SettleTime(id); settle.count() > 0) {
    (void)co_await ingest::WaitForJob({deps_.store, deps_.hub, deps_.pool}, id, settle);
  }
}

asio::awaitable<void> AdminHandler::AwaitAnsweredRecords() {
  const auto give_up = std::chrono::steady_clock::now() + kSettleLimit;  // for all of them
  for (const std::string& id : deps_.scheduler.AnsweredUnrecordedIds()) {
    auto left =
        std::chrono::duration_cast<base::Duration>(give_up - std::chrono::steady_clock::now());
    if (left <= base::Duration{0}) break;
    if (deps_.scheduler.AnsweredUnrecorded(id)) {
      (void)co_await ingest::WaitForJob({deps_.store, deps_.hub, deps_.pool}, id, left);
    }
  }
}

asio::awaitable<http::Response> AdminHandler::GetJob(const std::string& id) {
  auto job = co_await ingest::WaitForJob({deps_.store, deps_.hub, deps_.pool}, id, SettleTime(id));
  if (!job.ok()) co_return http::ErrorResponse(job.status());
  // A job running here shows what its attempt has written so far (the record gets it with the
  // outcome; until then it has the last attempt's, if any).
  if (job->state == store::JobState::kRunning) {
    if (auto live = deps_.scheduler.LiveOutputOf(job->id)) {
      job->stdout_tail = std::move(live->stdout_tail);
      job->stderr_tail = std::move(live->stderr_tail);
    }
  }
  co_return JsonResponse(200, JobToJson(*job, JobDetail::kFull));
}

asio::awaitable<http::Response> AdminHandler::GetResult(const std::string& id,
                                                        std::string_view query,
                                                        http::PeerWatch* peer) {
  if (auto problem = QueryProblem(query, {"wait"})) co_return http::ErrorResponse(*problem);
  base::Duration wait{0};
  if (auto w = ingest::FindQueryParam(query, "wait")) {
    auto d = base::ParseDuration(*w, std::chrono::seconds(1));
    if (!d.ok()) co_return http::ErrorResponse(d.status());
    wait = std::min<base::Duration>(*d, std::chrono::minutes(15));
  }
  auto job = co_await ingest::WaitForJob({deps_.store, deps_.hub, deps_.pool, peer}, id,
                                         std::max(wait, SettleTime(id)));
  if (!job.ok()) co_return http::ErrorResponse(job.status());
  co_return ingest::OutcomeResponse(*job, deps_.status_base + "/jobs/" + id, *config_.load());
}

asio::awaitable<http::Response> AdminHandler::ListJobs(std::string_view query) {
  if (auto problem = QueryProblem(query, {"function", "state", "limit", "cursor"})) {
    co_return http::ErrorResponse(*problem);
  }
  store::ListFilter filter;
  if (auto f = ingest::FindQueryParam(query, "function")) filter.function = *f;
  if (auto s = ingest::FindQueryParam(query, "state"); s && !s->empty()) {
    filter.state = store::ParseJobState(*s);
    if (!filter.state) {
      co_return http::ErrorResponse(base::InvalidArgument(
          "unknown state '" + *s +
          "': use queued, running, retrying, succeeded, failed, dead or cancelled"));
    }
  }
  if (auto l = ingest::FindQueryParam(query, "limit")) {
    int limit = 0;
    auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || p != l->data() + l->size() || limit < 1 || limit > 1000) {
      co_return http::ErrorResponse(base::InvalidArgument("limit must be 1..1000"));
    }
    filter.limit = limit;
  }
  if (auto c = ingest::FindQueryParam(query, "cursor")) filter.cursor = *c;
  co_await AwaitAnsweredRecords();
  auto page =
      co_await http::Offload(deps_.pool, [this, &filter] { return deps_.store.List(filter); });
  if (!page.ok()) co_return http::ErrorResponse(page.status());
  json::array jobs;
  for (const auto& job : page->jobs) jobs.push_back(JobToJson(job, JobDetail::kSummary));
  json::object out;
  out["jobs"] = std::move(jobs);
  if (!page->next_cursor.empty()) out["next_cursor"] = page->next_cursor;
  co_return JsonResponse(200, out);
}

asio::awaitable<http::Response> AdminHandler::ListRoutes() {
  co_await AwaitAnsweredRecords();  // a sync route's answered job is not pending
  auto cfg = config_.load();
  json::array routes;
  for (const auto& route : cfg->routes) {
    std::string key = ingest::RouteKey(route);
    auto stats = co_await http::Offload(deps_.pool, [this, &route, &key] {
      return deps_.store.GetRouteStats(route.function, key);
    });
    if (!stats.ok()) co_return http::ErrorResponse(stats.status());
    json::object o;
    o["method"] = route.method;
    o["path"] = route.path;
    o["function"] = route.function;
    if (!route.provider.empty()) o["provider"] = route.provider;
    o["pending_update_count"] = stats->pending;
    if (stats->last_delivery) {
      o["last_delivery_date"] = base::ToUnixMs(*stats->last_delivery) / 1000;
    }
    // The latest error: a job's, or a request refused before it was stored (a bad signature).
    std::optional<ingest::Rejection> refused =
        deps_.rejections ? deps_.rejections->Last(key) : std::nullopt;
    if (refused && (!stats->last_error_at || refused->at >= *stats->last_error_at)) {
      o["last_error_date"] = base::ToUnixMs(refused->at) / 1000;
      o["last_error_message"] = base::ToValidUtf8(refused->reason);
    } else if (stats->last_error_at) {
      o["last_error_date"] = base::ToUnixMs(*stats->last_error_at) / 1000;
      o["last_error_message"] = stats->last_error;
    }
    routes.push_back(std::move(o));
  }
  co_return JsonResponse(200, json::object{{"routes", std::move(routes)}});
}

asio::awaitable<http::Response> AdminHandler::Retry(const std::string& id) {
  co_await AwaitRecord(id);
  // A job of a function the config no longer has would wait in the queue until it has again.
  auto job = co_await http::Offload(deps_.pool, [this, &id] { return deps_.store.Get(id); });
  if (!job.ok()) co_return http::ErrorResponse(job.status());
  if (config_.load()->FindFunction(job->function) == nullptr) {
    co_return http::ErrorResponse(base::FailedPrecondition(
        "job " + id + " is of function " + job->function +
        ", which the configuration does not have: it would not run until the function is back"));
  }
  auto s = co_await http::Offload(deps_.pool,
                                  [this, &id] { return deps_.store.Retry(id, deps_.clock.Now()); });
  if (!s.ok()) co_return http::ErrorResponse(s);
  LogByOperator(deps_.log, "job.retried", *job);
  deps_.scheduler.Wake();
  co_return co_await GetJob(id);
}

asio::awaitable<http::Response> AdminHandler::Cancel(const std::string& id) {
  // A job that has its answer is done: it is not cancelled as though it still ran.
  co_await AwaitRecord(id);
  auto job = co_await http::Offload(deps_.pool, [this, &id] { return deps_.store.Get(id); });
  if (!job.ok()) co_return http::ErrorResponse(job.status());
  auto s = co_await http::Offload(
      deps_.pool, [this, &id] { return deps_.store.Cancel(id, deps_.clock.Now()); });
  if (!s.ok()) co_return http::ErrorResponse(s);
  LogByOperator(deps_.log, "job.cancelled", *job);
  deps_.scheduler.CancelLocal(id);
  deps_.scheduler.Wake();  // a cancelled key head lets the job behind it go now
  deps_.hub.Notify(id);
  co_return co_await GetJob(id);
}

asio::awaitable<http::Response> AdminHandler::Invoke(const std::string& name,
                                                     std::string_view query, http::Request& req,
                                                     const http::ConnInfo& conn,
                                                     bool token_checked) {
  // A named local: g++ 12 mishandles non-trivial temporaries in a co_await expression.
  std::shared_ptr<const config::Config> cfg = config_.load();
  co_return co_await admin::Invoke(deps_, cfg, name, query, req, conn, token_checked);
}

}  // namespace longhaul::admin
