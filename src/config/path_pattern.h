// Route path patterns: "/hooks/{name}/{proxy+}".
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"

namespace longhaul::config {

// Splits `pattern` on '/' into segments. A segment is literal text, `{name}` (one segment, bound
// to `name`) or `{name+}` (the rest of the path, one or more segments; only as the last segment).
// Names are [A-Za-z_][A-Za-z0-9_]* and unique within the pattern. "/" has no segments.
// Returns kInvalidArgument when the pattern does not start with '/', has an empty segment
// ("//" or a trailing '/'), a '?', '#', space or control character, a '{' or '}' inside a literal
// segment, an invalid or repeated name, or a greedy parameter before the end.
base::Result<std::vector<PathSegment>> ParsePathPattern(std::string_view pattern);

// The pattern with parameter names erased and literals percent-decoded ("/café/{}/{+}"): two
// routes with the same method and the same shape match the same requests.
std::string PatternShape(const std::vector<PathSegment>& segments);

}  // namespace longhaul::config
