// Strict, line-aware reading of yaml-cpp nodes for the config loader. Every value is checked for
// shape, type and range; every key must be one the schema asks for; each problem is recorded as
// "FILE:LINE: where: what is wrong" and reading goes on, so one load reports all of them.
// Nothing here throws except yaml-cpp itself, which LoadConfigText() catches.
// Thread-safety: not thread-safe; one Context per load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"

namespace longhaul::config::internal {

// 1-based line where yaml-cpp saw `node`, or 0 when it recorded none.
int LineOf(const YAML::Node& node);

// " (did you mean `x`?)" when one of `candidates` is a likely misspelling of `word`, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// One value as written, and what messages need to point at it.
struct Field {
  std::string path;  // for messages: "functions.echo.timeout", "routes[0].path"; "" = the file
  std::string key;   // the mapping key it was found under; "" for list items and the root
  int line = 1;      // of the value when it is a scalar, else of its key (1-based)
  YAML::Node value;
  int key_line = 0;  // of its key; 0 for list items and the root
};

// "parent.key", or "key" at the root.
std::string ChildPath(std::string_view parent, std::string_view key);

// The errors of one load and the environment ${NAME} is substituted from.
class Context {
 public:
  static constexpr size_t kMaxErrors = 20;

  // `env` may be empty (every variable unset) and must outlive the Context.
  Context(std::string file, const EnvLookup& env) : file_(std::move(file)), env_(env) {}

  // Records "FILE:LINE: message".
  void Error(int line, std::string message);
  // Records "FILE:LINE: PATH: message" at `field`.
  void Error(const Field& field, std::string_view message);

  // OK when nothing was recorded; else kInvalidArgument with one line per error, sorted by line
  // (stable), at most kMaxErrors of them.
  base::Status ToStatus() const;

  // Typed reads of one field. Scalars are read after ${NAME} substitution. Each returns nullopt,
  // after recording an error, when the value has the wrong shape (a mapping or list where a
  // scalar belongs, or no value at all), does not convert, is out of range, or names an unset
  // variable.
  // Returns "" for a good key or value, else what is wrong with it (reported at its line).
  using TextCheck = std::string (*)(std::string_view text);
  // A string; one `check` (when given) finds wrong is an error too.
  std::optional<std::string> String(const Field& field, bool allow_empty = false,
                                    TextCheck check = nullptr);
  std::optional<bool> Bool(const Field& field);  // true | false
  std::optional<int64_t> Int(const Field& field, int64_t min, int64_t max);
  std::optional<base::Duration> Duration(const Field& field, base::Duration min);
  // Above `max`, the error gives `why_max`: the largest value and why, in words.
  std::optional<uint64_t> Size(const Field& field, uint64_t min, uint64_t max = UINT64_MAX,
                               std::string_view why_max = "");
  // A list of non-empty strings, each passing `check` when given. A scalar is refused with "use
  // a list" and `scalar_hint`.
  std::optional<std::vector<std::string>> StringList(const Field& field,
                                                     std::string_view scalar_hint = "",
                                                     TextCheck check = nullptr);
  // A program and its arguments: StringList, where only the program must not be empty
  // (`ssh-keygen -N ""`), and at least the program is given.
  std::optional<std::vector<std::string>> Argv(const Field& field, std::string_view scalar_hint);
  // A mapping of literal keys to (substituted) string values; `check_key` and `check_value`
  // may be null.
  std::optional<std::map<std::string, std::string>> StringMap(const Field& field,
                                                              TextCheck check_key,
                                                              TextCheck check_value = nullptr);
  // One of `choices`, matched exactly.
  template <typename E>
  std::optional<E> Enum(const Field& field,
                        std::initializer_list<std::pair<std::string_view, E>> choices);

  // The entries of a mapping in file order, each key a non-empty plain string. Records an error
  // for any other key and for a repeated one ("duplicate WHAT `k` (first at line N)"), and
  // leaves those out. Precondition: field.value is a mapping.
  std::vector<Field> Entries(const Field& field, std::string_view what);

