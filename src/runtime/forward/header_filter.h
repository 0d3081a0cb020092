// Which headers a proxy passes on, in either direction.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "store/job.h"

namespace longhaul::runtime::forward {

// Returns `headers` without the hop-by-hop ones (RFC 9110 section 7.6.1: Connection and every
// header it names, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
// Trailer, Transfer-Encoding, Upgrade) and without those the forwarder sets itself (Host,
// Content-Length, Expect). Names compare case-insensitively; order is kept.
store::Headers ForwardableHeaders(const store::Headers& headers);

// A request's Prefer header (RFC 7240) as the upstream gets it: without respond-async and wait,
// which ask longhaul itself how to answer and which it has applied; the other preferences
// (return=minimal, handling=strict, ...) are the upstream's and stay, in order. Empty when none
// stay (the header is then left out).
std::string UpstreamPreferences(std::string_view prefer);

// Whether `name` is one of the X-Forwarded-* headers that ForwardedHeaders() sets.
bool IsForwardedHeader(std::string_view name);

// The X-Forwarded-* headers a proxy adds to `request` (as de facto standard reverse proxies do):
// X-Forwarded-For is the request's own list (all its X-Forwarded-For headers, in order) with its
// peer's address appended; X-Forwarded-Host and X-Forwarded-Proto are the request's own when it
// came through another proxy, else its Host and "http" (longhaul's listeners speak plain HTTP).
store::Headers ForwardedHeaders(const store::Request& request);

}  // namespace longhaul::runtime::forward
