#include "base/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace longhaul::base {
namespace {

std::string NameOfThisThread() {
  char name[32] = {0};
  EXPECT_EQ(pthread_getname_np(pthread_self(), name, sizeof name), 0);
  return name;
}

TEST(SetThreadName, NamesTheCallingThreadOnly) {
  std::string before = NameOfThisThread();
  std::string inside;
  std::thread t([&] {
    SetThreadName("lh-test");
    inside = NameOfThisThread();
  });
  t.join();
  EXPECT_EQ(inside, "lh-test");
  EXPECT_EQ(NameOfThisThread(), before);
}

TEST(SetThreadName, CutsNamesToFifteenCharacters) {
  std::string inside;
  std::thread t([&] {
    SetThreadName("lh-a-rather-long-thread-name");
    inside = NameOfThisThread();
  });
  t.join();
  EXPECT_EQ(inside, "lh-a-rather-lon");
}

}  // namespace
}  // namespace longhaul::base
