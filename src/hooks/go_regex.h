// Go regular expressions for the `regex` match rule of hooks files, run by RE2: the library
// Go's regexp syntax comes from, which matches in time linear in the value (no backtracking, so
// a hostile value cannot stall a thread), over UTF-8 characters, with Go's ASCII classes.
// Thread-safety: a compiled Regex may be used from many threads at once.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace longhaul::hooks {

// An unanchored search with Go (RE2) syntax. The few constructs Go accepts and RE2 does not
// (none that webhook users write: `\C`, and some Unicode class names) are refused at load.
class Regex {
 public:
  static constexpr size_t kMaxPattern = 4096;       // bytes
  static constexpr size_t kMaxSubject = 64 * 1024;  // bytes; longer values are a rule error

  // kInvalidArgument naming what is malformed or unsupported (RE2's words).
  static base::Result<std::shared_ptr<const Regex>> Compile(std::string_view pattern);
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Whether the pattern matches anywhere in `subject` (which may contain NUL bytes; a byte
  // that is not UTF-8 is one character, U+FFFD, as in Go). kInvalidArgument when `subject` is
  // longer than kMaxSubject.
  base::Result<bool> Search(std::string_view subject) const;

 private:
  explicit Regex(std::string_view pattern, const RE2::Options& options) : re_(pattern, options) {}
  RE2 re_;
};

}  // namespace longhaul::hooks
