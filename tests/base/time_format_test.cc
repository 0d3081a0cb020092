#include "base/time_format.h"

#include <gtest/gtest.h>

namespace longhaul::base {
namespace {

TEST(FormatIsoMillis, UtcWithMilliseconds) {
  EXPECT_EQ(FormatIsoMillis(FromUnixMs(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(FromUnixMs(1'795'450'651'822)), "2026-11-23T16:17:31.822Z");
}

TEST(FormatHttpDate, ImfFixdate) {
  EXPECT_EQ(FormatHttpDate(FromUnixMs(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(FromUnixMs(1'795'450'651'822)), "Mon, 23 Nov 2026 16:17:31 GMT");
}

}  // namespace
}  // namespace longhaul::base
