#include "ingest/job_wait.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/async.h"

namespace longhaul::ingest {
namespace asio = boost::asio;

asio::awaitable<base::Result<store::Job>> WaitForJob(JobAccess access, const std::string& job_id,
                                                     base::Duration timeout) {
  auto ex = co_await asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto timer = std::make_shared<asio::steady_timer>(ex);
    timer->expires_at(std::min(deadline, std::chrono::steady_clock::now() +
                                             std::chrono::seconds(1)));
    // Subscribe before reading, so a completion between the read and the wait is not missed.
    auto token = access.hub.Subscribe(job_id, [timer, ex] {
      asio::post(ex, [timer] { timer->cancel(); });
    });
    auto job = co_await http::Offload(access.pool,
                                      [&access, &job_id] { return access.store.Get(job_id); });
    if (!job.ok() || store::IsTerminal(job->state) ||
        std::chrono::steady_clock::now() >= deadline) {
      access.hub.Unsubscribe(token);
      co_return job;
    }
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    access.hub.Unsubscribe(token);
  }
}

}  // namespace longhaul::ingest
