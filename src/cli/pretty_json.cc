#include "cli/pretty_json.h"

#include <boost/json.hpp>

namespace longhaul::cli {
namespace {

namespace json = boost::json;

void Write(const json::value& v, int depth, std::string& out) {
  const std::string indent(2 * (depth + 1), ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : v.get_object()) {
      out += first ? "" : ",\n";
      first = false;
      out += indent + json::serialize(json::string_view(key)) + ": ";
      Write(member, depth + 1, out);
    }
    out += "\n" + std::string(2 * depth, ' ') + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const json::value& element : v.get_array()) {
      out += first ? "" : ",\n";
      first = false;
      out += indent;
      Write(element, depth + 1, out);
    }
    out += "\n" + std::string(2 * depth, ' ') + "]";
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::string PrettyJson(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 1000;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return std::string(text);
  std::string out;
  Write(v, 0, out);
  return out;
}

}  // namespace longhaul::cli
