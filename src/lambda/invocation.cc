#include "lambda/invocation.h"

#include <strings.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <vector>

#include "base/percent_encoding.h"
#include "lambda/apigw.h"
#include "lambda/environment.h"
#include "lambda/js_json.h"
#include "runtime/event.h"
#include "runtime/process/environment.h"

namespace longhaul::lambda {
namespace json = boost::json;

namespace {

constexpr std::string_view kInvokePrefix = "/2015-03-31/";
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t Fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 14695981039346656037ull ^ seed;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex(uint64_t v, int digits) {
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = "0123456789abcdef"[v & 15];
    v >>= 4;
  }
  return out;
}

std::string_view FindHeader(const store::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) {
      return v;
    }
  }
  return {};
}

std::string Seconds(base::Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string Millis(std::chrono::microseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string IsoTime(base::TimePoint t) {
  int64_t ms = base::ToUnixMs(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), buf,
                static_cast<int>(ms % 1000));
  return out;
}

// Only what a Lambda ARN is made of: the header value cannot carry anything else.
bool IsArnText(std::string_view s) {
  return !s.empty() && s.size() <= 256 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '$';
  });
}

constexpr size_t kMaxErrorText = 1024;

std::string Truncated(std::string s) {
  if (s.size() > kMaxErrorText) {
    s.resize(kMaxErrorText);
    s += "...";
  }
  return s;
}

}  // namespace

std::string InvokedFunctionArn(const config::Function& fn, std::string_view route,
                               const store::Request& request) {
  std::string arn = FunctionArn(fn);
  if (!IsInvokeJob(route) || request.path.substr(0, kInvokePrefix.size()) != kInvokePrefix) {
    return arn;
  }
  // /2015-03-31/functions/{FunctionName}/invocations, as the admin router splits it.
  std::vector<std::string_view> parts;
  std::string_view path = request.path;
  while (!path.empty()) {
    size_t j = path.find('/');
    if (j != 0) {
      parts.push_back(path.substr(0, j));
    }
    path = j == std::string_view::npos ? std::string_view() : path.substr(j + 1);
  }
  if (parts.size() != 4 || parts[1] != "functions" || parts[3] != "invocations") {
    return arn;
  }
  std::string name = base::PercentDecode(parts[2]);
  std::string qualifier;
  for (const auto& [key, value] : runtime::process::DecodeQuery(request.query)) {
    if (key == "Qualifier") {
      qualifier = value;
      break;
    }
  }
  // The Invoke API checked the name before storing the job; anything unexpected read back
  // gets the unqualified ARN.
  if (!IsArnText(name) || (!qualifier.empty() && !IsArnText(qualifier))) {
    return arn;
  }
  std::string_view named = name;
  if (named.substr(0, 4) == "arn:") {
    // A full ARN as the caller wrote it; ?Qualifier= agrees with a ":qualifier" it carries.
    size_t p = named.find(":function:");
    if (p == std::string_view::npos) {
      return arn;
    }
    bool qualified = named.find(':', p + 10) != std::string_view::npos;
    return qualified || qualifier.empty() ? name : name + ":" + qualifier;
  }
  if (size_t p = named.find(":function:"); p != std::string_view::npos) {
    named.remove_prefix(p + 10);  // partial ARN: <account>:function:<name>[:<qualifier>]
  } else if (named.substr(0, 9) == "function:") {
    named.remove_prefix(9);
  }
  if (size_t colon = named.find(':'); colon != std::string_view::npos && qualifier.empty()) {
    qualifier = std::string(named.substr(colon + 1));
  }
  return qualifier.empty() ? arn : arn + ":" + qualifier;
}

base::TimePoint JobTime(std::string_view job_id, base::TimePoint fallback) {
  if (job_id.size() != 26) {
    return fallback;
  }
  uint64_t ms = 0;
  for (size_t i = 0; i < 10; ++i) {
    size_t v = kCrockford.find(job_id[i]);
    if (v == std::string_view::npos) {
      return fallback;
    }
    ms = (ms << 5) | v;
  }
  return base::FromUnixMs(static_cast<int64_t>(ms));
}

std::string TraceId(const runtime::Invocation& inv) {
  std::string_view given = FindHeader(inv.request.headers, "X-Amzn-Trace-Id");
  if (!given.empty()) {
    return std::string(given);
  }
  uint64_t secs = static_cast<uint64_t>(base::ToUnixMs(JobTime(inv.job_id, inv.deadline)) / 1000);
  uint64_t a = Fnv1a(inv.job_id, 1);
  uint64_t b = Fnv1a(inv.job_id, 2);
  uint64_t parent = Fnv1a(inv.job_id + "/" + std::to_string(inv.attempt), 3);
  return "Root=1-" + Hex(secs, 8) + "-" + Hex(a, 16) + Hex(b, 8) + ";Parent=" + Hex(parent, 16) +
         ";Sampled=0";
}

