// Which headers a proxy passes on, in either direction.
// Thread-safety: pure functions.
#pragma once

#include "store/job.h"

namespace longhaul::runtime::forward {

// Returns `headers` without the hop-by-hop ones (RFC 9110 section 7.6.1: Connection and every
// header it names, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
// Trailer, Transfer-Encoding, Upgrade) and without those the forwarder sets itself (Host,
// Content-Length, Expect). Names compare case-insensitively; order is kept.
store::Headers ForwardableHeaders(const store::Headers& headers);

}  // namespace longhaul::runtime::forward
