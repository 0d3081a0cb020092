// CompletionHub: lets waiters (sync/auto routes, /jobs/{id}/result?wait=) hear that a job
// reached a terminal state in this process. Waiters must still read the store for the outcome;
// the hub only says "look now". Jobs finished by another node are seen by polling.
// Thread-safety: all methods may be called from any thread. Callbacks run on the notifying
// thread, outside the hub's lock, and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace longhaul::sched {

class CompletionHub {
 public:
  using Token = uint64_t;

  // `cb` runs once, when Notify(job_id) is called, unless Unsubscribe() comes first.
  Token Subscribe(const std::string& job_id, std::function<void()> cb);
  // Removes a subscription; harmless when it already fired.
  void Unsubscribe(Token token);
  // Fires and removes every subscription for `job_id`.
  void Notify(const std::string& job_id);

  size_t size() const;

 private:
  struct Entry {
    std::string job_id;
    std::function<void()> cb;
  };
  mutable std::mutex mu_;
  Token next_ = 1;
  std::unordered_multimap<std::string, Token> by_job_;
  std::unordered_map<Token, Entry> entries_;
};

}  // namespace longhaul::sched
