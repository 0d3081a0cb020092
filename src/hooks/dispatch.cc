#include "hooks/dispatch.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/request_values.h"
#include "hooks/rules.h"
#include "ingest/route_table.h"

namespace longhaul::hooks {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";

void SetHeader(store::Headers& headers, const std::string& name, const std::string& value) {
  for (auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

bool HasHeader(const store::Headers& headers, const char* name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& kv) { return strcasecmp(kv.first.c_str(), name) == 0; });
}

store::Response Text(int status, std::string body) {
  store::Response r;
  r.status = status;
  if (!body.empty()) r.headers.emplace_back("Content-Type", kTextPlain);
  r.body = std::move(body);
  return r;
}

// Sets Content-Type from the body unless a header set one, as Go's server does: not for a
// status that has no body (204, 304), whose body is never sent.
void Sniff(store::Response& r) {
  if (r.status == 204 || r.status == 304 || HasHeader(r.headers, "Content-Type")) return;
  std::string type = SniffContentType(r.body);
  if (!type.empty()) r.headers.emplace_back("Content-Type", type);
}

// `path` as webhook's router (gorilla/mux) cleans it before it routes: no empty, `.` or `..`
// segments (Go's path.Clean), a trailing slash kept.
std::string CleanPath(std::string_view path) {
  std::vector<std::string_view> kept;
  for (size_t at = 0; at <= path.size();) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(at, slash - at);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    at = slash + 1;
  }
  std::string out;
  for (std::string_view segment : kept) (out += '/') += segment;
  if (out.empty() || (path.ends_with('/') && out != "/")) out += '/';
  return out;
}

bool MethodAllowed(const std::vector<std::string>& allowed, const std::string& method) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), method) != allowed.end();
}

}  // namespace

int KnownStatus(int code) {
  static const int kKnown[] = {200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301,
                               302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405,
                               406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
                               418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500,
                               501, 502, 503, 504, 505, 506, 507, 508, 510, 511};
  return std::find(std::begin(kKnown), std::end(kKnown), code) != std::end(kKnown) ? code : 200;
}

std::string SniffContentType(std::string_view body) {
  if (body.empty()) return "";
  size_t i = 0;
  while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' ||
                             body[i] == '\r' || body[i] == '\f')) {
    ++i;
  }
  std::string_view rest = body.substr(i);
  auto starts_tag = [&](std::string_view tag) {
    if (rest.size() <= tag.size()) return false;
    if (strncasecmp(rest.data(), tag.data(), tag.size()) != 0) return false;
    char next = rest[tag.size()];
    return next == ' ' || next == '>';
  };
  static const char* const kHtml[] = {"<!DOCTYPE HTML",
                                      "<HTML",
                                      "<HEAD",
                                      "<SCRIPT",
                                      "<IFRAME",
                                      "<H1",
                                      "<DIV",
                                      "<FONT",
                                      "<TABLE",
                                      "<A",
                                      "<STYLE",
                                      "<TITLE",
                                      "<B",
                                      "<BODY",
                                      "<BR",
                                      "<P",
                                      "<!--"};
  for (const char* tag : kHtml) {
    if (starts_tag(tag)) return "text/html; charset=utf-8";
  }
  if (rest.substr(0, 5) == "<?xml") return "text/xml; charset=utf-8";
  for (size_t k = 0; k < body.size() && k < 512; ++k) {
    unsigned char c = static_cast<unsigned char>(body[k]);
    if (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F)) {
      return "application/octet-stream";
    }
  }
  return kTextPlain;
}

void AddGlobalHeaders(const WebhookOptions& options, store::Headers& headers) {
  for (const auto& [k, v] : options.response_headers) SetHeader(headers, k, v);
}

