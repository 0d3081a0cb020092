// The scheduler's in-memory views of a job, for those who hear of its outcome before (or
// without) reading it back from the store.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "base/clock.h"
#include "config/config.h"
#include "runtime/runtime.h"
#include "sched/retry_policy.h"
#include "store/store.h"

namespace longhaul::sched {

// `job` (running) as store::Store::Complete(c) leaves it.
store::Job Recorded(store::Job job, const store::Completion& c);

// What to record for the attempt of claimed `job` of `fn` that ended with `outcome`, decided
// `d`, by lease holder `owner`.
store::Completion CompletionFor(const store::Job& job, const config::Function& fn,
                                const runtime::Outcome& outcome, const Decision& d,
                                base::TimePoint now, const std::string& owner);

// Whether claimed `job` is a retry that a reload lowering fn's retries cut: it does not run.
bool RetriesCutIt(const store::Job& job, const config::Function& fn);

// `job` without its request, which may be megabytes: for those who need only the outcome.
store::Job WithoutRequest(const store::Job& job);

}  // namespace longhaul::sched
