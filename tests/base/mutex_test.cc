#include "base/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace longhaul::base {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Box {
  Mutex mu;
  CondVar cv;
  int value LH_GUARDED_BY(mu) = 0;
};

TEST(CondVar, WaitReturnsOnceSignalledWithTheMutexHeld) {
  Box box;
  std::thread setter([&] {
    MutexLock lock(box.mu);
    box.value = 7;
    box.cv.Signal();
  });
  int seen = 0;
  {
    MutexLock lock(box.mu);
    while (box.value == 0) box.cv.Wait(box.mu);
    seen = box.value;
    box.value = 8;  // still held: the setter has finished with it
  }
  setter.join();
  EXPECT_EQ(seen, 7);
  MutexLock lock(box.mu);
  EXPECT_EQ(box.value, 8);
}

TEST(CondVar, WaitUntilAPastDeadlineTimesOut) {
  Box box;
  MutexLock lock(box.mu);
  EXPECT_FALSE(box.cv.WaitUntil(box.mu, std::chrono::steady_clock::now() - milliseconds(1)));
  EXPECT_FALSE(box.cv.WaitFor(box.mu, milliseconds(-1)));
  box.value = 1;  // the mutex is held again after a timeout
  EXPECT_EQ(box.value, 1);
}

TEST(CondVar, WaitUntilReturnsTrueWhenSignalledBeforeTheDeadline) {
  Box box;
  std::thread setter([&] {
    MutexLock lock(box.mu);
    box.value = 1;
    box.cv.SignalAll();
  });
  bool woken = true;
  {
    MutexLock lock(box.mu);
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (box.value == 0 && woken) woken = box.cv.WaitUntil(box.mu, deadline);
    EXPECT_EQ(box.value, 1);
  }
  setter.join();
  EXPECT_TRUE(woken);
}

TEST(MutexLock, UnlockLetsAnotherThreadInAndLockTakesItBack) {
  Box box;
  MutexLock lock(box.mu);
  lock.Unlock();
  std::thread other([&] {
    MutexLock inner(box.mu);  // would deadlock were the mutex still held
    box.value = 5;
  });
  other.join();
  lock.Lock();
  EXPECT_EQ(box.value, 5);
}

}  // namespace
}  // namespace longhaul::base
