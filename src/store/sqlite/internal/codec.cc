#include "store/sqlite/internal/codec.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "base/log.h"

namespace longhaul::store::sqlite::internal {

void EncodeHeaders(const Headers& headers, std::string& out) {
  size_t need = 2;
  for (const auto& [name, value] : headers) {
    need += name.size() + value.size() + 8;
  }
  out.reserve(out.size() + need);
  out += '[';
  bool first = true;
  for (const auto& [name, value] : headers) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += "[\"";
    base::AppendJsonEscaped(out, name);
    out += "\",\"";
    base::AppendJsonEscaped(out, value);
    out += "\"]";
  }
  out += ']';
}

std::string EncodeHeaders(const Headers& headers) {
  std::string out;
  EncodeHeaders(headers, out);
  return out;
}

base::Status DecodeHeaders(std::string_view json, Headers& out) {
  out.clear();
  if (json.empty() || json == "[]") {
    return base::Status::Ok();
  }
  boost::json::parse_options opts;
  opts.allow_invalid_utf8 = true;  // header values may carry obs-text bytes
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec, {}, opts);
  if (ec) {
    return base::Internal("damaged header list in job log: " + ec.message());
  }
  const boost::json::array* arr = v.if_array();
  if (arr == nullptr) {
    return base::Internal("damaged header list in job log: not an array");
  }
  out.reserve(arr->size());
  for (const boost::json::value& pair : *arr) {
    const boost::json::array* kv = pair.if_array();
    if (kv == nullptr || kv->size() != 2 || !(*kv)[0].is_string() || !(*kv)[1].is_string()) {
      return base::Internal("damaged header list in job log: entry is not [name, value]");
    }
    const boost::json::string& name = (*kv)[0].get_string();
    const boost::json::string& value = (*kv)[1].get_string();
    out.emplace_back(std::string(name.data(), name.size()),
                     std::string(value.data(), value.size()));
  }
  return base::Status::Ok();
}

std::string EncodeCursor(int64_t seq) { return "s" + std::to_string(seq); }

base::Result<int64_t> DecodeCursor(std::string_view cursor) {
  if (cursor.size() < 2 || cursor.front() != 's') {
    return base::InvalidArgument("bad cursor");
  }
  int64_t seq = 0;
  const char* begin = cursor.data() + 1;
  const char* end = cursor.data() + cursor.size();
  auto [ptr, ec] = std::from_chars(begin, end, seq);
  if (ec != std::errc() || ptr != end || seq <= 0) {
    return base::InvalidArgument("bad cursor");
  }
  return seq;
}

}  // namespace longhaul::store::sqlite::internal
