#include "http/response_bytes.h"

#include <cstdio>

namespace longhaul::http {

bool IsBodylessStatus(unsigned status) { return status < 200 || status == 204 || status == 304; }

void PreparePayload(Response& res) {
  if (IsBodylessStatus(res.result_int())) {
    res.body().clear();
    res.erase(beast_http::field::content_length);
    res.erase(beast_http::field::transfer_encoding);
    return;
  }
  res.content_length(res.body().size());  // also drops a chunked Transfer-Encoding
}

std::string_view ReasonPhrase(const Response& res) {
  std::string_view reason = res.reason();
  if (reason != "<unknown-status>") return reason;  // what Beast gives for codes it does not know
  switch (res.result_int()) {
    case 418:
      return "I'm a teapot";
    case 425:
      return "Too Early";
    default:
      return "";  // RFC 9112 section 4: the reason phrase may be empty
  }
}

void AppendResponseBytes(const Response& res, std::string& out, bool with_body) {
  const std::string& body = res.body();
  out.reserve(out.size() + 128 + body.size());
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char status[8];
  int n = std::snprintf(status, sizeof status, "%03u ", res.result_int() % 1000);
  out.append(status, static_cast<size_t>(n));
  out += ReasonPhrase(res);
  out += "\r\n";
  for (const auto& field : res) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  if (!with_body) return;
  if (!res.chunked()) {
    out += body;
    return;
  }
  if (!body.empty()) {
    char size[24];
    n = std::snprintf(size, sizeof size, "%zx\r\n", body.size());
    out.append(size, static_cast<size_t>(n));
    out += body;
    out += "\r\n";
  }
  out += "0\r\n\r\n";
}

}  // namespace longhaul::http
