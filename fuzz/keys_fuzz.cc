// Fuzzes idempotency/ordering key extraction (ingest/keys.h) on arbitrary bodies, headers and
// query strings, including deeply nested and invalid JSON. Input, so seeds are readable
// (fuzz/corpus/keys/):
//   three key sources, one a line: "<json|header|query|none> <name> [required] [or <pointer>]..."
//   the request, as fuzz/request_text.h reads it (request line, headers, blank line, body)
// Sources the config loader would refuse (a pointer without '/', a header name that is not a
// token) are skipped: only configurations the server can run are fuzzed.
// Besides "no crash": every error is kInvalidArgument, a required key is never "", and a
// header key is the header's value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/internal/syntax.h"
#include "fuzz/request_text.h"
#include "ingest/keys.h"

namespace {

namespace config = longhaul::config;
namespace fuzz = longhaul::fuzz;
using Kind = config::KeySource::Kind;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "keys_fuzz: property violated: %s\n", what);
    abort();
  }
}

// nullopt-like: kind kNone when the line is not a source the config would accept.
config::KeySource ParseSource(std::string_view line) {
  config::KeySource source;
  std::string_view kind = fuzz::TakeWord(line);
  std::string_view name = fuzz::TakeWord(line);
  source.name = std::string(name);
  if (kind == "json" && config::internal::CheckJsonPointer(name).empty()) {
    source.kind = Kind::kJsonPointer;
  } else if (kind == "header" && config::internal::CheckHeaderName(name).empty()) {
    source.kind = Kind::kHeader;
  } else if (kind == "query") {
    source.kind = Kind::kQuery;
  }
  while (!line.empty()) {
    std::string_view flag = fuzz::TakeWord(line);
    if (flag == "required") source.required = true;
    // "or /other": a further pointer, tried when the ones before have no value.
    if (flag == "or" && source.kind == Kind::kJsonPointer) {
      std::string_view other = fuzz::TakeWord(line);
      if (config::internal::CheckJsonPointer(other).empty()) {
        source.more_pointers.emplace_back(other);
      }
    }
  }
  return source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  config::KeySource sources[3];
  for (auto& source : sources) source = ParseSource(fuzz::TakeLine(text));
  longhaul::store::Request req = fuzz::ParseRequestText(text);

  longhaul::ingest::KeyExtractor keys(req);  // parses the body at most once, for all three
  for (const auto& source : sources) {
    auto key = keys.Extract(source, "idempotency key");
    if (!key.ok()) {
      Check(key.status().code() == longhaul::base::Code::kInvalidArgument, "errors are 400");
      continue;
    }
    Check(!source.required || !key->empty() || source.kind == Kind::kNone,
          "a required key is present");
    if (source.kind == Kind::kHeader && !key->empty()) {
      Check(*key == *longhaul::ingest::FindHeader(req.headers, source.name), "header value");
    }
  }
  return 0;
}
