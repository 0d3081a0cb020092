#include "hooks/request_values.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include "base/percent_encoding.h"
#include "hooks/json_decoder.h"
#include "hooks/xml_payload.h"

namespace longhaul::hooks {
namespace json = boost::json;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

std::string_view TrimView(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::optional<std::string_view> HeaderValue(const store::Request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

std::string FormatDouble(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// A number's text: with `numbers`, `u` is its index there (see DecodeJson).
std::string RenderUint64(uint64_t u, const NumberTexts* numbers) {
  if (numbers != nullptr && u < numbers->size()) return (*numbers)[u];
  return std::to_string(u);
}

void AppendGoString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '<':
      case '>':
      case '&':
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void AppendGoJson(std::string& out, const json::value& v, const NumberTexts* numbers) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    case json::kind::uint64:
      out += RenderUint64(v.get_uint64(), numbers);
      return;
    case json::kind::double_:
      out += FormatDouble(v.get_double());
      return;
    case json::kind::string:
      AppendGoString(out, v.get_string());
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendGoJson(out, e, numbers);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      const json::object& o = v.get_object();
      std::vector<const json::key_value_pair*> items;
      items.reserve(o.size());
      for (const auto& kv : o) items.push_back(&kv);
      std::sort(items.begin(), items.end(),
                [](const auto* a, const auto* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (const auto* kv : items) {
        if (!first) out += ',';
        first = false;
        AppendGoString(out, kv->key());
        out += ':';
        AppendGoJson(out, kv->value(), numbers);
      }
      out += '}';
      return;
    }
  }
}

std::optional<size_t> ParseIndex(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  size_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

const json::value* LookupIn(const json::value& node, std::string_view name) {
  if (node.is_array()) {
    const json::array& a = node.get_array();
    if (a.empty()) return nullptr;
    size_t dot = name.find('.');
    auto idx = ParseIndex(name.substr(0, dot));
    if (!idx || *idx >= a.size()) return nullptr;
    if (dot == std::string_view::npos) return &a[*idx];
    return LookupIn(a[*idx], name.substr(dot + 1));
  }
  if (node.is_object()) return Lookup(node.get_object(), name);
  return nullptr;
}

// upstream ReplaceParameter: walks the dot path (no exact-key shortcut) and replaces the last
// key when it exists.
bool ReplaceIn(json::value& node, std::string_view name, const json::value& with) {
  size_t dot = name.find('.');
  if (node.is_array()) {
    json::array& a = node.get_array();
    if (dot == std::string_view::npos) return false;
    auto idx = ParseIndex(name.substr(0, dot));
    if (!idx || *idx >= a.size()) return false;
    return ReplaceIn(a[*idx], name.substr(dot + 1), with);
  }
  if (!node.is_object()) return false;
  json::object& o = node.get_object();
  if (dot == std::string_view::npos) {
    auto* v = o.if_contains(name);
    if (v == nullptr) return false;
    *v = with;
    return true;
  }
  auto* v = o.if_contains(name.substr(0, dot));
  if (v == nullptr) return false;
  return ReplaceIn(*v, name.substr(dot + 1), with);
}

bool ReplaceInObject(json::object& o, std::string_view name, const json::value& with) {
  json::value wrapper(std::move(o));
  bool replaced = ReplaceIn(wrapper, name, with);
  o = std::move(wrapper.get_object());
  return replaced;
}

// ---- multipart -----------------------------------------------------------------------------

// The value of parameter `key` in a header value such as `form-data; name="a"; filename="b"`
// or a content type's `boundary=...`.
std::optional<std::string> HeaderParam(std::string_view value, std::string_view key) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string k = Lower(TrimView(value.substr(i, eq - i)));
    size_t v = eq + 1;
    std::string val;
    if (v < value.size() && value[v] == '"') {
      ++v;
      while (v < value.size() && value[v] != '"') {
        if (value[v] == '\\' && v + 1 < value.size()) ++v;
        val += value[v++];
      }
      if (v < value.size()) ++v;  // closing quote
    } else {
      while (v < value.size() && value[v] != ';') val += value[v++];
      val = std::string(TrimView(val));
    }
    if (k == key) return val;
    i = value.find(';', v);
  }
  return std::nullopt;
}

// `s` with Go's url.QueryUnescape: '+' is a space, "%XY" the byte XY; nullopt for a '%' that is
// not followed by two hex digits.
std::optional<std::string> GoQueryUnescape(std::string_view s) {
  using base::HexDigit;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else if (i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// The pairs of `query` as Go's url.ParseQuery keeps them, in order: a pair with a ';' or a bad
// escape is left out, and `*bad` is set.
std::vector<std::pair<std::string, std::string>> GoParseQuery(std::string_view query, bool* bad) {
  std::vector<std::pair<std::string, std::string>> out;
  *bad = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) {
      *bad = true;
      continue;
    }
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> key = GoQueryUnescape(pair.substr(0, eq));
    std::optional<std::string> value =
        GoQueryUnescape(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) {
      *bad = true;
      continue;
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace

std::string CanonicalHeaderKey(std::string_view name) {
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    bool token =
        std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return std::string(name);
  }
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

const json::value* Lookup(const json::object& root, std::string_view name) {
  if (const json::value* exact = root.if_contains(name)) return exact;
  size_t dot = name.find('.');
  if (dot == std::string_view::npos) return nullptr;
  const json::value* first = root.if_contains(name.substr(0, dot));
  if (first == nullptr) return nullptr;
  return LookupIn(*first, name.substr(dot + 1));
}

std::string GoJson(const json::value& v, const NumberTexts* numbers) {
  std::string out;
  AppendGoJson(out, v, numbers);
  return out;
}

std::string RenderValue(const json::value& v, const NumberTexts* numbers) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::null:
      return "<nil>";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return RenderUint64(v.get_uint64(), numbers);
    case json::kind::double_:
      return FormatDouble(v.get_double());
    default:
      return GoJson(v, numbers);
  }
}

base::Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type,
                                                        std::string_view body) {
  auto boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) {
    return base::InvalidArgument("multipart: no boundary in the content type");
  }
  std::string delim = "--" + *boundary;
  std::vector<MultipartPart> parts;
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return base::InvalidArgument("multipart: no first boundary");
  pos += delim.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    // The rest of the delimiter line.
    size_t eol = body.find('\n', pos);
    if (eol == std::string_view::npos) return base::InvalidArgument("multipart: truncated body");
    pos = eol + 1;
    MultipartPart part;
    // Headers up to an empty line.
    for (;;) {
      size_t end = body.find('\n', pos);
      if (end == std::string_view::npos) {
        return base::InvalidArgument("multipart: truncated part headers");
      }
      std::string_view line = body.substr(pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = end + 1;
      if (line.empty()) break;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        return base::InvalidArgument("multipart: malformed part header");
      }
      std::string key = Lower(TrimView(line.substr(0, colon)));
      std::string_view value = TrimView(line.substr(colon + 1));
      if (key == "content-disposition") {
        part.name = HeaderParam(value, "name").value_or("");
        part.filename = HeaderParam(value, "filename").value_or("");
      } else if (key == "content-type") {
        part.content_type = std::string(value);
      }
    }
    size_t next = body.find(delim, pos);
    if (next == std::string_view::npos) {
      return base::InvalidArgument("multipart: missing closing boundary");
    }
    size_t end = next;
    if (end > pos && body[end - 1] == '\n') --end;
    if (end > pos && body[end - 1] == '\r') --end;
    part.body = std::string(body.substr(pos, end - pos));
    parts.push_back(std::move(part));
    pos = next + delim.size();
  }
}

