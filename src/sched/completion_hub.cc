#include "sched/completion_hub.h"

#include <vector>

namespace longhaul::sched {

CompletionHub::Token CompletionHub::Subscribe(const std::string& job_id, Callback cb,
                                              bool takes_answer) {
  base::MutexLock lock(mu_);
  Token t = next_++;
  by_job_.emplace(job_id, t);
  entries_.emplace(t, Entry{job_id, std::move(cb), takes_answer});
  return t;
}

void CompletionHub::Unsubscribe(Token token) {
  base::MutexLock lock(mu_);
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

template <typename Pick>
void CompletionHub::Fire(const std::string& job_id, const std::shared_ptr<const store::Job>& job,
                         Pick pick, const std::optional<base::Status>& unrecorded) {
  std::vector<Callback> fire;
  {
    base::MutexLock lock(mu_);
    if (unrecorded && unrecorded->ok()) {
      if (!unrecorded_.empty()) unrecorded_.erase(job_id);
    } else if (unrecorded) {
      unrecorded_.insert_or_assign(job_id, *unrecorded);
    }
    auto range = by_job_.equal_range(job_id);
    for (auto j = range.first; j != range.second;) {
      auto e = entries_.find(j->second);
      if (e == entries_.end() || pick(e->second)) {
        if (e != entries_.end()) {
          fire.push_back(std::move(e->second.cb));
          entries_.erase(e);
        }
        j = by_job_.erase(j);
      } else {
        ++j;
      }
    }
  }
  for (auto& cb : fire) cb(job);
}

void CompletionHub::Notify(const std::string& job_id, std::shared_ptr<const store::Job> job) {
  Fire(
      job_id, job, [](const Entry&) { return true; }, base::Status());
}

void CompletionHub::NotifyUnrecorded(const std::string& job_id, base::Status why) {
  Fire(
      job_id, nullptr, [](const Entry&) { return true; }, std::move(why));
}

base::Status CompletionHub::Unrecorded(const std::string& job_id) const {
  base::MutexLock lock(mu_);
  auto it = unrecorded_.find(job_id);
  return it == unrecorded_.end() ? base::Status() : it->second;
}

void CompletionHub::NotifyAnswer(const std::string& job_id, std::shared_ptr<const store::Job> job) {
  Fire(
      job_id, job, [](const Entry& e) { return e.takes_answer; }, std::nullopt);
}

void CompletionHub::Close() {
  std::vector<Callback> fire;
  {
    base::MutexLock lock(mu_);
    closed_ = true;
    for (auto& [token, entry] : entries_) fire.push_back(std::move(entry.cb));
    entries_.clear();
    by_job_.clear();
  }
  for (auto& cb : fire) cb(nullptr);
}

bool CompletionHub::closed() const {
  base::MutexLock lock(mu_);
  return closed_;
}

bool CompletionHub::HasWaiters(const std::string& job_id) const {
  base::MutexLock lock(mu_);
  return by_job_.count(job_id) > 0;
}

size_t CompletionHub::size() const {
  base::MutexLock lock(mu_);
  return entries_.size();
}

}  // namespace longhaul::sched