  // While a SecretScope lives, the names of the variables substituted into what is read are
  // secret_variables(): a variable that holds part of a secret (`secret: whsec_${KEY}`) must
  // not reach functions' environments either.
  class SecretScope {
   public:
    explicit SecretScope(Context& ctx) : ctx_(ctx) { ctx_.in_secret_ = true; }
    ~SecretScope() { ctx_.in_secret_ = false; }
    SecretScope(const SecretScope&) = delete;
    SecretScope& operator=(const SecretScope&) = delete;

   private:
    Context& ctx_;
  };
  const std::set<std::string>& secret_variables() const { return secret_variables_; }

  // "a mapping", "a list", "a string" or "no value": what a node is, for messages.
  static std::string_view Describe(const YAML::Node& node);

 private:
  // The substituted text of a scalar; `expected` names what belongs there, for messages.
  std::optional<std::string> Scalar(const Field& field, std::string_view expected);
  // StringList and Argv: `allow_empty` lets every item but the first be empty.
  std::optional<std::vector<std::string>> StringItems(const Field& field,
                                                      std::string_view scalar_hint,
                                                      bool allow_empty, TextCheck check = nullptr);

  struct Problem {
    int line;
    std::string message;
  };
  std::string file_;
  const EnvLookup& env_;
  std::vector<Problem> errors_;
  bool in_secret_ = false;
  std::set<std::string> secret_variables_;
};

// The keys of one mapping, checked against the keys the schema looks up. Look every key up with
// Get() (or a Read*() shortcut), then call ReportUnknownKeys().
class MapReader {
 public:
  // Reads `field.value` as a mapping. Null reads as empty; any other shape is recorded as an
  // error and reads as empty.
  MapReader(Context& ctx, Field field);

  Context& ctx() { return ctx_; }
  const Field& field() const { return field_; }

  // The value under `key`, or nullptr when absent. Either way `key` becomes a known key.
  const Field* Get(std::string_view key);
  // Like Get(), but records "missing `key`" (followed by `hint`) at the mapping when absent.
  const Field* Require(std::string_view key, std::string_view hint = "");

  // Shortcuts for optional keys: each returns whether `key` is present, and assigns *out only
  // when its value is valid (see Context for the checks).
  bool ReadString(std::string_view key, std::string* out, bool allow_empty = false,
                  Context::TextCheck check = nullptr);
  bool ReadBool(std::string_view key, bool* out);
  bool ReadInt(std::string_view key, int* out, int min, int max);
  bool ReadDuration(std::string_view key, base::Duration* out, base::Duration min);
  bool ReadSize(std::string_view key, uint64_t* out, uint64_t min, uint64_t max = UINT64_MAX,
                std::string_view why_max = "");
  bool ReadStringList(std::string_view key, std::vector<std::string>* out,
                      std::string_view scalar_hint = "");
  template <typename E>
  bool ReadEnum(std::string_view key, std::initializer_list<std::pair<std::string_view, E>> choices,
                E* out);

  // Records "unknown key" for each key no Get() asked for, with the closest known key or the
  // list of known ones, and returns how many there were. Call once, after every lookup.
  int ReportUnknownKeys();

 private:
  Context& ctx_;
  Field field_;
  std::vector<Field> entries_;
  std::vector<std::string> known_;
};

template <typename E>
std::optional<E> Context::Enum(const Field& field,
                               std::initializer_list<std::pair<std::string_view, E>> choices) {
  std::optional<std::string> text = Scalar(field, "a string");
  if (!text) {
    return std::nullopt;
  }
  std::string list;
  for (const auto& [name, value] : choices) {
    if (*text == name) {
      return value;
    }
    list += list.empty() ? "" : ", ";
    list += name;
  }
  Error(field, "unknown value '" + *text + "'; expected one of: " + list);
  return std::nullopt;
}

template <typename E>
bool MapReader::ReadEnum(std::string_view key,
                         std::initializer_list<std::pair<std::string_view, E>> choices, E* out) {
  const Field* f = Get(key);
  if (f == nullptr) {
    return false;
  }
  if (std::optional<E> v = ctx_.Enum(*f, choices)) {
    *out = *v;
  }
  return true;
}

}  // namespace longhaul::config::internal
