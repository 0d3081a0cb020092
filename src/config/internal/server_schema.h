// Reads the `server:` section.
// Thread-safety: as Context (single-threaded).
#pragma once

#include "config/config.h"
#include "config/internal/reader.h"

namespace longhaul::config::internal {

// Reads `field` (the value of `server:`; null = all defaults) onto *server, which holds the
// defaults beforehand. Every problem is recorded in `ctx`; valid keys are applied regardless.
void ReadServer(Context& ctx, const Field& field, Server* server);

// Whether a listen host is loopback (127.x.y.z, ::1): the admin API may go without a token.
bool IsLoopback(std::string_view host);

}  // namespace longhaul::config::internal
