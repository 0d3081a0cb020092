// Bridges blocking work and callback APIs into coroutines without blocking an I/O thread.
//   auto job = co_await Offload(pool, [&] { return store.Get(id); });      // runs on `pool`
//   auto r = co_await AwaitCallback<Result<X>>([&](auto done) { store.Append(j, done); });
// The coroutine resumes on its own executor (its strand), never on the worker thread.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <type_traits>

namespace longhaul::http {

// Runs `f` on `pool` and resumes with its result.
template <typename F>
auto Offload(boost::asio::thread_pool& pool, F f)
    -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  namespace asio = boost::asio;
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [&pool, ex](auto handler, F fn) mutable {
        auto work = asio::make_work_guard(ex);
        asio::post(pool, [fn = std::move(fn), handler = std::move(handler), ex,
                          work = std::move(work)]() mutable {
          R r = fn();
          asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
            std::move(handler)(std::move(r));
          });
        });
      },
      asio::use_awaitable, std::move(f));
}

// Calls `start(done)` and resumes when some thread calls done(value) (exactly once).
template <typename R, typename Start>
boost::asio::awaitable<R> AwaitCallback(Start start) {
  namespace asio = boost::asio;
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [ex](auto handler, Start st) mutable {
        using H = decltype(handler);
        auto shared = std::make_shared<H>(std::move(handler));
        auto work = std::make_shared<decltype(asio::make_work_guard(ex))>(asio::make_work_guard(ex));
        st(std::function<void(R)>([shared, work, ex](R r) mutable {
          asio::post(ex, [shared, work, r = std::move(r)]() mutable {
            std::move(*shared)(std::move(r));
            work->reset();
          });
        }));
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace longhaul::http
