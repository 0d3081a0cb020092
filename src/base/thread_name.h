// Names the calling thread ("lh-writer", "lh-io", ...) so `top -H`, `ps -L`, perf and gdb tell
// the server's threads apart. Linux keeps at most 15 characters; longer names are cut.
// Thread-safety: affects only the calling thread.
#pragma once

#include <string_view>

namespace longhaul::base {

void SetThreadName(std::string_view name);

}  // namespace longhaul::base
