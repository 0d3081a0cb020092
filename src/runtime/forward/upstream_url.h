// ForwardTarget: the request target a forwarded request gets (the url itself is parsed by
// config::ParseHttpUrl).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "config/http_url.h"

namespace longhaul::runtime::forward {

// The request target for a forwarded request. Unless `exact_path`, the request's `path` is
// appended to the url's path ("/api" + "/hooks/x" = "/api/hooks/x") and the queries are joined
// with '&' (url's first); with `exact_path` the url's own path and query are used as they are.
// Never empty: "/" at least.
std::string ForwardTarget(const config::HttpUrl& url, bool exact_path, std::string_view path,
                          std::string_view query);

}  // namespace longhaul::runtime::forward
