// ParseXml: an XML body as the map adnanh/webhook makes of it (clbanning/mxj): element names
// as keys, attributes as "-name", text as "#text" beside attributes or children, repeated
// elements as arrays. No DTDs or entity definitions; nesting deeper than kMaxNesting fails.
// Thread-safety: a pure function.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "base/status.h"

namespace longhaul::hooks {

// kInvalidArgument with the reason when `text` is not such a document.
base::Result<boost::json::object> ParseXml(std::string_view text);

}  // namespace longhaul::hooks
