#include "sched/completion_hub.h"

#include <gtest/gtest.h>

namespace longhaul::sched {
namespace {

TEST(CompletionHub, NotifyFiresOnceAndOnlyForThatJob) {
  CompletionHub hub;
  int a = 0, b = 0;
  hub.Subscribe("A", [&](std::shared_ptr<const store::Job>) { ++a; });
  hub.Subscribe("A", [&](std::shared_ptr<const store::Job>) { ++a; });
  hub.Subscribe("B", [&](std::shared_ptr<const store::Job>) { ++b; });
  hub.Notify("A");
  hub.Notify("A");
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(hub.size(), 1u);
}

TEST(CompletionHub, UnsubscribeStopsCallback) {
  CompletionHub hub;
  int a = 0;
  auto t = hub.Subscribe("A", [&](std::shared_ptr<const store::Job>) { ++a; });
  hub.Unsubscribe(t);
  hub.Unsubscribe(t);
  hub.Notify("A");
  EXPECT_EQ(a, 0);
  EXPECT_EQ(hub.size(), 0u);
}

TEST(CompletionHub, HandsOverTheStoredJob) {
  CompletionHub hub;
  std::string seen;
  hub.Subscribe("A", [&](std::shared_ptr<const store::Job> job) { seen = job ? job->id : "null"; });
  EXPECT_TRUE(hub.HasWaiters("A"));
  EXPECT_FALSE(hub.HasWaiters("B"));
  auto job = std::make_shared<store::Job>();
  job->id = "A";
  hub.Notify("A", job);
  EXPECT_EQ(seen, "A");
  EXPECT_FALSE(hub.HasWaiters("A"));
}

// An outcome the store could not write: the waiters are woken, and the hub says why until the
// outcome is recorded (the next Notify).
TEST(CompletionHub, SaysWhyAnOutcomeIsUnrecordedUntilItIsRecorded) {
  CompletionHub hub;
  std::string seen;
  hub.Subscribe("A", [&](std::shared_ptr<const store::Job> job) { seen = job ? job->id : "null"; });
  EXPECT_TRUE(hub.Unrecorded("A").ok());
  hub.NotifyUnrecorded("A", base::Unavailable("disk full"));
  EXPECT_EQ(seen, "null");
  EXPECT_FALSE(hub.HasWaiters("A"));
  EXPECT_EQ(hub.Unrecorded("A").code(), base::Code::kUnavailable);
  EXPECT_EQ(hub.Unrecorded("A").message(), "disk full");
  EXPECT_TRUE(hub.Unrecorded("B").ok());
  hub.Notify("A");
  EXPECT_TRUE(hub.Unrecorded("A").ok());
}

}  // namespace
}  // namespace longhaul::sched
