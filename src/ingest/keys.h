// Extracts idempotency and ordering keys from a request: a header, a query parameter, or a
// JSON pointer into the body (scanned once per pointer; parsed at most once, for keys that are
// objects or arrays).
// Thread-safety: a KeyExtractor belongs to one request.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"
#include "store/job.h"

namespace longhaul::ingest {

class KeyExtractor {
 public:
  explicit KeyExtractor(const store::Request& req) : req_(req) {}

  // The key's value: "" when the source is disabled, or absent and not required. An empty
  // header, query parameter or JSON string counts as absent; JSON null too.
  // kInvalidArgument when it is required and absent, or when a JSON pointer is used and the
  // body is not JSON. `what` names the key in messages ("idempotency key").
  base::Result<std::string> Extract(const config::KeySource& source, std::string_view what);

 private:
  // The value at `pointer` in the parsed body (parsed on first use; the body is valid JSON).
  std::optional<std::string> FromParsedBody(const std::string& pointer);

  const store::Request& req_;
  std::optional<bool> body_is_json_;  // known after the first scan
  // The parsed body lives here: a typical webhook body parses without touching the heap.
  unsigned char arena_[4096];
  boost::json::monotonic_resource memory_{arena_, sizeof arena_};
  std::optional<boost::json::value> body_;  // declared after memory_: destroyed before it
};

// The value of a header (case-insensitive), or nullopt.
std::optional<std::string_view> FindHeader(const store::Headers& headers, std::string_view name);
// The decoded value of a query parameter, or nullopt.
std::optional<std::string> FindQueryParam(std::string_view query, std::string_view name);

}  // namespace longhaul::ingest
