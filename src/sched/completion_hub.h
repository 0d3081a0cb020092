// CompletionHub: lets waiters (sync/auto routes, /jobs/{id}/result?wait=) hear that a job
// reached a terminal state in this process. The notifier may hand over the job as stored after
// its outcome (then the waiter need not read it again); without it the hub only says "look
// now". Jobs finished by another node are seen by polling. A caller that needs only the
// answer (a synchronous invoke without logs) may hear it before it is recorded (NotifyAnswer).
// Thread-safety: all methods may be called from any thread. Callbacks run on the notifying
// thread, outside the hub's lock, and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "base/status.h"
#include "store/job.h"

namespace longhaul::sched {

class CompletionHub {
 public:
  using Token = uint64_t;

  // Gets the job as stored after its outcome, or nullptr ("read it yourself"). Shared, not
  // copied: the notifier may be the store's one writer thread, and a job carries its request.
  using Callback = std::function<void(std::shared_ptr<const store::Job> job)>;

  // `cb` runs once, when Notify(job_id) is called, unless Unsubscribe() comes first. With
  // `takes_answer` it may instead run at NotifyAnswer(job_id).
  Token Subscribe(const std::string& job_id, Callback cb, bool takes_answer = false);
  // Removes a subscription; harmless when it already fired.
  void Unsubscribe(Token token);
  // Fires and removes every subscription for `job_id`, handing each `job` (may be null).
  void Notify(const std::string& job_id, std::shared_ptr<const store::Job> job = nullptr);
  // The job's final answer is known, but not yet recorded: `job` is the job as it will be
  // stored, without the attempt's logs and without its request. Fires and removes the
  // subscriptions that take an answer.
  void NotifyAnswer(const std::string& job_id, std::shared_ptr<const store::Job> job);
  // The job's outcome could not be recorded (the store cannot write): fires every subscription
  // for `job_id` with nullptr, and Unrecorded(job_id) says why until the next Notify(job_id)
  // (the outcome recorded late, or dropped).
  void NotifyUnrecorded(const std::string& job_id, base::Status why);
  // Why `job_id`'s outcome is not recorded (NotifyUnrecorded); OK when nothing was said.
  base::Status Unrecorded(const std::string& job_id) const;
  // Whether anyone waits for `job_id` now (so a notifier can skip reading the job).
  bool HasWaiters(const std::string& job_id) const;
  // The server is stopping: fires every subscription with nullptr ("look now"); waiters that
  // see closed() answer with the job as it is instead of waiting on (what is not done by now
  // would not be done before the server stops).
  void Close();
  bool closed() const;

  size_t size() const;

 private:
  struct Entry {
    std::string job_id;
    Callback cb;
    bool takes_answer = false;
  };
  // Fires and removes the subscriptions for `job_id` that `pick` selects. `unrecorded`, when
  // set: why the job's outcome is not recorded (NotifyUnrecorded), or OK (it is now).
  template <typename Pick>
  void Fire(const std::string& job_id, const std::shared_ptr<const store::Job>& job, Pick pick,
            const std::optional<base::Status>& unrecorded);
  mutable base::Mutex mu_;
  Token next_ LH_GUARDED_BY(mu_) = 1;
  std::unordered_multimap<std::string, Token> by_job_ LH_GUARDED_BY(mu_);
  std::unordered_map<Token, Entry> entries_ LH_GUARDED_BY(mu_);
  std::unordered_map<std::string, base::Status> unrecorded_ LH_GUARDED_BY(mu_);
  bool closed_ LH_GUARDED_BY(mu_) = false;
};

}  // namespace longhaul::sched
