#include "hooks/go_regex.h"

#include <string>

#include "base/utf8.h"

namespace longhaul::hooks {

base::Result<std::shared_ptr<const Regex>> Regex::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPattern) return base::InvalidArgument("pattern too long");
  RE2::Options options;  // Go's flavour: UTF-8, Perl classes, leftmost-first
  options.set_log_errors(false);
  options.set_never_capture(true);  // only whether it matches
  std::shared_ptr<const Regex> re(new Regex(pattern, options));
  if (!re->re_.ok()) return base::InvalidArgument(re->re_.error());
  return re;
}

base::Result<bool> Regex::Search(std::string_view subject) const {
  if (subject.size() > kMaxSubject) {
    return base::InvalidArgument("value of " + std::to_string(subject.size()) +
                                 " bytes is too long for a regex (limit " +
                                 std::to_string(kMaxSubject) + ")");
  }
  if (!base::IsValidUtf8(subject)) return RE2::PartialMatch(base::ToValidUtf8(subject), re_);
  return RE2::PartialMatch(subject, re_);
}

}  // namespace longhaul::hooks
