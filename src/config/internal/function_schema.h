// Reads `functions:` entries and `defaults.functions`, and checks on_success/on_failure chains.
// Thread-safety: as Context (single-threaded).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/internal/reader.h"

namespace longhaul::config::internal {

// A destination that names another function, kept to look for loops once all are read.
struct DestinationEdge {
  std::string from;
  std::string to;
  Field at;  // the `function:` value inside on_success/on_failure
};

// Reads `defaults.functions` (the keys every function may set apart from `runtime`, its
// runtime's keys and destinations) onto *defaults.
void ReadFunctionDefaults(Context& ctx, const Field& field, Function* defaults);

// Reads one `functions:` entry (`entry.key` is the name). The result starts from `defaults`;
// its `environment` is merged over the default one. `names` are all function names, for
// destinations; each destination naming a function is appended to *edges.
Function ReadFunction(Context& ctx, const Field& entry, const Function& defaults,
                      const std::vector<std::string>& names, std::vector<DestinationEdge>* edges);

// Records an error for each loop of destinations (a -> b -> a, or a -> a): a loop could run
// forever.
void CheckDestinationLoops(Context& ctx, const std::vector<std::string>& names,
                           const std::vector<DestinationEdge>& edges);

// Appends a delivery function for each `url` destination (see Function::delivers_to_url) and
// points the destination at it.
void AddUrlDeliveryFunctions(std::vector<Function>* functions);

}  // namespace longhaul::config::internal
