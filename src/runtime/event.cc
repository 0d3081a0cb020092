#include "runtime/event.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "base/base64.h"
#include "base/utf8.h"

namespace longhaul::runtime {
namespace json = boost::json;

namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

base::Status AddHeader(store::Headers& headers, std::string_view name, std::string_view value) {
  if (!IsValidHeaderName(name)) {
    return base::InvalidArgument("invalid response header name '" + std::string(name) + "'");
  }
  if (!IsValidHeaderValue(value)) {
    return base::InvalidArgument("invalid value for response header '" + std::string(name) + "'");
  }
  headers.emplace_back(std::string(name), std::string(value));
  return base::Status::Ok();
}

}  // namespace

bool IsValidHeaderName(std::string_view name) {
  // RFC 9110 token characters, the only ones allowed in a header name.
  auto token = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  };
  return !name.empty() && std::all_of(name.begin(), name.end(), token);
}

bool IsValidHeaderValue(std::string_view value) {
  // RFC 9110 section 5.5: visible characters, spaces, tabs and bytes above 0x7F; no other
  // control character (a CR or LF would end the line early: response splitting).
  for (char c : value) {
    const auto b = static_cast<unsigned char>(c);
    if ((b < 0x20 && b != '\t') || b == 0x7F) return false;
  }
  return true;
}

std::optional<int64_t> StatusCodeOf(const json::value& v) {
  if (const int64_t* i = v.if_int64()) {
    return *i;
  }
  if (const uint64_t* u = v.if_uint64()) {
    return *u > 1000 ? 1000 : static_cast<int64_t>(*u);
  }
  if (const double* d = v.if_double()) {
    if (std::isfinite(*d) && *d == std::floor(*d) && std::fabs(*d) < 1e6) {
      return static_cast<int64_t>(*d);
    }
    return 1000;  // a number, but not a status code
  }
  return std::nullopt;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::array<int8_t, 256> lookup;
  lookup.fill(-1);
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    lookup[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  size_t padding = 0;
  while (padding < 2 && !text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding > 0 && (text.size() + padding) % 4 != 0) {
    return std::nullopt;
  }
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = lookup[static_cast<unsigned char>(c)];
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string EncodeEvent(std::string_view job_id, int attempt, int interrupted,
                        std::string_view function, const store::Request& request) {
  // Valid JSON text for any parser (Python's refuses other bytes): what is not UTF-8 in the
  // request line and fields becomes U+FFFD; the body keeps its bytes (base64).
  json::object headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = base::ToValidUtf8(Lowercase(name));
    std::string text = base::ToValidUtf8(value);
    if (json::value* existing = headers.if_contains(key)) {
      json::string& joined = existing->as_string();
      joined.append(",");
      joined.append(text);
    } else {
      headers[key] = text;
    }
  }
  json::object params;
  for (const auto& [name, value] : request.path_params) {
    params[base::ToValidUtf8(name)] = base::ToValidUtf8(value);
  }
  json::object event;
  event["id"] = job_id;
  event["attempt"] = attempt;
  event["interrupted"] = interrupted;
  event["function"] = function;
  event["method"] = request.method;
  event["path"] = base::ToValidUtf8(request.path);
  event["query"] = base::ToValidUtf8(request.query);
  event["headers"] = std::move(headers);
  event["pathParameters"] = std::move(params);
  bool utf8 = base::IsValidUtf8(request.body);
  event["body"] = utf8 ? request.body : base::Base64Encode(request.body);
  event["isBase64Encoded"] = !utf8;
  return json::serialize(event);
}

base::Result<std::optional<store::Response>> DecodeProxyResponse(std::string_view text) {
  using Decoded = std::optional<store::Response>;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Decoded();
  }
  const json::object* obj = v.if_object();
  if (obj == nullptr) {
    return Decoded();
  }
  const json::value* status_code = obj->if_contains("statusCode");
  if (status_code == nullptr) {
    return Decoded();
  }
  std::optional<int64_t> status = StatusCodeOf(*status_code);
  if (!status) {
    return Decoded();
  }
  // A 1xx is never a final status: sent as one, it leaves the client waiting for the real answer.
  if (*status < 200 || *status > 599) {
    return base::InvalidArgument("response statusCode " + std::to_string(*status) +
                                 " is outside 200..599");
  }
  store::Response response;
  response.status = static_cast<int>(*status);

  if (const json::value* h = obj->if_contains("headers"); h != nullptr && !h->is_null()) {
    const json::object* headers = h->if_object();
    if (headers == nullptr) {
      return base::InvalidArgument("response headers must be an object of strings");
    }
    for (const auto& [name, value] : *headers) {
      const json::string* s = value.if_string();
      if (s == nullptr) {
        return base::InvalidArgument("response header '" + std::string(name) +
                                     "' must be a string");
      }
      LH_RETURN_IF_ERROR(AddHeader(response.headers, name, *s));
    }
  }
  if (const json::value* h = obj->if_contains("multiValueHeaders"); h != nullptr && !h->is_null()) {
    const json::object* headers = h->if_object();
    if (headers == nullptr) {
      return base::InvalidArgument("response multiValueHeaders must be an object of arrays");
    }
    for (const auto& [name, values] : *headers) {
      const json::array* list = values.if_array();
      if (list == nullptr) {
        return base::InvalidArgument("response multiValueHeaders '" + std::string(name) +
                                     "' must be an array of strings");
      }
      for (const json::value& value : *list) {
        const json::string* s = value.if_string();
        if (s == nullptr) {
          return base::InvalidArgument("response multiValueHeaders '" + std::string(name) +
                                       "' must be an array of strings");
        }
        LH_RETURN_IF_ERROR(AddHeader(response.headers, name, *s));
      }
    }
  }
  if (const json::value* b = obj->if_contains("body"); b != nullptr && !b->is_null()) {
    const json::string* body = b->if_string();
    if (body == nullptr) {
      return base::InvalidArgument("response body must be a string");
    }
    response.body = std::string(*body);
  }
  if (const json::value* b = obj->if_contains("isBase64Encoded"); b != nullptr && !b->is_null()) {
    const bool* base64 = b->if_bool();
    if (base64 == nullptr) {
      return base::InvalidArgument("response isBase64Encoded must be a boolean");
    }
    if (*base64) {
      std::optional<std::string> decoded = DecodeBase64(response.body);
      if (!decoded) {
        return base::InvalidArgument("response body is not valid base64");
      }
      response.body = std::move(*decoded);
    }
  }
  return Decoded(std::move(response));
}

store::Response OutputResponse(std::string output) {
  store::Response res;
  res.status = 200;
  if (std::string_view type = OutputContentType(output); !type.empty()) {
    res.headers.emplace_back("Content-Type", std::string(type));
  }
  res.body = std::move(output);
  return res;
}

std::string_view OutputContentType(std::string_view output) {
  if (output.empty()) return "";
  const size_t first = output.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos &&
      std::string_view("{[\"-0123456789tfn").find(output[first]) != std::string_view::npos) {
    boost::system::error_code ec;
    json::parse(output, ec);
    if (!ec) return "application/json";
  }
  return base::IsValidUtf8(output) ? "text/plain; charset=utf-8" : "application/octet-stream";
}

}  // namespace longhaul::runtime
