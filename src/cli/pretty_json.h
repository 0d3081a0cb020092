// JSON indented for people (two spaces a level, one member or element a line), for what the
// CLI prints to a terminal; scripts reading a pipe get the API's own compact text.
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace longhaul::cli {

// `text` indented; `text` as it is when it is not JSON. Ends without a newline.
std::string PrettyJson(std::string_view text);

}  // namespace longhaul::cli
