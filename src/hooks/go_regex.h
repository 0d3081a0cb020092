// Go (RE2) regular expressions for the `regex` match rule of hooks files, run on glibc's POSIX
// matcher.
// Thread-safety: a compiled Regex may be used from many threads at once.
#pragma once

#include <regex.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace longhaul::hooks {

// An unanchored search with Go RE2 syntax as far as it can be expressed in POSIX extended
// regular expressions (glibc's matcher, which does not backtrack exponentially):
//   \d \D \s \S \w \W \b, escapes of punctuation, (?:...), lazy quantifiers (same yes/no
//   answer), a leading (?i), bracket expressions with escapes and [[:classes:]].
// Other RE2 features (look-around is not RE2 either; \p{..}, named groups, inline flags
// other than a leading (?i)) are refused at load.
class Regex {
 public:
  static constexpr size_t kMaxPattern = 4096;       // bytes
  static constexpr size_t kMaxSubject = 64 * 1024;  // bytes; longer values are a rule error

  // kInvalidArgument naming what is unsupported or malformed.
  static base::Result<std::shared_ptr<const Regex>> Compile(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Whether the pattern matches anywhere in `subject` (which may contain NUL bytes).
  // kInvalidArgument when `subject` is longer than kMaxSubject.
  base::Result<bool> Search(std::string_view subject) const;

  // The POSIX ERE the pattern was translated to (for tests and messages).
  const std::string& posix() const { return posix_; }

 private:
  Regex() = default;
  regex_t re_{};
  bool compiled_ = false;
  std::string posix_;
};

// Translates the RE2 subset above to a POSIX ERE; sets `icase` for a leading (?i).
base::Result<std::string> TranslateRegex(std::string_view pattern, bool& icase);

}  // namespace longhaul::hooks
