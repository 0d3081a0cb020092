// JSON payloads decoded as webhook decodes them (Go's json.Decoder with UseNumber): every number
// keeps the text it was sent as, so it is passed on as written ("1e400", "1e3",
// "12345678901234567890123"), not as what a double or an int64 makes of it.
// Thread-safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace longhaul::hooks {

// The text of each number of a decoded payload, as sent. In a value from DecodeJson, a number
// is a uint64 holding its index here (json.Number holds its text in Go).
using NumberTexts = std::vector<std::string>;

// One JSON value from the start of `text`, as json.Decoder.Decode reads it: trailing bytes after
// the value are not examined; at most `max_depth` levels of nesting; in keys and strings, each
// byte that is not UTF-8 becomes U+FFFD, as Go's decoder makes it. Each number is appended to
// `numbers` and is its index there in the result. Errors: kInvalidArgument ("invalid JSON: ...");
// `numbers` may have grown.
base::Result<boost::json::value> DecodeJson(std::string_view text, int max_depth,
                                            NumberTexts& numbers);

}  // namespace longhaul::hooks
