// Reading a whole file (a config, a hooks file, a payload for the CLI) with errno's reason on
// failure: a directory, an unreadable file or a read error is an error, never an empty text.
// Thread-safety: free functions, no shared state.
#pragma once

#include <cstddef>
#include <limits>
#include <string>

#include "base/status.h"

namespace longhaul::base {

// The whole of `path`. Errors: kNotFound "does not exist"; kInvalidArgument "cannot open: …" or
// "cannot read: …" (a directory: "Is a directory"); kPayloadTooLarge once it passes `max_bytes`.
// The messages do not name the path: the caller says what the file was for.
Result<std::string> ReadWholeFile(const std::string& path,
                                  size_t max_bytes = std::numeric_limits<size_t>::max());
// The same for an open descriptor (standard input), read to its end; `fd` stays open.
Result<std::string> ReadWholeFd(int fd, size_t max_bytes = std::numeric_limits<size_t>::max());

}  // namespace longhaul::base
