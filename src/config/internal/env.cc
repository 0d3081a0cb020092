#include "config/internal/env.h"

#include <cctype>
#include <optional>
#include <string>

namespace longhaul::config::internal {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

base::Result<std::string> SubstituteEnv(std::string_view text, const EnvLookup& env,
                                        std::set<std::string>* names) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (text.substr(i, 2) != "${") {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return base::InvalidArgument("unclosed '${' (write '$${' for a literal '${')");
    }
    std::string name(text.substr(i + 2, close - i - 2));
    if (name.empty()) {
      return base::InvalidArgument("empty variable name in '${}'");
    }
    bool valid = IsNameStart(name[0]);
    for (char c : name) {
      valid = valid && IsNameChar(c);
    }
    if (!valid) {
      return base::InvalidArgument("invalid variable name '" + name +
                                   "' in '${...}': use letters, digits and '_'");
    }
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (!value) {
      return base::InvalidArgument("environment variable " + name + " is not set");
    }
    out += *value;
    if (names != nullptr) names->insert(std::move(name));
    i = close + 1;
  }
  return out;
}

}  // namespace longhaul::config::internal
