#include "hooks/yaml_reader.h"

#include <algorithm>
#include <boost/algorithm/string/case_conv.hpp>
#include <cctype>

namespace longhaul::hooks {
namespace {

constexpr size_t kMaxErrors = 20;

// YAML 1.1 booleans as go-yaml (v2) resolves plain scalars.
std::optional<bool> Yaml11Bool(std::string_view s) {
  static const char* const kTrue[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                      "True", "TRUE", "on",  "On",  "ON"};
  static const char* const kFalse[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                       "False", "FALSE", "off", "Off", "OFF"};
  for (const char* t : kTrue) {
    if (s == t) return true;
  }
  for (const char* f : kFalse) {
    if (s == f) return false;
  }
  return std::nullopt;
}

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?"; }

}  // namespace

int LineOf(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return m.is_null() ? 0 : m.line + 1;
}

void Reader::Error(int line, const std::string& what) {
  errors_.push_back({line, file_ + ":" + std::to_string(line) + ": " + what});
}

void Reader::Warn(int line, const std::string& what) {
  warnings_.push_back(file_ + ":" + std::to_string(line) + ": " + what);
}

base::Status Reader::ToStatus() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string msg;
  for (size_t i = 0; i < errors_.size() && i < kMaxErrors; ++i) {
    if (i > 0) msg += '\n';
    msg += errors_[i].second;
  }
  if (errors_.size() > kMaxErrors) {
    msg += "\n(" + std::to_string(errors_.size() - kMaxErrors) + " more errors)";
  }
  return base::InvalidArgument(msg);
}

std::optional<std::string> Reader::String(const YAML::Node& n, const std::string& where) {
  if (!n || n.IsNull()) return std::string();
  if (!n.IsScalar()) {
    Error(LineOf(n), where + ": must be a string");
    return std::nullopt;
  }
  if (IsPlain(n)) {
    if (auto b = Yaml11Bool(n.Scalar())) return std::string(*b ? "true" : "false");
  }
  return n.Scalar();
}

std::optional<bool> Reader::Bool(const YAML::Node& n, const std::string& where) {
  if (!n || n.IsNull()) return false;
  if (n.IsScalar() && IsPlain(n)) {
    if (auto b = Yaml11Bool(n.Scalar())) return *b;
  }
  Error(LineOf(n), where + ": must be true or false (unquoted)");
  return std::nullopt;
}

std::optional<int64_t> Reader::Int(const YAML::Node& n, const std::string& where, int64_t min,
                                   int64_t max) {
  if (!n || n.IsNull()) return 0;
  if (n.IsScalar() && IsPlain(n)) {
    const std::string& s = n.Scalar();
    size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    bool digits = i < s.size() && s.size() - i <= 12;
    for (size_t k = i; k < s.size() && digits; ++k) {
      digits = std::isdigit(static_cast<unsigned char>(s[k])) != 0;
    }
    if (digits) {
      int64_t v = std::stoll(s);
      if (v >= min && v <= max) return v;
      Error(LineOf(n),
            where + ": must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
  }
  Error(LineOf(n), where + ": must be a number (unquoted)");
  return std::nullopt;
}

bool Reader::List(const YAML::Node& n, const std::string& where,
                  const std::function<void(const YAML::Node&, size_t)>& each) {
  if (!n || n.IsNull()) return true;
  if (!n.IsSequence()) {
    Error(LineOf(n), where + ": must be a list");
    return false;
  }
  size_t i = 0;
  for (const YAML::Node& item : n) each(item, i++);
  return true;
}

bool Reader::Map(const YAML::Node& n, const std::string& where,
                 const std::function<void(const std::string&, const YAML::Node&, int)>& each) {
  if (!n.IsMap()) {
    Error(LineOf(n), where + ": must be a mapping");
    return false;
  }
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) {
      Error(LineOf(kv.first), where + ": keys must be strings");
      continue;
    }
    each(boost::algorithm::to_lower_copy(kv.first.Scalar()), kv.second, LineOf(kv.first));
  }
  return true;
}

}  // namespace longhaul::hooks
