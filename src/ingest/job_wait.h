// WaitForJob: suspends a coroutine until a job is terminal or `timeout` passes, without
// blocking its I/O thread: wakes on the CompletionHub (jobs finished here, usually handing
// over the stored job so no read is needed) and re-reads the store at least every second
// (jobs finished by another node).
// JobWatch: subscribes before the job is appended, so the wait that follows needs no first
// read of a job that cannot have finished yet (sync routes and invokes), and may take the
// job's answer as soon as the function gives it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "http/peer_watch.h"
#include "sched/completion_hub.h"
#include "store/store.h"

namespace longhaul::ingest {

struct JobAccess {
  store::Store& store;
  sched::CompletionHub& hub;
  boost::asio::thread_pool& pool;  // where store reads run
  // The waiting request's client (http::ConnInfo::peer): the wait ends early, as at its
  // timeout, once the client has closed the connection. Null: no client to watch.
  http::PeerWatch* peer = nullptr;
};

namespace internal {
struct WaitState;
}  // namespace internal

// Thread-safety: create, use and destroy on one coroutine; the hub may fire it from any thread.
class JobWatch {
 public:
  // With `takes_answer`, the wait may end with the job's answer before it is recorded, without
  // the attempt's logs (CompletionHub::NotifyAnswer).
  JobWatch(sched::CompletionHub& hub, const std::string& job_id, bool takes_answer = false);
  ~JobWatch();  // unsubscribes
  JobWatch(const JobWatch&) = delete;
  JobWatch& operator=(const JobWatch&) = delete;

 private:
  friend boost::asio::awaitable<base::Result<store::Job>> WaitForJob(JobAccess, const std::string&,
                                                                     base::Duration, JobWatch*);
  sched::CompletionHub& hub_;
  const bool takes_answer_;
  std::shared_ptr<internal::WaitState> state_;
  sched::CompletionHub::Token token_;
};

// The job as last read: terminal, or still running when the timeout passed (or, within a
// second, once access.peer is gone). `watch`, when
// given, was made for `job_id` before the job was appended.
// Errors: the store's (kNotFound, kUnavailable); kUnavailable also when the job ran but the
// store could not record its outcome (CompletionHub::NotifyUnrecorded).
boost::asio::awaitable<base::Result<store::Job>> WaitForJob(JobAccess access,
                                                            const std::string& job_id,
                                                            base::Duration timeout,
                                                            JobWatch* watch = nullptr);

}  // namespace longhaul::ingest
