// Submit: stores a new job and gets it run. A job whose caller waits for its result (a sync or
// auto route, a RequestResponse invoke) and that has no keys runs at once when this node has a
// free slot for its function: it is stored as running and starts as soon as it is written
// (sched::Scheduler::ReserveDirect), skipping a claim. Otherwise it is queued and the scheduler
// woken; or, with `refuse_when_busy` (a RequestResponse invoke: Lambda throttles instead of
// queueing, and a caller that gave up must not have its job run later) and every slot of the
// function running, not stored at all: kResourceExhausted. Either way the append is what the job's
// `acknowledged` asks for.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "base/status.h"
#include "config/config.h"
#include "ingest/ingest_handler.h"
#include "store/job.h"
#include "store/store.h"

namespace longhaul::ingest {

// `fn` must belong to `config`; `job` is moved from. Suspends until the append is done; the
// result is the store's. (References only: g++ 12 mishandles non-trivial temporaries in a
// co_await expression.)
boost::asio::awaitable<base::Result<store::AppendResult>> Submit(
    const IngestDeps& deps, const std::shared_ptr<const config::Config>& config,
    const config::Function& fn, store::NewJob& job, bool caller_waits,
    bool refuse_when_busy = false);

}  // namespace longhaul::ingest
