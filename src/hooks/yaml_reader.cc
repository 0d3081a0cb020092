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

void ApplyMergeKeys(YAML::Node node, Reader& r, int depth) {
  // Aliases may nest deep (or loop): past this depth nothing more is merged.
  if (depth > 64) {
    r.Error(LineOf(node), "YAML nested too deep (or an alias refers to itself)");
    return;
  }
  if (node.IsSequence()) {
    for (YAML::Node item : node) ApplyMergeKeys(item, r, depth + 1);
    return;
  }
  if (!node.IsMap()) return;
  std::vector<YAML::Node> sources;
  YAML::Node merge_key;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Tag() == "?" && it->first.Scalar() == "<<") {
      merge_key = it->first;
      const YAML::Node value = it->second;  // a copy: the iterator hands out a temporary
      if (value.IsMap()) {
        sources.push_back(value);
      } else if (value.IsSequence()) {
        for (const YAML::Node& item : value) {
          if (!item.IsMap()) {
            r.Error(LineOf(item), "a merge key (<<) takes mappings, not this");
            return;
          }
          sources.push_back(item);
        }
      } else {
        r.Error(LineOf(value), "a merge key (<<) takes a mapping or a list of mappings");
        return;
      }
    } else {
      ApplyMergeKeys(it->second, r, depth + 1);
    }
  }
  if (!merge_key) return;
  node.remove(merge_key);
  for (YAML::Node& source : sources) {
    ApplyMergeKeys(source, r, depth + 1);
    for (auto it = source.begin(); it != source.end(); ++it) {
      const YAML::Node& own = node;  // a const lookup adds no key
      if (it->first.IsScalar() && !own[it->first.Scalar()]) node[it->first] = it->second;
    }
  }
}

}  // namespace longhaul::hooks
