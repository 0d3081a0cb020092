#include "ingest/submit.h"

#include <functional>
#include <optional>
#include <utility>

#include "http/async.h"

namespace longhaul::ingest {

boost::asio::awaitable<base::Result<store::AppendResult>> Submit(
    const IngestDeps& deps, const std::shared_ptr<const config::Config>& config,
    const config::Function& fn, store::NewJob& job, bool caller_waits, bool refuse_when_busy) {
  std::optional<store::Job> direct;
  bool busy = false;
  // Not while the store cannot write: the append would fail and stop the attempt begun beside
  // it, and each such request would log a start and a stop (QA: three lines each, unthrottled,
  // with the disk full). The append alone refuses it, as it refuses an async request.
  if (caller_waits && deps.store.Healthy().ok()) {
    direct = deps.scheduler.ReserveDirect(fn, job, &busy);
  }
  if (caller_waits && refuse_when_busy && busy) {
    co_return base::ResourceExhausted("function " + fn.name + " is running " +
                                      std::to_string(fn.concurrency) +
                                      " invocations, its concurrency");
  }
  using Done = std::function<void(base::Result<store::AppendResult>)>;
  auto appended = co_await http::AwaitCallback<base::Result<store::AppendResult>>(
      [&deps, &job, &direct, &config, &fn](Done done) {
        if (!direct) {
          deps.store.Append(std::move(job), std::move(done));
          return;
        }
        // The attempt starts now, beside the record's commit, not after it: the append is
        // queued first, so the attempt's outcome always commits after it (the writer keeps
        // submission order). Should the append fail, the attempt is stopped and the caller
        // gets the store's error. Nothing of this coroutine's frame is touched once the
        // append is queued: its callback may already have resumed (and ended) it.
        store::Job run = std::move(*direct);
        std::shared_ptr<const config::Config> cfg = config;
        const config::Function* function = &fn;
        deps.store.Append(std::move(job), [&deps, id = run.id, done = std::move(done)](
                                              base::Result<store::AppendResult> r) mutable {
          if (!r.ok()) {
            // Its attempt has started (and is logged as such): the log says why it stops.
            deps.log.Warn("job.not_stored", {{"job", id}, {"error", r.status().ToString()}});
            deps.scheduler.CancelLocal(id);
          }
          done(std::move(r));
        });
        deps.scheduler.StartDirect(std::move(run), std::move(cfg), function);
      });
  if (!direct && appended.ok() && !appended->duplicate) deps.scheduler.WakeFor(fn.name);
  co_return appended;
}

}  // namespace longhaul::ingest