Delivery MakeDelivery(const runtime::Invocation& inv) {
  Delivery d;
  d.request_id = inv.job_id;
  // The timeout runs from when the runtime takes the invocation, as in Lambda: a warm runtime
  // still at work after its last response (until its next /next) is the last one's time.
  // Until then the attempt's own deadline bounds the wait.
  d.deadline = inv.deadline;
  d.timeout = inv.function->timeout;
  d.function_arn = InvokedFunctionArn(*inv.function, inv.route, inv.request);
  d.trace_id = TraceId(inv);
  if (IsInvokeJob(inv.route)) {
    // Lambda hands an invocation without a payload to its function as an empty object.
    d.event = inv.request.body.empty() ? "{}" : inv.request.body;
    // Lambda passes the client context to synchronous invocations only.
    std::string_view type = FindHeader(inv.request.headers, "X-Amz-Invocation-Type");
    std::string_view context = type.empty() || type == "RequestResponse"
                                   ? FindHeader(inv.request.headers, "X-Amz-Client-Context")
                                   : std::string_view();
    if (!context.empty()) {
      // The Invoke API refuses anything else; a job stored before it did may still have it.
      // Serialized again, the JSON has no raw control characters (none can end the header).
      if (std::optional<std::string> decoded = runtime::DecodeBase64(context)) {
        boost::system::error_code ec;
        json::value v = json::parse(*decoded, ec);
        if (!ec && v.is_object()) d.client_context = StringifyJson(v);
      }
    }
  } else {
    HttpApiContext ctx;
    ctx.route_key = inv.route;
    ctx.request_id = inv.job_id;
    ctx.time = JobTime(inv.job_id, inv.deadline - inv.function->timeout);
    d.event = BuildHttpApiEvent(inv.request, ctx);
  }
  return d;
}

ResultAs ResultAsFor(bool invoke_job, const std::function<bool()>& caller_waits) {
  if (invoke_job) return ResultAs::kPayload;
  return caller_waits && caller_waits() ? ResultAs::kHttp : ResultAs::kHttpOrPayload;
}

store::Response PayloadResponse(std::string payload) {
  store::Response res;
  res.status = 200;
  res.headers = {{"Content-Type", "application/json"}};
  res.body = std::move(payload);
  return res;
}

std::string ProcessExitedBody(std::string_view request_id) {
  json::object body;
  body["errorMessage"] =
      "RequestId: " + std::string(request_id) + " Process exited before completing request";
  return json::serialize(body);
}

std::string TimeoutMessage(base::Duration timeout) {
  return "Task timed out after " + Seconds(timeout) + " seconds";
}

std::string TimeoutLine(base::TimePoint now, std::string_view request_id, base::Duration timeout) {
  return IsoTime(now) + " " + std::string(request_id) + " " + TimeoutMessage(timeout);
}

std::string TimeoutBody(base::TimePoint now, std::string_view request_id, base::Duration timeout) {
  json::object body;
  body["errorMessage"] = TimeoutLine(now, request_id, timeout);
  return json::serialize(body);
}

std::string StartLine(std::string_view request_id) {
  return "START RequestId: " + std::string(request_id) + " Version: " + std::string(kVersion) +
         "\n";
}

std::string EndLine(std::string_view request_id) {
  return "END RequestId: " + std::string(request_id) + "\n";
}

std::string ReportLine(const ReportInfo& info) {
  std::string line = "REPORT RequestId: " + info.request_id;
  line += "\tDuration: " + Millis(info.duration) + " ms";
  // Whole milliseconds, rounded up, at least 1.
  const int64_t billed = (info.duration.count() + 999) / 1000;
  line += "\tBilled Duration: " + std::to_string(std::max<int64_t>(1, billed)) + " ms";
  line += "\tMemory Size: " + std::to_string(info.memory_mb) + " MB";
  if (info.max_memory_used_mb) {
    line += "\tMax Memory Used: " + std::to_string(*info.max_memory_used_mb) + " MB";
  }
  if (info.init_duration) {
    line += "\tInit Duration: " + Millis(*info.init_duration) + " ms";
  }
  if (!info.status.empty()) {
    line += "\tStatus: " + info.status;
  }
  return line + "\n";
}

void Fail(runtime::Outcome& out, base::Code code, std::string message, std::string body) {
  out.status = base::Status(code, Truncated(std::move(message)));
  out.response.status = 200;
  out.response.headers = {{"Content-Type", "application/json"},
                          {"X-Amz-Function-Error", "Unhandled"}};
  out.response.body = std::move(body);
}

std::string ErrorText(const Report& r) {
  std::string text = r.error_type;
  if (!r.error_message.empty()) {
    text += ": " + r.error_message;
  }
  return text;
}

runtime::Outcome AnswerFor(ResultAs as, Report report) {
  runtime::Outcome out;
  if (report.kind != Report::Kind::kResponse) {
    Fail(out, base::Code::kUnknown, "function error: " + ErrorText(report), std::move(report.body));
  } else if (as == ResultAs::kPayload) {
    out.response = PayloadResponse(std::move(report.body));
  } else if (base::Result<store::Response> mapped = MapHttpApiResult(report.body); mapped.ok()) {
    out.response = std::move(*mapped);
  } else if (as == ResultAs::kHttpOrPayload) {
    // Not JSON, or a malformed statusCode object: labelled as a command's output is.
    out.response = runtime::OutputResponse(std::move(report.body));
  } else {
    Fail(out, base::Code::kInvalidArgument,
         "malformed function result: " + mapped.status().message(),
         json::serialize(json::object{
             {"errorMessage", "malformed function result: " + mapped.status().message()},
             {"errorType", "Runtime.InvalidResponse"}}));
  }
  return out;
}

}  // namespace longhaul::lambda
