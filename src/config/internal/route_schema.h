// Reads `routes:` entries and `defaults.routes`.
// Thread-safety: as Context (single-threaded).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/internal/reader.h"

namespace longhaul::config::internal {

// `defaults.routes`: the values every route starts from, and where the keys that the checks
// across keys need were written (by route key: provider, secret, hmac).
struct RouteDefaults {
  Route route;
  std::map<std::string, Field, std::less<>> written;
};

// Reads `defaults.routes` (every route key except `path`) onto *defaults.
void ReadRouteDefaults(Context& ctx, const Field& field, const std::vector<std::string>& names,
                       RouteDefaults* defaults);

// Reads one `routes:` item. The result starts from `defaults`, and the checks across keys
// (a provider's secret, hmac) see the values it inherits too. A provider's idempotency key
// and window presets (see Route::provider) beat the defaults' unless the route sets its own.
// `names` are all function names.
Route ReadRoute(Context& ctx, const Field& item, const RouteDefaults& defaults,
                const std::vector<std::string>& names);

// The idempotency window of `provider`'s routes that do not set idempotency_window: 4d for
// those whose deliveries come again over days (github, stripe, standard); 0 for the others
// (their routes take the default, 24h).
base::Duration ProviderWindow(std::string_view provider);

// Records an error for each route with the method and path shape of an earlier one.
// `route_fields[i]` is where routes[i] was written.
void CheckDuplicateRoutes(Context& ctx, const std::vector<Route>& routes,
                          const std::vector<Field>& route_fields);

}  // namespace longhaul::config::internal
