#include "ingest/job_wait.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "base/mutex.h"
#include "http/async.h"

namespace longhaul::ingest {
namespace asio = boost::asio;

namespace internal {

// What one subscription has heard; shared by the waiter and the hub's callback.
struct WaitState {
  base::Mutex mu;
  bool fired LH_GUARDED_BY(mu) = false;
  std::shared_ptr<const store::Job> job LH_GUARDED_BY(mu);  // handed over by the notifier
  std::function<void()> wake LH_GUARDED_BY(mu);             // cancels the waiter's timer

  static sched::CompletionHub::Token Subscribe(sched::CompletionHub& hub, const std::string& id,
                                               const std::shared_ptr<WaitState>& state,
                                               bool takes_answer = false) {
    return hub.Subscribe(
        id,
        [state](std::shared_ptr<const store::Job> job) {
          std::function<void()> wake;
          {
            base::MutexLock lock(state->mu);
            state->fired = true;
            if (job != nullptr) state->job = std::move(job);
            wake = state->wake;
          }
          if (wake) wake();
        },
        takes_answer);
  }
};

}  // namespace internal

JobWatch::JobWatch(sched::CompletionHub& hub, const std::string& job_id, bool takes_answer)
    : hub_(hub),
      state_(std::make_shared<internal::WaitState>()),
      token_(internal::WaitState::Subscribe(hub, job_id, state_, takes_answer)) {}

JobWatch::~JobWatch() { hub_.Unsubscribe(token_); }

asio::awaitable<base::Result<store::Job>> WaitForJob(JobAccess access, const std::string& job_id,
                                                     base::Duration timeout, JobWatch* watch) {
  auto ex = co_await asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (access.peer != nullptr) access.peer->Start();
  auto ended = [&] {
    return std::chrono::steady_clock::now() >= deadline || access.hub.closed() ||
           (access.peer != nullptr && access.peer->gone());
  };
  // With a watch made before the append, the first read can be skipped: nothing was missed.
  std::shared_ptr<internal::WaitState> state = watch ? watch->state_ : nullptr;
  std::optional<sched::CompletionHub::Token> own_token;
  auto unsubscribe = [&] {
    if (own_token) access.hub.Unsubscribe(*own_token);
    own_token.reset();
  };
  for (;;) {
    if (state == nullptr) {
      // Subscribe before reading, so a completion between the read and the wait is not missed.
      state = std::make_shared<internal::WaitState>();
      own_token = internal::WaitState::Subscribe(access.hub, job_id, state);
      auto job = co_await http::Offload(access.pool,
                                        [&access, &job_id] { return access.store.Get(job_id); });
      if (!job.ok() || store::IsTerminal(job->state) || ended()) {
        unsubscribe();
        co_return job;
      }
    }
    auto timer = std::make_shared<asio::steady_timer>(ex);
    timer->expires_at(
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
    bool fired = false;
    {
      base::MutexLock lock(state->mu);
      fired = state->fired;
      state->wake = [timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); };
    }
    if (!fired) co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::shared_ptr<const store::Job> handed;
    {
      base::MutexLock lock(state->mu);
      state->wake = nullptr;
      handed = std::move(state->job);
    }
    if (handed) {
      unsubscribe();
      co_return *handed;  // the copy is made here, on this I/O thread
    }
    // Woken without the job, or a second passed: read it again (with a new subscription).
    // When the server is stopping, or the client has gone, the job as it is now is the answer.
    unsubscribe();
    state = nullptr;
    if (ended()) {
      auto job = co_await http::Offload(access.pool,
                                        [&access, &job_id] { return access.store.Get(job_id); });
      co_return job;
    }
  }
}

}  // namespace longhaul::ingest
