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
  // header, query parameter or JSON string counts as absent; JSON null too. A JSON pointer
  // looks into a form body's `payload` field when the body is a form with one (GitHub's form
  // deliveries, Slack's interactivity); in a body that is neither JSON nor such a form the key
  // is absent. With more_pointers, the first pointer that has a value gives the key.
  // kInvalidArgument when it is required and absent (saying which body it needs).
  // `what` names the key in messages ("idempotency key").
  base::Result<std::string> Extract(const config::KeySource& source, std::string_view what);

 private:
  // The value at `pointer` in the body's JSON (scanned, or parsed once for containers), nullopt
  // when there is none; kInvalidArgument for a body that is not JSON as Extract says.
  base::Result<std::optional<std::string>> FromJson(const std::string& pointer,
                                                    const config::KeySource& source,
                                                    std::string_view what);
  // The value at `pointer` in the parsed JSON (parsed on first use; it is valid JSON).
  std::optional<std::string> FromParsedBody(const std::string& pointer);
  // The JSON text pointers look into: the body, or a form's `payload` field.
  std::string_view JsonText() const { return form_payload_ ? *form_payload_ : req_.body; }

  const store::Request& req_;
  std::optional<bool> body_is_json_;  // known after the first scan (of the body or its payload)
  std::optional<std::string> form_payload_;  // a form body's JSON `payload` field
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