void ApplyJsonParameters(RequestValues& values, const std::vector<ValueRef>& refs,
                         std::vector<std::string>& notes) {
  for (const ValueRef& ref : refs) {
    json::object* target = nullptr;
    std::string key = ref.name;
    switch (ref.source) {
      case ValueRef::Source::kHeader:
        target = &values.headers;
        key = CanonicalHeaderKey(ref.name);
        break;
      case ValueRef::Source::kQuery:
        target = &values.query;
        break;
      case ValueRef::Source::kPayload:
        target = &values.payload;
        break;
      default:
        notes.push_back("parse-parameters-as-json: source of `" + ref.name +
                        "` must be header, url/query or payload");
        continue;
    }
    auto text = Resolve(ref, values);
    if (!text.ok()) {
      notes.push_back("parse-parameters-as-json: `" + ref.name + "`: " + text.status().message());
      continue;
    }
    auto parsed = DecodeJson(*text, kMaxNesting, values.numbers);
    if (!parsed.ok() || !parsed->is_object()) {
      notes.push_back("parse-parameters-as-json: `" + ref.name + "` is not a JSON object");
      continue;
    }
    ReplaceInObject(*target, key, *parsed);
  }
}

base::Result<RequestValues> ParseRequest(const store::Request& req, const Hook& hook) {
  RequestValues out;
  out.method = req.method;
  out.remote_addr = req.remote_addr;
  out.raw_body = req.body;
  for (const auto& [k, v] : req.headers) {
    std::string key = CanonicalHeaderKey(k);
    if (key == "Host") continue;  // Go moves it out of the header map
    if (!out.headers.contains(key)) out.headers[key] = v;
  }
  bool bad_query = false;  // as webhook (URL.Query()), the pairs Go can read are kept
  for (auto& [k, v] : GoParseQuery(req.query, &bad_query)) {
    if (!out.query.contains(k)) out.query[k] = std::move(v);
  }

  std::string content_type = hook.content_type;
  if (content_type.empty())
    content_type = std::string(HeaderValue(req, "Content-Type").value_or(""));
  std::string lower = Lower(content_type);
  if (Contains(lower, "json")) {
    std::string_view body = req.body;
    size_t first = 0;
    while (first < body.size() && std::isspace(static_cast<unsigned char>(body[first]))) ++first;
    auto parsed = DecodeJson(body, kMaxNesting, out.numbers);
    if (!parsed.ok()) {
      out.payload_error = "cannot parse the JSON payload: " + parsed.status().message();
    } else if (first < body.size() && body[first] == '[') {
      out.payload["root"] = std::move(*parsed);
      out.has_payload = true;
    } else if (parsed->is_object()) {
      out.payload = std::move(parsed->get_object());
      out.has_payload = true;
    } else {
      out.payload_error = "the JSON payload is not an object or array";
    }
  } else if (Contains(lower, "x-www-form-urlencoded")) {
    bool bad = false;
    auto pairs = GoParseQuery(req.body, &bad);
    if (bad) {
      // webhook keeps no payload at all then.
      out.payload_error = "cannot parse the form payload: a pair has a ';' or a bad %-escape";
    } else {
      for (auto& [k, v] : pairs) {
        if (!out.payload.contains(k)) out.payload[k] = std::move(v);
      }
      out.has_payload = true;
    }
  } else if (Contains(lower, "xml")) {
    auto parsed = ParseXml(req.body);
    if (!parsed.ok()) {
      out.payload_error = "cannot parse the XML payload: " + parsed.status().message();
    } else {
      out.payload = std::move(*parsed);
      out.has_payload = true;
    }
  } else if (lower.rfind("multipart/form-data;", 0) == 0) {
    auto parts = ParseMultipart(content_type, req.body);
    if (!parts.ok()) return parts.status();
    out.raw_body.clear();
    out.has_payload = true;
    for (const MultipartPart& p : *parts) {
      if (p.name.empty() || out.payload.contains(p.name)) continue;
      if (p.filename.empty()) {
        out.payload[p.name] = p.body;
        continue;
      }
      bool as_json = Lower(p.content_type).rfind("application/json", 0) == 0;
      for (const ValueRef& ref : hook.json_parameters) {
        if (ref.source == ValueRef::Source::kPayload && ref.name == p.name) as_json = true;
      }
      if (!as_json) continue;
      auto parsed = DecodeJson(p.body, kMaxNesting, out.numbers);
      if (parsed.ok()) out.payload[p.name] = std::move(*parsed);
    }
  } else if (!content_type.empty()) {
    out.payload_error = "unsupported content type " + content_type;
  }

  std::vector<std::string> notes;
  ApplyJsonParameters(out, hook.json_parameters, notes);
  for (const auto& n : notes) {
    if (!out.payload_error.empty()) out.payload_error += "; ";
    out.payload_error += n;
  }
  return out;
}

