// WaitForJob: suspends a coroutine until a job is terminal or `timeout` passes, without
// blocking its I/O thread: wakes on the CompletionHub (jobs finished here) and re-reads the
// store at least every second (jobs finished by another node).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "sched/completion_hub.h"
#include "store/store.h"

namespace longhaul::ingest {

struct JobAccess {
  store::Store& store;
  sched::CompletionHub& hub;
  boost::asio::thread_pool& pool;  // where store reads run
};

// The job as last read: terminal, or still running when the timeout passed.
// Errors: the store's (kNotFound, kUnavailable).
boost::asio::awaitable<base::Result<store::Job>> WaitForJob(JobAccess access, const std::string& job_id,
                                                            base::Duration timeout);

}  // namespace longhaul::ingest
