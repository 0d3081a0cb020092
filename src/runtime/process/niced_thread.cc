#include "runtime/process/niced_thread.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <map>
#include <string>
#include <system_error>
#include <thread>

#include "base/mutex.h"
#include "base/thread_name.h"

namespace longhaul::runtime::process {
namespace {

// The threads at one niceness: as many as calls ever ran at once (a call at a high niceness
// waits long for a busy CPU; one thread would make every job's start wait behind the others').
class NicedThreads {
 public:
  explicit NicedThreads(int nice) : nice_(nice) {}

  int Run(const std::function<int()>& call) {
    Task task{&call};
    base::MutexLock lock(mu_);
    if (idle_ > static_cast<int>(queue_.size())) {
      wake_.Signal();
    } else {
      try {
        std::thread([this] { Loop(); }).detach();
      } catch (const std::system_error&) {
        return EAGAIN;  // out of processes (a tasks limit): as posix_spawn would say
      }
    }
    queue_.push_back(&task);
    while (!task.done) done_.Wait(mu_);
    return task.result;
  }

 private:
  struct Task {
    const std::function<int()>* call;
    int result = 0;
    bool done = false;  // with mu_ held
  };

  void Loop() {
    base::SetThreadName(nice_ == kSchedIdle ? "lh-niced-idle"
                                            : "lh-niced-" + std::to_string(nice_));
    // Started by a thread at the server's niceness; raising one's own needs no privilege, nor
    // does moving to SCHED_IDLE (Linux 2.6.39).
    const id_t self = static_cast<id_t>(gettid());
    errno = 0;
    const int own = ::getpriority(PRIO_PROCESS, self);
    if (errno == 0) ::setpriority(PRIO_PROCESS, self, std::min(own + nice_, 19));
    if (nice_ == kSchedIdle) {
      const sched_param param{};
      (void)::sched_setscheduler(0, SCHED_IDLE, &param);  // this thread only
    }
    base::MutexLock lock(mu_);
    for (;;) {
      idle_++;
      while (queue_.empty()) wake_.Wait(mu_);
      idle_--;
      Task* task = queue_.front();
      queue_.pop_front();
      lock.Unlock();
      const int result = (*task->call)();
      lock.Lock();
      task->result = result;
      task->done = true;
      done_.SignalAll();
    }
  }

  const int nice_;
  base::Mutex mu_;
  base::CondVar wake_;
  base::CondVar done_;
  std::deque<Task*> queue_ LH_GUARDED_BY(mu_);
  int idle_ LH_GUARDED_BY(mu_) = 0;
};

}  // namespace

int RunAtNiceness(int nice, const std::function<int()>& call) {
  if (nice == 0) return call();
  static base::Mutex mu;
  // Never destroyed: their threads wait on them until the process exits.
  static auto* by_nice = new std::map<int, NicedThreads*>;
  NicedThreads* threads = nullptr;
  {
    base::MutexLock lock(mu);
    NicedThreads*& slot = (*by_nice)[nice];
    if (slot == nullptr) slot = new NicedThreads(nice);
    threads = slot;
  }
  return threads->Run(call);
}

}  // namespace longhaul::runtime::process
