#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace longhaul::base {
namespace {

TEST(NewJobId, ShapeUniqueAndTimeOrdered) {
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewJobId(FromUnixMs(1'700'000'000'000 + i));
    EXPECT_TRUE(LooksLikeJobId(id)) << id;
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_LT(prev, id);
    prev = id;
  }
}

TEST(LooksLikeJobId, RejectsGarbage) {
  EXPECT_FALSE(LooksLikeJobId(""));
  EXPECT_FALSE(LooksLikeJobId("../../etc/passwd"));
  EXPECT_FALSE(LooksLikeJobId("01ARZ3NDEKTSV4RRFFQ69G5FAi"));
}

}  // namespace
}  // namespace longhaul::base
