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
      takes_answer_(takes_answer),
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
  // A waiter that takes an early answer keeps taking it in the subscriptions after the first.
  const bool takes_answer = watch != nullptr && watch->takes_answer_;
  std::optional<sched::CompletionHub::Token> own_token;
  auto unsubscribe = [&] {
    if (own_token) access.hub.Unsubscribe(*own_token);
    own_token.reset();
  };
  // A job that ran, but whose outcome the store could not write, is not waited for on: the
  // error says so (kUnavailable), instead of the wait ending with the job still running.
  auto settled = [&](base::Result<store::Job>& job) {
    if (!job.ok() || store::IsTerminal(job->state)) return true;
    if (base::Status why = access.hub.Unrecorded(job_id); !why.ok()) {
      job = std::move(why);
      return true;
    }
    return false;
  };
  for (;;) {
    if (state == nullptr) {
      // Subscribe before reading, so a completion between the read and the wait is not missed.
      state = std::make_shared<internal::WaitState>();
      own_token = internal::WaitState::Subscribe(access.hub, job_id, state, takes_answer);
      auto job = co_await http::Offload(access.pool,
                                        [&access, &job_id] { return access.store.Get(job_id); });
      if (settled(job) || ended()) {
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
      fired = state->fired;
    }
    if (handed) {
      unsubscribe();
      co_return *handed;  // the copy is made here, on this I/O thread
    }
    // Woken without the job: read it again, with a new subscription (a hub's subscription
    // fires once). When the server is stopping, or the client has gone, the job as it is now
    // is the answer.
    if (fired || ended()) {
      unsubscribe();
      state = nullptr;
      if (!ended()) continue;
      co_return co_await http::Offload(access.pool,
                                       [&access, &job_id] { return access.store.Get(job_id); });
    }
    // A second passed without a word: read it again (a job finished by another node is told to
    // nobody here), while the subscription stands: it still takes the answer, which a new one
    // would not when only the first did.
    auto job = co_await http::Offload(access.pool,
                                      [&access, &job_id] { return access.store.Get(job_id); });
    if (settled(job)) {
      unsubscribe();
      co_return job;
    }
  }
}

}  // namespace longhaul::ingest