base::Result<std::string> Resolve(const ValueRef& ref, const RequestValues& values) {
  const json::object* source = nullptr;
  std::string key = ref.name;
  switch (ref.source) {
    case ValueRef::Source::kHeader:
      source = &values.headers;
      key = CanonicalHeaderKey(ref.name);
      break;
    case ValueRef::Source::kQuery:
      source = &values.query;
      break;
    case ValueRef::Source::kPayload:
      source = &values.payload;
      break;
    case ValueRef::Source::kString:
      return ref.name;
    case ValueRef::Source::kRawBody:
      return std::string(values.raw_body);
    case ValueRef::Source::kRequest: {
      std::string n = Lower(ref.name);
      if (n == "method") return values.method;
      if (n == "remote-addr") return values.remote_addr;
      return base::InvalidArgument("unsupported request key \"" + ref.name + "\"");
    }
    case ValueRef::Source::kEntirePayload:
      return values.has_payload ? GoJson(json::value(values.payload), &values.numbers)
                                : std::string("null");
    case ValueRef::Source::kEntireHeaders:  // parse-parameters-as-json may have put numbers in
      return GoJson(json::value(values.headers), &values.numbers);
    case ValueRef::Source::kEntireQuery:
      return GoJson(json::value(values.query), &values.numbers);
  }
  const json::value* v = Lookup(*source, key);
  if (v == nullptr) return base::NotFound("parameter node not found: " + key);
  return RenderValue(*v, &values.numbers);
}

}  // namespace longhaul::hooks
