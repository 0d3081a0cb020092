// ScanJsonPointer: the value a JSON pointer (RFC 6901) names in a document, found in one pass
// of Boost.JSON's validating parser without building the document. The answer is the one
// boost::json::parse followed by find_pointer would give: the whole body must be valid JSON
// (same parser, same options), and of duplicate keys the last one counts.
//
// It answers for scalars only; when the pointer names an object or an array (whose key text is
// the serialized value), or is not one it can follow, the caller parses the document instead.
// Thread-safety: a pure function.
#pragma once

#include <boost/json/parse_options.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace longhaul::ingest {

struct PointerScan {
  enum class Outcome {
    kInvalidJson,  // the body is not valid JSON
    kAbsent,       // nothing at the pointer
    kNull,         // null at the pointer
    kString,       // a string: `text` holds it, unescaped
    kOther,        // a number or a boolean: `text` holds it as boost::json::serialize writes it
    kContainer,    // an object or an array: parse the document for its text
    kUnsupported,  // a pointer this scan does not follow (not starting with '/', bad escape)
  };
  Outcome outcome = Outcome::kAbsent;
  std::string text;
};

PointerScan ScanJsonPointer(std::string_view body, std::string_view pointer);

// How a request body is parsed for its keys, here and by a full parse: Boost.JSON's defaults,
// but nesting up to kMaxKeyBodyDepth levels (the default, 32, refuses valid deliveries). The
// parser keeps its own stack, so depth costs memory in proportion to the body only.
inline constexpr std::size_t kMaxKeyBodyDepth = 10000;
boost::json::parse_options KeyBodyParseOptions();

}  // namespace longhaul::ingest
