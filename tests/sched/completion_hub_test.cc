#include "sched/completion_hub.h"

#include <gtest/gtest.h>

namespace longhaul::sched {
namespace {

TEST(CompletionHub, NotifyFiresOnceAndOnlyForThatJob) {
  CompletionHub hub;
  int a = 0, b = 0;
  hub.Subscribe("A", [&] { ++a; });
  hub.Subscribe("A", [&] { ++a; });
  hub.Subscribe("B", [&] { ++b; });
  hub.Notify("A");
  hub.Notify("A");
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(hub.size(), 1u);
}

TEST(CompletionHub, UnsubscribeStopsCallback) {
  CompletionHub hub;
  int a = 0;
  auto t = hub.Subscribe("A", [&] { ++a; });
  hub.Unsubscribe(t);
  hub.Unsubscribe(t);
  hub.Notify("A");
  EXPECT_EQ(a, 0);
  EXPECT_EQ(hub.size(), 0u);
}

}  // namespace
}  // namespace longhaul::sched
