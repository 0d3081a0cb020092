// The scheduler's in-memory views of a job, for those who hear of its outcome before (or
// without) reading it back from the store.
// Thread-safety: pure functions.
#pragma once

#include "store/store.h"

namespace longhaul::sched {

// `job` (running) as store::Store::Complete(c) leaves it.
store::Job Recorded(store::Job job, const store::Completion& c);

// `job` without its request, which may be megabytes: for those who need only the outcome.
store::Job WithoutRequest(const store::Job& job);

}  // namespace longhaul::sched
