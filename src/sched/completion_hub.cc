#include "sched/completion_hub.h"

#include <vector>

namespace longhaul::sched {

CompletionHub::Token CompletionHub::Subscribe(const std::string& job_id,
                                              Callback cb) {
  std::lock_guard<std::mutex> lock(mu_);
  Token t = next_++;
  by_job_.emplace(job_id, t);
  entries_.emplace(t, Entry{job_id, std::move(cb)});
  return t;
}

void CompletionHub::Unsubscribe(Token token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end()) return;
  auto range = by_job_.equal_range(it->second.job_id);
  for (auto j = range.first; j != range.second; ++j) {
    if (j->second == token) {
      by_job_.erase(j);
      break;
    }
  }
  entries_.erase(it);
}

void CompletionHub::Notify(const std::string& job_id, std::shared_ptr<const store::Job> job) {
  std::vector<Callback> fire;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto range = by_job_.equal_range(job_id);
    for (auto j = range.first; j != range.second; ++j) {
      auto e = entries_.find(j->second);
      if (e != entries_.end()) {
        fire.push_back(std::move(e->second.cb));
        entries_.erase(e);
      }
    }
    by_job_.erase(range.first, range.second);
  }
  for (auto& cb : fire) cb(job);
}

bool CompletionHub::HasWaiters(const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_job_.count(job_id) > 0;
}

size_t CompletionHub::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace longhaul::sched
