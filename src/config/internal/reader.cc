#include "config/internal/reader.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "base/duration.h"
#include "config/internal/env.h"

namespace longhaul::config::internal {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitute});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

int LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) {
    return 0;
  }
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  // Up to two edits, and fewer than half the word: "listn" -> "listen", but "ab" is not "cd".
  size_t best = std::min<size_t>(3, (word.size() + 1) / 2);
  const std::string* match = nullptr;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best) {
      best = d;
      match = &c;
    }
  }
  return match != nullptr ? " (did you mean `" + *match + "`?)" : "";
}

std::string ChildPath(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

void Context::Error(int line, std::string message) {
  errors_.push_back({std::max(line, 1), std::move(message)});
}

void Context::Error(const Field& field, std::string_view message) {
  std::string text(message);
  // A value substituted from the environment is named as written, not shown: it may be a
  // credential, such as a token in an upstream's URL (QA: config errors and the log's
  // config.reload_rejected printed it). Short values are left, as they match too much.
  std::set<std::string> names;
  if (field.value.IsScalar() && field.value.Scalar().find("${") != std::string::npos &&
      SubstituteEnv(field.value.Scalar(), env_, &names).ok()) {
    for (const std::string& name : names) {
      std::optional<std::string> value = env_(name);
      if (!value || value->size() < 4) continue;
      for (size_t at = text.find(*value); at != std::string::npos;
           at = text.find(*value, at + name.size() + 3)) {
        text.replace(at, value->size(), "${" + name + "}");
      }
    }
  }
  Error(field.line, field.path.empty() ? text : field.path + ": " + text);
}

base::Status Context::ToStatus() const {
  if (errors_.empty()) {
    return base::Status::Ok();
  }
  std::vector<Problem> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string message;
  for (size_t i = 0; i < sorted.size() && i < kMaxErrors; ++i) {
    if (i > 0) {
      message += '\n';
    }
    message += file_ + ":" + std::to_string(sorted[i].line) + ": " + sorted[i].message;
  }
  if (sorted.size() > kMaxErrors) {
    message += "\n" + file_ + ": " + std::to_string(sorted.size() - kMaxErrors) + " more errors";
  }
  return base::InvalidArgument(std::move(message));
}

std::string_view Context::Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a string";
    default:
      return "no value";
  }
}

std::optional<std::string> Context::Scalar(const Field& field, std::string_view expected) {
  if (!field.value.IsScalar()) {
    Error(field,
          "expected " + std::string(expected) + ", got " + std::string(Describe(field.value)));
    return std::nullopt;
  }
  base::Result<std::string> text =
      SubstituteEnv(field.value.Scalar(), env_, in_secret_ ? &secret_variables_ : nullptr);
  if (!text.ok()) {
    Error(field, text.status().message());
    return std::nullopt;
  }
  return std::move(text).value();
}

std::optional<std::string> Context::String(const Field& field, bool allow_empty, TextCheck check) {
  std::optional<std::string> text = Scalar(field, "a string");
  if (text && text->empty() && !allow_empty) {
    Error(field, "must not be empty");
    return std::nullopt;
  }
  // No program argument, environment value, path or header can hold one: it would cut the
  // value short where it is used.
  if (text && text->find('\0') != std::string::npos) {
    Error(field, "holds a NUL character (\\0), which no argument, path or value can carry");
    return std::nullopt;
  }
  if (std::string problem = text && check != nullptr ? check(*text) : ""; !problem.empty()) {
    Error(field, problem);
    return std::nullopt;
  }
  return text;
}

std::optional<bool> Context::Bool(const Field& field) {
  std::optional<std::string> text = Scalar(field, "true or false");
  if (!text) {
    return std::nullopt;
  }
  if (*text == "true") {
    return true;
  }
  if (*text == "false") {
    return false;
  }
  Error(field, "expected true or false, got " + Quote(*text));
  return std::nullopt;
}

