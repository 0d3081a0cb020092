// Bridges blocking work and callback APIs into coroutines without blocking an I/O thread.
//   auto job = co_await Offload(pool, [&] { return store.Get(id); });      // runs on `pool`
//   auto r = co_await AwaitCallback<Result<X>>([&](auto done) { store.Append(j, done); });
// The coroutine resumes on its own executor (its strand), never on the worker thread.
// Note: pass lambdas that capture by reference (the awaiting frame outlives the call);
// g++ 12 mishandles non-trivial temporaries inside co_await expressions.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <type_traits>

namespace longhaul::http {

// Runs `f` on `pool` and resumes the awaiting coroutine with its result.
template <typename F>
auto Offload(boost::asio::thread_pool& pool, F f) {
  using R = std::invoke_result_t<F&>;
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [&pool](auto handler, F fn) {
        auto ex = asio::get_associated_executor(handler);
        auto work = asio::make_work_guard(ex);
        asio::post(pool, [fn = std::move(fn), handler = std::move(handler),
                          work = std::move(work)]() mutable {
          R r = fn();
          auto target = work.get_executor();
          asio::post(target, [handler = std::move(handler), r = std::move(r)]() mutable {
            std::move(handler)(std::move(r));
          });
        });
      },
      asio::use_awaitable, std::move(f));
}

// Calls `start(done)` and resumes when some thread calls done(value) (exactly once).
template <typename R, typename Start>
auto AwaitCallback(Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [](auto handler, Start st) {
        using H = decltype(handler);
        auto ex = asio::get_associated_executor(handler);
        auto shared = std::make_shared<H>(std::move(handler));
        using Guard = decltype(asio::make_work_guard(ex));
        auto work = std::make_shared<Guard>(asio::make_work_guard(ex));
        st(std::function<void(R)>([shared, work](R r) {
          auto target = work->get_executor();
          asio::post(target, [shared, work, r = std::move(r)]() mutable {
            std::move (*shared)(std::move(r));
            work->reset();
          });
        }));
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace longhaul::http
