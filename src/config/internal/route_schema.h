// Reads `routes:` entries and `defaults.routes`.
// Thread-safety: as Context (single-threaded).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/internal/reader.h"

namespace longhaul::config::internal {

// Reads `defaults.routes` (every route key except `path`) onto *defaults.
void ReadRouteDefaults(Context& ctx, const Field& field, const std::vector<std::string>& names,
                       Route* defaults);

// Reads one `routes:` item. The result starts from `defaults`; a provider's idempotency key
// preset (see Route::provider) replaces the default unless the route sets idempotency_key
// itself. `names` are all function names.
Route ReadRoute(Context& ctx, const Field& item, const Route& defaults,
                const std::vector<std::string>& names);

// Records an error for each route with the method and path shape of an earlier one.
// `route_fields[i]` is where routes[i] was written.
void CheckDuplicateRoutes(Context& ctx, const std::vector<Route>& routes,
                          const std::vector<Field>& route_fields);

}  // namespace longhaul::config::internal
