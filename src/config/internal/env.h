// ${NAME} substitution in config values.
// Thread-safety: pure function; thread-safe when `env` is.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"

namespace longhaul::config::internal {

// Replaces each `${NAME}` in `text` with env(NAME) and each `$${` with a literal `${`. NAME is
// [A-Za-z_][A-Za-z0-9_]*. Substituted values are not scanned again. A `$` not followed by `{` is
// kept as is. An empty `env` treats every variable as unset.
// Returns the result, or kInvalidArgument saying which variable is unset or what is malformed
// (an unclosed `${`, an empty or invalid name). Adds each substituted name to `names` when set.
base::Result<std::string> SubstituteEnv(std::string_view text, const EnvLookup& env,
                                        std::set<std::string>* names = nullptr);

}  // namespace longhaul::config::internal
