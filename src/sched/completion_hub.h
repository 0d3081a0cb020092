// CompletionHub: lets waiters (sync/auto routes, /jobs/{id}/result?wait=) hear that a job
// reached a terminal state in this process. The notifier may hand over the job as stored after
// its outcome (then the waiter need not read it again); without it the hub only says "look
// now". Jobs finished by another node are seen by polling.
// Thread-safety: all methods may be called from any thread. Callbacks run on the notifying
// thread, outside the hub's lock, and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/job.h"

namespace longhaul::sched {

class CompletionHub {
 public:
  using Token = uint64_t;

  // Gets the job as stored after its outcome, or nullptr ("read it yourself"). Shared, not
  // copied: the notifier may be the store's one writer thread, and a job carries its request.
  using Callback = std::function<void(std::shared_ptr<const store::Job> job)>;

  // `cb` runs once, when Notify(job_id) is called, unless Unsubscribe() comes first.
  Token Subscribe(const std::string& job_id, Callback cb);
  // Removes a subscription; harmless when it already fired.
  void Unsubscribe(Token token);
  // Fires and removes every subscription for `job_id`, handing each `job` (may be null).
  void Notify(const std::string& job_id, std::shared_ptr<const store::Job> job = nullptr);
  // Whether anyone waits for `job_id` now (so a notifier can skip reading the job).
  bool HasWaiters(const std::string& job_id) const;

  size_t size() const;

 private:
  struct Entry {
    std::string job_id;
    Callback cb;
  };
  mutable std::mutex mu_;
  Token next_ = 1;
  std::unordered_multimap<std::string, Token> by_job_;
  std::unordered_map<Token, Entry> entries_;
};

}  // namespace longhaul::sched