Dispatch Decide(const HookSet& hooks, const WebhookOptions& options, const store::Request& req,
                base::TimePoint now) {
  Dispatch d;
  if (req.path == "/") {
    d.answer = Text(200, "OK");
    AddGlobalHeaders(options, d.answer.headers);
    d.event = "hook.health";
    return d;
  }
  // A path such as //hooks/x or /hooks/./x is sent to its clean form, as webhook's router does.
  if (std::string clean = CleanPath(req.path); req.path.starts_with('/') && clean != req.path) {
    d.answer.status = 301;
    d.answer.headers.emplace_back("Location", req.query.empty() ? clean : clean + "?" + req.query);
    d.event = "hook.redirect";
    d.detail = clean;
    return d;
  }
  std::string prefix = options.url_prefix.empty() ? "/" : "/" + options.url_prefix + "/";
  if (req.path.compare(0, prefix.size(), prefix) != 0) {
    d.answer = Text(404, "404 page not found\n");
    d.answer.headers.emplace_back("X-Content-Type-Options", "nosniff");  // as Go's http.Error
    d.event = "hook.no_route";
    return d;
  }
  std::string id = ingest::PercentDecode(std::string_view(req.path).substr(prefix.size()));
  const Hook* hook = hooks.Find(id);
  if (hook == nullptr) {
    d.answer = Text(404, "Hook not found.");
    d.event = "hook.not_found";
    d.detail = id;
    return d;
  }
  d.hook = hook;
  const std::vector<std::string>& allowed =
      hook->http_methods.empty() ? options.http_methods : hook->http_methods;
  if (!MethodAllowed(allowed, req.method)) {
    d.answer.status = 405;
    d.event = "hook.method_not_allowed";
    d.detail = req.method;
    return d;
  }

  auto values = ParseRequest(req, *hook);
  if (!values.ok()) {
    d.answer = Text(500, "Error occurred while parsing multipart form.");
    AddGlobalHeaders(options, d.answer.headers);
    d.event = "hook.multipart_error";
    d.detail = values.status().message();
    return d;
  }
  d.detail = values->payload_error;
  TriggerResult t = EvaluateTrigger(*hook, *values, now);
  if (!t.message.empty()) d.detail += (d.detail.empty() ? "" : "; ") + t.message;
  switch (t.verdict) {
    case Verdict::kError:
      d.answer = Text(500, "Error occurred while evaluating hook rules.");
      AddGlobalHeaders(options, d.answer.headers);
      d.event = "hook.rules_error";
      return d;
    case Verdict::kNotSatisfied:
      d.answer = Text(KnownStatus(hook->mismatch_code), "Hook rules were not satisfied.");
      AddGlobalHeaders(options, d.answer.headers);
      d.event = "hook.rules_not_satisfied";
      return d;
    case Verdict::kTriggered:
      break;
  }
  d.kind = Dispatch::Kind::kTrigger;
  d.path = HookPath(options.url_prefix, hook->id);
  d.event = "hook.triggered";
  return d;
}

store::Response TriggeredAnswer(const Hook& hook, const WebhookOptions& options) {
  store::Response r;
  r.status = KnownStatus(hook.success_code);
  AddGlobalHeaders(options, r.headers);
  for (const auto& [k, v] : hook.response_headers) SetHeader(r.headers, k, v);
  r.body = hook.response_message;
  Sniff(r);
  return r;
}

store::Response OutputAnswer(const Hook& hook, const WebhookOptions& options,
                             const store::Job& job) {
  store::Response r;
  AddGlobalHeaders(options, r.headers);
  for (const auto& [k, v] : hook.response_headers) SetHeader(r.headers, k, v);
  if (job.state == store::JobState::kSucceeded) {
    r.status = KnownStatus(hook.success_code);
    r.body = job.result ? job.result->body : std::string();
    Sniff(r);
    return r;
  }
  if (store::IsTerminal(job.state)) {
    r.status = 500;
    if (hook.capture_output_on_error) {
      r.body = job.stdout_tail;
      Sniff(r);
    } else {
      SetHeader(r.headers, "Content-Type", kTextPlain);
      r.body =
          "Error occurred while executing the hook's command. Please check your logs for more "
          "details.";
    }
    return r;
  }
  r.status = 504;
  SetHeader(r.headers, "Content-Type", kTextPlain);
  r.body = "Timed out waiting for the hook's command; job " + job.id + " goes on.";
  return r;
}

}  // namespace longhaul::hooks
