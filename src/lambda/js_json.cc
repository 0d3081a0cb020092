#include "lambda/js_json.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <string_view>

namespace longhaul::lambda {
namespace json = boost::json;

namespace {

void Append(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(key));
        out += ':';
        Append(out, value);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Append(out, item);
      }
      out += ']';
      return;
    }
    case json::kind::double_:
    case json::kind::int64:
    case json::kind::uint64:
      out += NumberText(v);
      return;
    default:  // string, bool, null
      out += json::serialize(v);
      return;
  }
}

}  // namespace

std::string NumberText(const json::value& number) {
  if (!number.is_double()) return json::serialize(number);  // integers are written in full
  const double d = number.get_double();
  if (!std::isfinite(d)) return "null";
  if (d == 0) return "0";  // -0 too
  // As Number.prototype.toString: plain decimals from 1e-6 up to 1e21, else an exponent.
  const double magnitude = std::fabs(d);
  const auto format = magnitude >= 1e-6 && magnitude < 1e21 ? std::chars_format::fixed
                                                            : std::chars_format::scientific;
  char buf[64];  // a fixed form is at most 21 digits before the point, 23 after it
  std::to_chars_result written = std::to_chars(buf, buf + sizeof buf, d, format);  // shortest
  if (written.ec != std::errc()) return json::serialize(number);
  std::string text(buf, written.ptr);
  // to_chars writes an exponent as printf does ("1e-07"); JavaScript without the zeros.
  if (size_t e = text.find('e'); e != std::string::npos) {
    const size_t digits = e + 2;  // past the sign
    while (digits + 1 < text.size() && text[digits] == '0') text.erase(digits, 1);
  }
  return text;
}

std::string StringifyJson(const json::value& v) {
  std::string out;
  Append(out, v);
  return out;
}

}  // namespace longhaul::lambda
