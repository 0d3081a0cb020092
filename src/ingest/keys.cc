#include "ingest/keys.h"

#include <strings.h>

#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/percent_encoding.h"
#include "ingest/json_pointer_scan.h"
#include "ingest/route_table.h"

namespace longhaul::ingest {

std::optional<std::string_view> FindHeader(const store::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

std::optional<std::string> FindQueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string k = PercentDecode(pair.substr(0, eq));
    if (k == name) {
      return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

namespace {

// Whether a Content-Type names JSON: application/json or a +json type, any parameters after.
bool SaysJson(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  std::string_view type = content_type->substr(0, content_type->find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return boost::beast::iequals(type, "application/json") ||
         (type.size() > 5 && boost::beast::iequals(type.substr(type.size() - 5), "+json"));
}

}  // namespace

base::Result<std::optional<std::string>> KeyExtractor::FromJson(const std::string& pointer,
                                                                const config::KeySource& source,
                                                                std::string_view what) {
  // One validating pass finds a scalar key without building the document; objects and
  // arrays (their serialized text is the key) and unusual pointers take the full parse.
  PointerScan scan;
  if (body_is_json_.value_or(true)) {
    scan = ScanJsonPointer(JsonText(), pointer);
    if (scan.outcome == PointerScan::Outcome::kInvalidJson && !body_is_json_ &&
        (form_payload_ = base::FormPayload(req_.body, FindHeader(req_.headers, "Content-Type")))) {
      scan = ScanJsonPointer(JsonText(), pointer);
    }
    body_is_json_ = scan.outcome != PointerScan::Outcome::kInvalidJson;
  }
  if (!*body_is_json_) {
    // A body sent as JSON that is not is the sender's mistake, worth a 400 either way;
    // another (a form, text) simply has no key in it.
    if (SaysJson(FindHeader(req_.headers, "Content-Type"))) {
      return base::InvalidArgument(std::string(what) + " " + pointer +
                                   " needs a JSON body, and the body is not valid JSON");
    }
    if (!source.required) return std::optional<std::string>();
    return base::InvalidArgument(std::string(what) + " " + pointer +
                                 " needs a JSON body (or a form with JSON in its payload "
                                 "field), and the body is neither");
  }
  switch (scan.outcome) {
    case PointerScan::Outcome::kString:
    case PointerScan::Outcome::kOther:
      // An empty string is no key, as an empty header or query value is.
      if (!scan.text.empty()) return std::optional<std::string>(std::move(scan.text));
      return std::optional<std::string>();
    case PointerScan::Outcome::kContainer:
    case PointerScan::Outcome::kUnsupported:
      return FromParsedBody(pointer);
    default:
      return std::optional<std::string>();
  }
}

std::optional<std::string> KeyExtractor::FromParsedBody(const std::string& pointer) {
  if (!body_) {
    boost::system::error_code ec;
    // Valid: the scan said so, with the same options.
    body_ = boost::json::parse(JsonText(), ec, &memory_, KeyBodyParseOptions());
  }
  boost::system::error_code ec;
  const boost::json::value* found = body_->find_pointer(pointer, ec);
  if (found == nullptr || found->is_null() || (found->is_string() && found->get_string().empty())) {
    return std::nullopt;
  }
  return found->is_string() ? std::string(found->get_string()) : boost::json::serialize(*found);
}

base::Result<std::string> KeyExtractor::Extract(const config::KeySource& source,
                                                std::string_view what) {
  using Kind = config::KeySource::Kind;
  std::optional<std::string> value;
  switch (source.kind) {
    case Kind::kNone:
      return std::string();
    case Kind::kHeader:
      if (auto h = FindHeader(req_.headers, source.name); h && !h->empty()) value = std::string(*h);
      break;
    case Kind::kQuery:
      if (auto q = FindQueryParam(req_.query, source.name); q && !q->empty()) value = *q;
      break;
    case Kind::kJsonPointer:
      for (size_t i = 0; i <= source.more_pointers.size() && !value; ++i) {
        auto found = FromJson(i == 0 ? source.name : source.more_pointers[i - 1], source, what);
        if (!found.ok()) return found.status();
        if (!*body_is_json_) return std::string();  // not required: no key in such a body
        value = std::move(*found);
      }
      break;
  }
  if (!value) {
    if (source.required) {
      std::string pointers = source.name;
      for (const std::string& p : source.more_pointers) pointers += ", " + p;
      std::string where = source.kind == Kind::kHeader  ? "header " + source.name
                          : source.kind == Kind::kQuery ? "query parameter " + source.name
                          : source.more_pointers.empty()
                              ? "JSON pointer " + source.name + " in the body"
                              : "any of the JSON pointers " + pointers + " in the body";
      return base::InvalidArgument(std::string(what) + " is required but missing (" + where + ")");
    }
    return std::string();
  }
  return std::move(*value);
}

}  // namespace longhaul::ingest
