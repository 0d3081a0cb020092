#include "ingest/submit.h"

#include <functional>
#include <optional>
#include <utility>

#include "http/async.h"

namespace longhaul::ingest {

boost::asio::awaitable<base::Result<store::AppendResult>> Submit(
    const IngestDeps& deps, const std::shared_ptr<const config::Config>& config,
    const config::Function& fn, store::NewJob& job, bool caller_waits) {
  std::optional<store::Job> direct;
  if (caller_waits) direct = deps.scheduler.ReserveDirect(fn, job);
  using Done = std::function<void(base::Result<store::AppendResult>)>;
  auto appended = co_await http::AwaitCallback<base::Result<store::AppendResult>>(
      [&deps, &job, &direct, &config, &fn](Done done) {
        if (!direct) {
          deps.store.Append(std::move(job), std::move(done));
          return;
        }
        // The attempt starts from the committer's callback: no hop through this thread.
        deps.store.Append(std::move(job), [&deps, run = std::move(*direct), config, fn = &fn,
                                           done = std::move(done)](
                                              base::Result<store::AppendResult> r) mutable {
          const bool appended = r.ok() && !r->duplicate;
          deps.scheduler.StartDirect(std::move(run), appended, std::move(config), fn);
          done(std::move(r));
        });
      });
  if (!direct && appended.ok() && !appended->duplicate) deps.scheduler.WakeFor(fn.name);
  co_return appended;
}

}  // namespace longhaul::ingest
