#include "runtime/forward/forward_runtime.h"

#include <strings.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "base/duration.h"
#include "runtime/forward/exchange.h"
#include "runtime/forward/header_filter.h"
#include "runtime/forward/upstream_url.h"

namespace longhaul::runtime::forward {
namespace {

constexpr std::string_view kJobIdHeader = "X-Longhaul-Job-Id";
constexpr std::string_view kAttemptHeader = "X-Longhaul-Attempt";
constexpr std::string_view kInterruptedHeader = "X-Longhaul-Interrupted";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Request headers the forwarder replaces: the function's own and ours.
bool IsReplaced(std::string_view name, const config::HttpRuntime& http) {
  if (EqualsIgnoreCase(name, kJobIdHeader) || EqualsIgnoreCase(name, kAttemptHeader) ||
      EqualsIgnoreCase(name, kInterruptedHeader)) {
    return true;
  }
  for (const auto& [configured, value] : http.headers) {
    if (EqualsIgnoreCase(name, configured)) {
      return true;
    }
  }
  return false;
}

base::Status StatusFor(int http_status) {
  std::string message = "upstream answered " + std::to_string(http_status);
  if (http_status >= 200 && http_status < 300) {
    return base::Status::Ok();
  }
  if (http_status == 429) {
    return base::ResourceExhausted(std::move(message));
  }
  if (http_status == 408) {
    return base::Unavailable(std::move(message));
  }
  if (http_status >= 500) {
    return {base::Code::kUnknown, std::move(message)};
  }
  return base::InvalidArgument(std::move(message));
}

}  // namespace

ForwardRuntime::ForwardRuntime(const base::Clock& clock, ForwardOptions options)
    : clock_(clock), options_(options) {}

Outcome ForwardRuntime::Run(const Invocation& inv, const CancelToken& cancel) {
  Outcome outcome;
  if (inv.function == nullptr || inv.function->kind != config::RuntimeKind::kHttp) {
    outcome.status = base::Internal("ForwardRuntime given a function that is not http");
    return outcome;
  }
  const config::Function& fn = *inv.function;
  const base::Status timed_out =
      base::DeadlineExceeded("timed out after " + base::FormatDuration(fn.timeout));
  if (cancel.cancelled()) {
    outcome.status = base::Cancelled("cancelled");
    return outcome;
  }
  base::Duration remaining = inv.deadline - clock_.Now();
  if (remaining <= base::Duration::zero()) {
    outcome.status = timed_out;
    return outcome;
  }
  base::Result<config::HttpUrl> url = config::ParseHttpUrl(fn.http.url);
  if (!url.ok()) {
    outcome.status = url.status();
    return outcome;
  }

  const store::Request& in = inv.request;
  // An Invoke call or destination record is the payload alone: its request line and headers
  // (a SigV4 Authorization among them) are longhaul's admin API's, not the upstream's.
  const bool payload_only = IsInvokeJob(inv.route);
  OutgoingRequest out;
  out.method = in.method.empty() || payload_only ? "POST" : in.method;
  out.target = ForwardTarget(*url, fn.http.exact_path || payload_only, in.path, in.query);
  out.headers.emplace_back("Host", url->host_header);
  if (payload_only && !IsReplaced("Content-Type", fn.http)) {
    out.headers.emplace_back("Content-Type", "application/json");
  }
  if (!payload_only) {
    for (auto& header : ForwardableHeaders(in.headers)) {
      if (IsReplaced(header.first, fn.http) || IsForwardedHeader(header.first)) continue;
      if (strcasecmp(header.first.c_str(), "Prefer") == 0) {
        header.second = UpstreamPreferences(header.second);
        if (header.second.empty()) continue;
      }
      out.headers.push_back(std::move(header));
    }
    for (auto& header : ForwardedHeaders(in)) {
      if (!IsReplaced(header.first, fn.http)) out.headers.push_back(std::move(header));
    }
  }
  for (const auto& [name, value] : fn.http.headers) {
    out.headers.emplace_back(name, value);
  }
  out.headers.emplace_back(kJobIdHeader, inv.job_id);
  out.headers.emplace_back(kAttemptHeader, std::to_string(inv.attempt));
  out.headers.emplace_back(kInterruptedHeader, std::to_string(inv.interrupted));
  out.headers.emplace_back("Connection", "close");
  out.body = in.body;

  ExchangeLimits limits;
  limits.body_limit = options_.body_limit;
  limits.header_limit = options_.header_limit;
  base::Result<store::Response> response =
      Exchange(*url, out, std::chrono::steady_clock::now() + remaining, cancel, limits);
  if (!response.ok()) {
    outcome.status =
        response.status().code() == base::Code::kDeadlineExceeded ? timed_out : response.status();
    // A failure to resolve or connect for lack of threads or descriptors: nothing was sent.
    NotStartedIfShortage(outcome);
    return outcome;
  }
  outcome.response = std::move(*response);
  store::Headers kept = ForwardableHeaders(outcome.response.headers);
  if (out.method == "HEAD") {
    // A HEAD answer's Content-Length is the size a GET would get (RFC 9110 section 8.6): kept
    // for the caller, as the body it describes is not there.
    for (const auto& [name, value] : outcome.response.headers) {
      if (strcasecmp(name.c_str(), "Content-Length") == 0) kept.emplace_back(name, value);
    }
  }
  outcome.response.headers = std::move(kept);
  outcome.status = StatusFor(outcome.response.status);
  outcome.response_is_answer = true;
  return outcome;
}

}  // namespace longhaul::runtime::forward
