#include "lambda/apigw.h"

#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <optional>
#include <utility>

#include "base/base64.h"
#include "base/utf8.h"
#include "lambda/js_json.h"
#include "runtime/event.h"
#include "runtime/process/environment.h"

namespace longhaul::lambda {
namespace json = boost::json;

namespace {

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Sets `key` to `value`, or appends ",value" when it is already there.
void JoinInto(json::object& obj, std::string_view key, std::string_view value) {
  if (json::value* existing = obj.if_contains(key)) {
    json::string& joined = existing->as_string();
    joined.append(",");
    joined.append(value);
  } else {
    obj[key] = value;
  }
}

std::string HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [::1]:8080
    size_t end = host.find(']');
    return std::string(host.substr(0, end == std::string_view::npos ? host.size() : end + 1));
  }
  size_t colon = host.find(':');
  return std::string(host.substr(0, colon));
}

// A header value as API Gateway accepts it: a string, a number or a boolean.
std::optional<std::string> HeaderValueText(const json::value& v) {
  if (const json::string* s = v.if_string()) {
    return std::string(*s);
  }
  if (v.is_number()) {
    return NumberText(v);
  }
  if (v.is_bool()) {
    return json::serialize(v);
  }
  return std::nullopt;
}

bool HasHeader(const store::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && Lowercase(k) == Lowercase(name)) {
      return true;
    }
  }
  return false;
}

base::Result<store::Response> MapStructured(const json::object& obj) {
  store::Response response;
  std::optional<int64_t> status = runtime::StatusCodeOf(obj.at("statusCode"));
  // A 1xx is never a final status: sent as one, it leaves the client waiting for the real answer.
  if (!status || *status < 200 || *status > 599) {
    return base::InvalidArgument("statusCode must be an integer from 200 to 599");
  }
  response.status = static_cast<int>(*status);
  if (const json::value* h = obj.if_contains("headers"); h != nullptr && !h->is_null()) {
    const json::object* headers = h->if_object();
    if (headers == nullptr) {
      return base::InvalidArgument("headers must be an object");
    }
    for (const auto& [name, value] : *headers) {
      std::optional<std::string> text = HeaderValueText(value);
      if (!text) {
        return base::InvalidArgument("header '" + std::string(name) + "' must be a string");
      }
      if (!runtime::IsValidHeaderName(name) || !runtime::IsValidHeaderValue(*text)) {
        return base::InvalidArgument("header '" + std::string(name) + "' cannot be sent");
      }
      response.headers.emplace_back(std::string(name), std::move(*text));
    }
  }
  if (const json::value* c = obj.if_contains("cookies"); c != nullptr && !c->is_null()) {
    const json::array* cookies = c->if_array();
    if (cookies == nullptr) {
      return base::InvalidArgument("cookies must be an array of strings");
    }
    for (const json::value& cookie : *cookies) {
      const json::string* s = cookie.if_string();
      if (s == nullptr || !runtime::IsValidHeaderValue(*s)) {
        return base::InvalidArgument("cookies must be an array of strings");
      }
      response.headers.emplace_back("Set-Cookie", std::string(*s));
    }
  }
  if (const json::value* b = obj.if_contains("body"); b != nullptr && !b->is_null()) {
    if (const json::string* s = b->if_string()) {
      response.body = std::string(*s);
    } else {
      response.body = StringifyJson(*b);
    }
  }
  if (const json::value* b = obj.if_contains("isBase64Encoded"); b != nullptr && !b->is_null()) {
    const bool* base64 = b->if_bool();
    if (base64 == nullptr) {
      return base::InvalidArgument("isBase64Encoded must be a boolean");
    }
    if (*base64) {
      std::optional<std::string> decoded = runtime::DecodeBase64(response.body);
      if (!decoded) {
        return base::InvalidArgument("body is not valid base64");
      }
      response.body = std::move(*decoded);
    }
  }
  if (!HasHeader(response.headers, "content-type")) {
    response.headers.emplace_back("Content-Type", "application/json");
  }
  return response;
}

// As an HTTP API passes a body: as text only for these media types (and only valid UTF-8: JSON
// cannot carry other bytes); any other type, a form or none at all, as base64.
bool BodyAsText(const store::Request& request) {
  for (const auto& [name, value] : request.headers) {
    if (Lowercase(name) != "content-type") continue;
    std::string type = Lowercase(Trim(std::string_view(value).substr(0, value.find(';'))));
    return (type.starts_with("text/") || type == "application/json" || type == "application/xml" ||
            type == "application/javascript") &&
           base::IsValidUtf8(request.body);
  }
  return false;
}

}  // namespace

