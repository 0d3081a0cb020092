#include "ingest/destinations.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "http/client.h"
#include "ingest/ingest_handler.h"

namespace longhaul::ingest {
namespace json = boost::json;

namespace {

json::value JsonOrString(const std::string& body) {
  if (body.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return json::string(body);
  return v;
}

std::string Iso8601Ms(base::TimePoint t) {
  int64_t ms = base::ToUnixMs(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string HeaderValue(const store::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return v;
  }
  return "";
}

}  // namespace

std::string InvocationRecord(const store::Job& job, const config::Function& fn,
                             const runtime::Outcome& outcome, RecordCondition condition,
                             base::TimePoint now) {
  auto region_it = fn.environment.find("AWS_REGION");
  std::string region = region_it == fn.environment.end() || region_it->second.empty()
                           ? "us-east-1"
                           : region_it->second;
  json::object request_context{
      {"requestId", job.id},
      {"functionArn", "arn:aws:lambda:" + region + ":000000000000:function:" + fn.name + ":$LATEST"},
      {"condition", condition == RecordCondition::kSuccess            ? "Success"
                    : condition == RecordCondition::kRetriesExhausted ? "RetriesExhausted"
                                                                      : "EventAgeExceeded"},
      {"approximateInvokeCount", job.attempts}};
  json::object response_context{{"statusCode", 200}, {"executedVersion", "$LATEST"}};
  json::value response_payload = JsonOrString(outcome.response.body);
  if (condition != RecordCondition::kSuccess) {
    response_context["functionError"] = "Unhandled";
    if (response_payload.is_null()) {
      response_payload = json::object{
          {"errorMessage", "RequestId: " + job.id + " " +
                               (outcome.status.ok() ? std::string("failed")
                                                    : outcome.status.message())}};
    }
  }
  json::object record{{"version", "1.0"},
                      {"timestamp", Iso8601Ms(now)},
                      {"requestContext", std::move(request_context)},
                      {"requestPayload", JsonOrString(job.request.body)},
                      {"responseContext", std::move(response_context)},
                      {"responsePayload", std::move(response_payload)}};
  return json::serialize(record);
}

bool IsAsyncInvocation(const store::Job& job, const config::Config& cfg) {
  if (job.route == "invoke") {
    return HeaderValue(job.request.headers, "X-Amz-Invocation-Type") == "Event";
  }
  if (job.route == "destination") return true;
  for (const auto& route : cfg.routes) {
    if (RouteKey(route) == job.route) return route.ack == config::AckMode::kAsync;
  }
  return false;
}

Destinations::Destinations(store::Store& store, sched::Scheduler& scheduler,
                           const base::Clock& clock, base::Logger& log,
                           std::shared_ptr<const config::Config> config)
    : store_(store), scheduler_(scheduler), clock_(clock), log_(log) {
  config_.store(std::move(config));
  worker_ = std::thread([this] { Worker(); });
}

Destinations::~Destinations() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Destinations::Observe(const store::Job& job, const config::Function& fn,
                           const runtime::Outcome& outcome, store::Completion::Kind kind) {
  if (kind == store::Completion::Kind::kRetry) return;
  const config::Destination& dest =
      kind == store::Completion::Kind::kSucceeded ? fn.on_success : fn.on_failure;
  if (dest.empty()) return;
  auto cfg = config_.load();
  if (!IsAsyncInvocation(job, *cfg)) return;
  RecordCondition condition = kind == store::Completion::Kind::kSucceeded
                                  ? RecordCondition::kSuccess
                                  : RecordCondition::kRetriesExhausted;
  Send(dest, InvocationRecord(job, fn, outcome, condition, clock_.Now()), job.id);
}

void Destinations::Send(const config::Destination& dest, const std::string& record,
                        const std::string& job_id) {
  if (!dest.function.empty()) {
    auto cfg = config_.load();
    const config::Function* target = cfg->FindFunction(dest.function);
    if (target == nullptr) {
      log_.Error("destination.unknown_function", {{"job", job_id}, {"function", dest.function}});
      return;
    }
    store::Request req;
    req.method = "POST";
    req.path = "/2015-03-31/functions/" + target->name + "/invocations";
    req.headers = {{"X-Amz-Invocation-Type", "Event"}, {"Content-Type", "application/json"}};
    req.body = record;
    store::NewJob job = NewJobFor(*target, "destination", std::move(req), clock_.Now());
    std::string target_name = target->name;
    store_.Append(std::move(job), [this, job_id, target_name](base::Result<store::AppendResult> r) {
      if (!r.ok()) {
        log_.Error("destination.append_failed",
                   {{"job", job_id}, {"function", target_name}, {"error", r.status().message()}});
        return;
      }
      scheduler_.Wake();
    });
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= kMaxQueued) {
    log_.Error("destination.queue_full", {{"job", job_id}, {"url", dest.url}});
    return;
  }
  queue_.push_back({dest.url, record, job_id});
  cv_.notify_one();
}

void Destinations::Worker() {
  while (true) {
    Post post;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      post = std::move(queue_.front());
      queue_.pop_front();
    }
    http::ClientRequest req;
    req.method = "POST";
    req.url = post.url;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = post.body;
    req.timeout = std::chrono::seconds(10);
    std::string error;
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt > 0) {
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_for(lock, std::chrono::seconds(1 << (attempt - 1)),
                         [this] { return stopping_; })) {
          return;
        }
      }
      auto res = http::Fetch(req);
      if (res.ok() && res->status >= 200 && res->status < 300) {
        error.clear();
        break;
      }
      error = res.ok() ? "HTTP " + std::to_string(res->status) : res.status().message();
    }
    if (!error.empty()) {
      log_.Error("destination.post_failed",
                 {{"job", post.job_id}, {"url", post.url}, {"error", error}});
    }
  }
}

}  // namespace longhaul::ingest
