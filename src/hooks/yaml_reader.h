// Reading a hooks file's YAML the way adnanh/webhook's Go decoder (ghodss/yaml over go-yaml v2)
// sees it, recording every problem with its file and line instead of throwing.
// Thread-safety: a Reader belongs to one parse.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace longhaul::hooks {

// The 1-based line of `node`, 0 when it has none.
int LineOf(const YAML::Node& node);

class Reader;

// Applies YAML 1.1 merge keys in place, as go-yaml does: a mapping's plain `<<: *anchor` (or a
// list of them) adds the keys of the merged mapping(s) that the mapping does not have itself
// (earlier ones in a list first), and the `<<` key goes. A `<<` whose value is not a mapping or
// a list of mappings is an error in `r`. yaml-cpp leaves them as ordinary keys: a trigger-rule
// inherited this way would be dropped.
void ApplyMergeKeys(YAML::Node node, Reader& r, int depth = 0);

// One file's errors and warnings, and typed reads that record problems instead of throwing.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  void Error(int line, const std::string& what);
  void Warn(int line, const std::string& what);
  bool failed() const { return !errors_.empty(); }
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }
  // The errors sorted by line, at most 20 of them, as one kInvalidArgument.
  base::Status ToStatus();

  // A string field as Go's decoder after ghodss/yaml gets it: null -> "", plain YAML 1.1
  // booleans -> "true"/"false", other scalars as written.
  std::optional<std::string> String(const YAML::Node& n, const std::string& where);
  // null is false; otherwise a plain YAML 1.1 boolean.
  std::optional<bool> Bool(const YAML::Node& n, const std::string& where);
  // null is 0; otherwise a plain integer in [min, max].
  std::optional<int64_t> Int(const YAML::Node& n, const std::string& where, int64_t min,
                             int64_t max);
  // Calls `each` for each item of a list; null is an empty list.
  bool List(const YAML::Node& n, const std::string& where,
            const std::function<void(const YAML::Node&, size_t)>& each);
  // Calls `each` for each key (lower-cased, for Go's case-insensitive matching) of a mapping.
  bool Map(const YAML::Node& n, const std::string& where,
           const std::function<void(const std::string&, const YAML::Node&, int)>& each);

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::pair<int, std::string>> errors_;
  std::vector<std::string> warnings_;
};

}  // namespace longhaul::hooks