std::optional<int64_t> Context::Int(const Field& field, int64_t min, int64_t max) {
  std::optional<std::string> text = Scalar(field, "a whole number");
  if (!text) {
    return std::nullopt;
  }
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) {
    Error(field, "expected a whole number, got " + Quote(*text));
    return std::nullopt;
  }
  if (value < min || value > max) {
    const bool unbounded = max == INT64_MAX || max == INT32_MAX;
    std::string range = unbounded && value < min ? "at least " + std::to_string(min)
                        : unbounded              ? "at most " + std::to_string(max)
                                    : "from " + std::to_string(min) + " to " + std::to_string(max);
    Error(field, "must be " + range + ", got " + *text);
    return std::nullopt;
  }
  return value;
}

std::optional<base::Duration> Context::Duration(const Field& field, base::Duration min) {
  std::optional<std::string> text = Scalar(field, "a duration such as 30s");
  if (!text) {
    return std::nullopt;
  }
  base::Result<base::Duration> d = base::ParseDuration(*text);
  if (!d.ok()) {
    Error(field, d.status().message());
    return std::nullopt;
  }
  if (*d < min) {
    Error(field, min == base::Duration(1) ? "must be greater than 0"
                                          : "must be at least " + base::FormatDuration(min));
    return std::nullopt;
  }
  return *d;
}

std::optional<uint64_t> Context::Size(const Field& field, uint64_t min, uint64_t max,
                                      std::string_view why_max) {
  std::optional<std::string> text = Scalar(field, "a size such as 1MiB");
  if (!text) {
    return std::nullopt;
  }
  base::Result<uint64_t> size = base::ParseSize(*text);
  if (!size.ok()) {
    Error(field, size.status().message());
    return std::nullopt;
  }
  if (*size < min) {
    Error(field, "must be at least " + std::to_string(min) + " bytes");
    return std::nullopt;
  }
  if (*size > max) {
    Error(field,
          "must be at most " + std::to_string(max) + " bytes (" + std::string(why_max) + ")");
    return std::nullopt;
  }
  return *size;
}

std::optional<std::vector<std::string>> Context::Argv(const Field& field,
                                                      std::string_view scalar_hint) {
  return StringItems(field, scalar_hint, /*allow_empty=*/true);
}

std::optional<std::vector<std::string>> Context::StringList(const Field& field,
                                                            std::string_view scalar_hint,
                                                            TextCheck check) {
  return StringItems(field, scalar_hint, /*allow_empty=*/false, check);
}

