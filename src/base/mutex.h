// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with clang's
// thread-safety annotations, so that `-Wthread-safety` (scripts/check-thread-safety.sh, in CI)
// proves every LH_GUARDED_BY member is read and written with its mutex held (STYLE.md §9;
// LevelDB's port::Mutex and port/thread_annotations.h, Abseil's absl/base/thread_annotations.h).
//
//   base::Mutex mu_;
//   int pending_ LH_GUARDED_BY(mu_) = 0;
//   void AddLocked() LH_REQUIRES(mu_);
//   { base::MutexLock lock(mu_); ++pending_; }
//   { base::MutexLock lock(mu_); while (pending_ == 0) cv_.Wait(mu_); }
//
// Wait with a loop, not a predicate lambda: the analysis does not see that a lambda runs with
// the mutex held. With g++ the annotations expand to nothing.
// Thread-safety: as std::mutex and std::condition_variable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define LH_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LH_THREAD_ANNOTATION(x)
#endif

#define LH_CAPABILITY(x) LH_THREAD_ANNOTATION(capability(x))
#define LH_SCOPED_CAPABILITY LH_THREAD_ANNOTATION(scoped_lockable)
#define LH_GUARDED_BY(x) LH_THREAD_ANNOTATION(guarded_by(x))
#define LH_PT_GUARDED_BY(x) LH_THREAD_ANNOTATION(pt_guarded_by(x))
#define LH_REQUIRES(...) LH_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define LH_EXCLUDES(...) LH_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LH_ACQUIRE(...) LH_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define LH_RELEASE(...) LH_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define LH_NO_THREAD_SAFETY_ANALYSIS LH_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace longhaul::base {

class CondVar;

class LH_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() LH_ACQUIRE() { mu_.lock(); }
  void Unlock() LH_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope; Unlock()/Lock() let a scope drop it for a while (a blocking call).
class LH_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) LH_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() LH_RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() LH_RELEASE() {
    held_ = false;
    mu_.Unlock();
  }
  void Lock() LH_ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

// A condition variable waited on with a Mutex held; each wait may also end spuriously.
class CondVar {
 public:
  void Wait(Mutex& mu) LH_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False when `deadline` passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mu, std::chrono::time_point<Clock, Duration> deadline) LH_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  template <typename Rep, typename Period>
  bool WaitFor(Mutex& mu, std::chrono::duration<Rep, Period> d) LH_REQUIRES(mu) {
    return WaitUntil(mu, std::chrono::steady_clock::now() + d);
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace longhaul::base
