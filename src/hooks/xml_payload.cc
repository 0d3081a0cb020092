#include "hooks/xml_payload.h"

#include <boost/algorithm/string/trim.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <string>
#include <system_error>

#include "hooks/request_values.h"  // kMaxNesting

namespace longhaul::hooks {
namespace json = boost::json;
namespace {

class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}

  base::Result<json::object> Document() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    LH_RETURN_IF_ERROR(SkipMisc());
    if (pos_ >= s_.size() || s_[pos_] != '<') return Fail("no root element");
    std::string name;
    json::value v;
    LH_RETURN_IF_ERROR(Element(0, name, v));
    LH_RETURN_IF_ERROR(SkipMisc());
    if (pos_ != s_.size()) return Fail("content after the root element");
    json::object root;
    root[name] = std::move(v);
    return root;
  }

 private:
  base::Status Fail(const std::string& what) const {
    return base::InvalidArgument("invalid XML at byte " + std::to_string(pos_) + ": " + what);
  }

  bool StartsWith(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }

  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  // Comments, processing instructions (including the XML declaration) and whitespace.
  base::Status SkipMisc() {
    for (;;) {
      SkipSpace();
      if (StartsWith("<?")) {
        size_t end = s_.find("?>", pos_);
        if (end == std::string_view::npos) return Fail("unterminated processing instruction");
        pos_ = end + 2;
      } else if (StartsWith("<!--")) {
        size_t end = s_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return Fail("unterminated comment");
        pos_ = end + 3;
      } else if (StartsWith("<!")) {
        return Fail("DTDs and entity declarations are not accepted");
      } else {
        return base::Status::Ok();
      }
    }
  }

  static bool NameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':' || (static_cast<unsigned char>(c) >= 0x80);
  }

  base::Status Name(std::string& out) {
    size_t b = pos_;
    while (pos_ < s_.size() && NameChar(s_[pos_])) ++pos_;
    if (pos_ == b) return Fail("expected a name");
    std::string_view full = s_.substr(b, pos_ - b);
    size_t colon = full.rfind(':');
    out = std::string(colon == std::string_view::npos ? full : full.substr(colon + 1));
    return base::Status::Ok();
  }

  // Appends `text` with the predefined and numeric entities decoded.
  base::Status Decode(std::string_view text, std::string& out) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '&') {
        out += text[i];
        continue;
      }
      size_t semi = text.find(';', i);
      if (semi == std::string_view::npos || semi - i > 12) return Fail("bad entity reference");
      std::string_view ent = text.substr(i + 1, semi - i - 1);
      if (ent == "lt") {
        out += '<';
      } else if (ent == "gt") {
        out += '>';
      } else if (ent == "amp") {
        out += '&';
      } else if (ent == "quot") {
        out += '"';
      } else if (ent == "apos") {
        out += '\'';
      } else if (!ent.empty() && ent[0] == '#') {
        uint32_t cp = 0;
        std::from_chars_result r{};
        if (ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')) {
          r = std::from_chars(ent.data() + 2, ent.data() + ent.size(), cp, 16);
        } else {
          r = std::from_chars(ent.data() + 1, ent.data() + ent.size(), cp, 10);
        }
        if (r.ec != std::errc() || r.ptr != ent.data() + ent.size() || cp == 0 || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
          return Fail("bad character reference");
        }
        AppendUtf8(out, cp);
      } else {
        return Fail("unknown entity &" + std::string(ent) + ";");
      }
      i = semi;
    }
    return base::Status::Ok();
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  static void Add(json::object& o, const std::string& key, json::value v) {
    json::value* existing = o.if_contains(key);
    if (existing == nullptr) {
      o[key] = std::move(v);
    } else if (existing->is_array()) {
      existing->get_array().push_back(std::move(v));
    } else {
      json::array a;
      a.push_back(std::move(*existing));
      a.push_back(std::move(v));
      *existing = std::move(a);
    }
  }

  // At '<' of a start tag. Sets `name` and `out` (a string for a leaf without attributes,
  // else an object).
  base::Status Element(int depth, std::string& name, json::value& out) {
    if (depth >= kMaxNesting) return Fail("elements nested too deeply");
    ++pos_;  // '<'
    LH_RETURN_IF_ERROR(Name(name));
    json::object obj;
    bool has_children = false;
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) return Fail("unterminated start tag");
      if (StartsWith("/>")) {
        pos_ += 2;
        if (obj.empty()) {
          out = "";
        } else {
          out = std::move(obj);
        }
        return base::Status::Ok();
      }
      if (s_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string attr;
      LH_RETURN_IF_ERROR(Name(attr));
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '=') return Fail("expected '=' after an attribute");
      ++pos_;
      SkipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
        return Fail("attribute values must be quoted");
      }
      char q = s_[pos_++];
      size_t end = s_.find(q, pos_);
      if (end == std::string_view::npos) return Fail("unterminated attribute value");
      std::string value;
      LH_RETURN_IF_ERROR(Decode(s_.substr(pos_, end - pos_), value));
      pos_ = end + 1;
      obj["-" + attr] = std::move(value);
    }
    bool has_attrs = !obj.empty();
    std::string text;
    for (;;) {
      if (pos_ >= s_.size()) return Fail("unterminated element <" + name + ">");
      if (StartsWith("</")) {
        pos_ += 2;
        std::string end_name;
        LH_RETURN_IF_ERROR(Name(end_name));
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '>') return Fail("bad end tag");
        ++pos_;
        if (end_name != name) return Fail("</" + end_name + "> does not close <" + name + ">");
        break;
      }
      if (StartsWith("<!--")) {
        size_t end = s_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return Fail("unterminated comment");
        pos_ = end + 3;
      } else if (StartsWith("<![CDATA[")) {
        size_t end = s_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return Fail("unterminated CDATA");
        text.append(s_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else if (StartsWith("<?")) {
        size_t end = s_.find("?>", pos_);
        if (end == std::string_view::npos) return Fail("unterminated processing instruction");
        pos_ = end + 2;
      } else if (StartsWith("<!")) {
        return Fail("declarations are not accepted inside elements");
      } else if (s_[pos_] == '<') {
        std::string child_name;
        json::value child;
        LH_RETURN_IF_ERROR(Element(depth + 1, child_name, child));
        Add(obj, child_name, std::move(child));
        has_children = true;
      } else {
        size_t end = s_.find('<', pos_);
        if (end == std::string_view::npos) end = s_.size();
        LH_RETURN_IF_ERROR(Decode(s_.substr(pos_, end - pos_), text));
        pos_ = end;
      }
    }
    std::string trimmed = boost::algorithm::trim_copy(std::string(text));
    if (!has_attrs && !has_children) {
      out = std::move(trimmed);
      return base::Status::Ok();
    }
    if (!trimmed.empty()) obj["#text"] = std::move(trimmed);
    out = std::move(obj);
    return base::Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

base::Result<json::object> ParseXml(std::string_view text) {
  XmlReader r(text);
  return r.Document();
}

}  // namespace longhaul::hooks
