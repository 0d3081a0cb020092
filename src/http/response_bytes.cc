#include "http/response_bytes.h"

#include <cstdio>

namespace longhaul::http {

void AppendResponseBytes(const Response& res, std::string& out) {
  const std::string& body = res.body();
  out.reserve(out.size() + 128 + body.size());
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char status[8];
  int n = std::snprintf(status, sizeof status, "%03u ", res.result_int() % 1000);
  out.append(status, static_cast<size_t>(n));
  out += res.reason();
  out += "\r\n";
  for (const auto& field : res) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
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