std::optional<std::vector<std::string>> Context::StringItems(const Field& field,
                                                             std::string_view scalar_hint,
                                                             bool allow_empty, TextCheck check) {
  if (field.value.IsScalar()) {
    Error(field, "use a list" + std::string(scalar_hint));
    return std::nullopt;
  }
  if (!field.value.IsSequence()) {
    Error(field, "expected a list, got " + std::string(Describe(field.value)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < field.value.size(); ++i) {
    const YAML::Node item = field.value[i];
    Field f{field.path + "[" + std::to_string(i) + "]", "", LineOf(item), item};
    if (f.line == 0) {
      f.line = field.line;
    }
    std::optional<std::string> text = String(f, allow_empty && i > 0, check);
    ok = ok && text.has_value();
    if (text) {
      out.push_back(std::move(*text));
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> Context::StringMap(const Field& field,
                                                                     TextCheck check_key,
                                                                     TextCheck check_value) {
  if (!field.value.IsMap()) {
    Error(field, "expected a mapping, got " + std::string(Describe(field.value)));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const Field& entry : Entries(field, "key")) {
    std::string problem = check_key != nullptr ? check_key(entry.key) : "";
    if (!problem.empty()) {
      Error(entry.key_line, field.path + ": " + problem);
      ok = false;
      continue;
    }
    std::optional<std::string> text = String(entry, /*allow_empty=*/true, check_value);
    ok = ok && text.has_value();
    if (text) {
      out[entry.key] = std::move(*text);
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return out;
}

std::vector<Field> Context::Entries(const Field& field, std::string_view what) {
  std::vector<Field> entries;
  std::map<std::string, int> first_line;
  for (YAML::const_iterator it = field.value.begin(); it != field.value.end(); ++it) {
    // Copies: `it->first` lives in a proxy that dies with the full expression.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    int key_line = LineOf(key) > 0 ? LineOf(key) : field.line;
    if (!key.IsScalar() || key.Scalar().empty()) {
      Error(key_line, (field.path.empty() ? "" : field.path + ": ") +
                          (key.IsScalar() ? std::string("a key may not be empty")
                                          : "keys must be non-empty strings, got " +
                                                std::string(Describe(key))));
      continue;
    }
    const std::string& name = key.Scalar();
    auto [prev, inserted] = first_line.emplace(name, key_line);
    if (!inserted) {
      Error(key_line, (field.path.empty() ? "" : field.path + ": ") + "duplicate " +
                          std::string(what) + " `" + name + "` (first at line " +
                          std::to_string(prev->second) + ")");
      continue;
    }
    int line = value.IsScalar() && LineOf(value) > 0 ? LineOf(value) : key_line;
    entries.push_back(Field{ChildPath(field.path, name), name, line, value, key_line});
  }
  return entries;
}

MapReader::MapReader(Context& ctx, Field field) : ctx_(ctx), field_(std::move(field)) {
  if (field_.value.IsMap()) {
    entries_ = ctx_.Entries(field_, "key");
  } else if (field_.value.IsDefined() && !field_.value.IsNull()) {
    ctx_.Error(field_, "expected a mapping, got " + std::string(Context::Describe(field_.value)));
  }
}

const Field* MapReader::Get(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
    known_.emplace_back(key);
  }
  for (const Field& entry : entries_) {
    if (entry.key == key) {
      return &entry;
    }
  }
  return nullptr;
}

const Field* MapReader::Require(std::string_view key, std::string_view hint) {
  const Field* f = Get(key);
  if (f == nullptr) {
    ctx_.Error(field_, "missing `" + std::string(key) + "`" + std::string(hint));
  }
  return f;
}

bool MapReader::ReadString(std::string_view key, std::string* out, bool allow_empty,
                           Context::TextCheck check) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (std::optional<std::string> v = ctx_.String(*f, allow_empty, check)) {
    *out = std::move(*v);
  }
  return true;
}

bool MapReader::ReadBool(std::string_view key, bool* out) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (std::optional<bool> v = ctx_.Bool(*f)) {
    *out = *v;
  }
  return true;
}

bool MapReader::ReadInt(std::string_view key, int* out, int min, int max) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (std::optional<int64_t> v = ctx_.Int(*f, min, max)) {
    *out = static_cast<int>(*v);
  }
  return true;
}

bool MapReader::ReadDuration(std::string_view key, base::Duration* out, base::Duration min) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (std::optional<base::Duration> v = ctx_.Duration(*f, min)) {
    *out = *v;
  }
  return true;
}

bool MapReader::ReadSize(std::string_view key, uint64_t* out, uint64_t min, uint64_t max,
                         std::string_view why_max) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (std::optional<uint64_t> v = ctx_.Size(*f, min, max, why_max)) {
    *out = *v;
  }
  return true;
}

bool MapReader::ReadStringList(std::string_view key, std::vector<std::string>* out,
                               std::string_view scalar_hint) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (auto v = ctx_.StringList(*f, scalar_hint)) {
    *out = std::move(*v);
  }
  return true;
}

int MapReader::ReportUnknownKeys() {
  int unknown = 0;
  for (const Field& entry : entries_) {
    if (std::find(known_.begin(), known_.end(), entry.key) != known_.end()) {
      continue;
    }
    ++unknown;
    std::string hint = DidYouMean(entry.key, known_);
    if (entry.key == "<<") {
      // yaml-cpp reads YAML 1.2, which has no merge key: `<<` is just a key there.
      hint =
          ": YAML merge keys are not supported; write the keys out, or put what functions or "
          "routes share under defaults.functions or defaults.routes";
    } else if (hint.empty()) {
      std::vector<std::string> sorted = known_;
      std::sort(sorted.begin(), sorted.end());
      hint = "; expected one of: ";
      for (size_t i = 0; i < sorted.size(); ++i) {
        hint += (i > 0 ? ", " : "") + sorted[i];
      }
    }
    Field at_key = entry;
    at_key.path = field_.path;
    at_key.line = entry.key_line;
    ctx_.Error(at_key, "unknown key `" + entry.key + "`" + hint);
  }
  return unknown;
}

}  // namespace longhaul::config::internal
