#include "http/request_limits.h"

#include <algorithm>
#include <limits>

namespace longhaul::http {

void ConfigureParser(RequestParser& parser, const ServerLimits& limits) {
  parser.header_limit(static_cast<uint32_t>(
      std::min<uint64_t>(limits.header_limit, std::numeric_limits<uint32_t>::max())));
  parser.body_limit(limits.body_limit);
}

bool AnnouncesBodyOverLimit(const RequestParser& parser, const ServerLimits& limits) {
  auto cl = parser.content_length();
  return cl && *cl > limits.body_limit;
}

}  // namespace longhaul::http