std::string FormatRequestTime(base::TimePoint t) {
  std::time_t secs = static_cast<std::time_t>(base::ToUnixMs(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return std::string(buf, n);
}

std::string BuildHttpApiEvent(const store::Request& request, const HttpApiContext& context) {
  std::string route_key = context.route_key.empty() ? "$default" : context.route_key;
  json::object headers;
  json::array cookies;
  std::string host;
  std::string user_agent;
  for (const auto& [name, value] : request.headers) {
    std::string key = Lowercase(name);
    if (key == "cookie") {
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t semi = rest.find(';');
        std::string_view part = Trim(rest.substr(0, semi));
        if (!part.empty()) {
          cookies.emplace_back(base::ToValidUtf8(part));
        }
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      }
      continue;
    }
    std::string text = base::ToValidUtf8(value);
    if (key == "host" && host.empty()) {
      host = text;
    }
    if (key == "user-agent" && user_agent.empty()) {
      user_agent = text;
    }
    JoinInto(headers, base::ToValidUtf8(key), text);
  }
  if (!request.remote_addr.empty()) {
    // As API Gateway adds them: the sender's address after any chain it brought, the scheme.
    JoinInto(headers, "x-forwarded-for", request.remote_addr);
    if (!headers.contains("x-forwarded-proto")) headers["x-forwarded-proto"] = "http";
  }
  json::object query;
  for (const auto& [name, value] : runtime::process::DecodeQuery(request.query)) {
    JoinInto(query, base::ToValidUtf8(name), base::ToValidUtf8(value));
  }
  json::object params;
  for (const auto& [name, value] : request.path_params) {
    params[name] = base::ToValidUtf8(value);
  }
  std::string domain = host.empty() ? "localhost" : HostWithoutPort(host);
  std::string prefix = domain.substr(0, domain.find('.'));

  json::object http;
  http["method"] = request.method;
  http["path"] = base::ToValidUtf8(request.path);
  http["protocol"] = "HTTP/1.1";
  http["sourceIp"] = request.remote_addr;
  http["userAgent"] = user_agent;
  json::object rc;
  rc["accountId"] = context.account_id;
  rc["apiId"] = context.api_id;
  rc["domainName"] = domain;
  rc["domainPrefix"] = prefix;
  rc["http"] = std::move(http);
  rc["requestId"] = context.request_id;
  rc["routeKey"] = route_key;
  rc["stage"] = "$default";
  rc["time"] = FormatRequestTime(context.time);
  rc["timeEpoch"] = base::ToUnixMs(context.time);

  json::object event;
  event["version"] = "2.0";
  event["routeKey"] = route_key;
  event["rawPath"] = base::ToValidUtf8(request.path);
  event["rawQueryString"] = base::ToValidUtf8(request.query);
  if (!cookies.empty()) {
    event["cookies"] = std::move(cookies);
  }
  event["headers"] = std::move(headers);
  if (!query.empty()) {
    event["queryStringParameters"] = std::move(query);
  }
  event["requestContext"] = std::move(rc);
  if (!params.empty()) {
    event["pathParameters"] = std::move(params);
  }
  const bool text = BodyAsText(request);
  if (!request.body.empty()) {
    event["body"] = text ? request.body : base::Base64Encode(request.body);
  }
  event["isBase64Encoded"] = !text && !request.body.empty();
  return json::serialize(event);
}

size_t HttpApiEventSizeOverLimit(const store::Request& request, const HttpApiContext& context) {
  // Headers (Host and User-Agent twice), the path and the query (raw and decoded) may each
  // appear twice in the event; everything else is a few hundred bytes.
  size_t parts = request.body.size() + 2 * (request.path.size() + request.query.size());
  for (const auto& [name, value] : request.headers) parts += 2 * (name.size() + value.size() + 8);
  for (const auto& [name, value] : request.path_params) parts += name.size() + value.size() + 8;
  if (6 * parts + 4096 + context.route_key.size() <= kMaxEventBytes) return 0;
  const size_t size = BuildHttpApiEvent(request, context).size();
  return size > kMaxEventBytes ? size : 0;
}

base::Result<store::Response> MapHttpApiResult(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec && !payload.empty()) {
    return base::InvalidArgument("the function's result is not JSON (" + ec.message() + ")");
  }
  if (const json::object* obj = v.if_object(); obj != nullptr && obj->contains("statusCode")) {
    return MapStructured(*obj);
  }
  store::Response response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "application/json");
  if (const json::string* s = v.if_string()) {
    response.body = std::string(*s);
  } else {
    response.body = std::string(payload);
  }
  return response;
}

}  // namespace longhaul::lambda
