// RunAtNiceness: runs a call on a thread kept at a niceness above the server's, and waits for it.
//
// A process inherits the niceness of the thread that starts it, and Linux lets a thread raise
// its own niceness but not lower it again without CAP_SYS_NICE. A job's processes run
// server.job_nice above the server; so they are started from one of these threads (at each niceness
// asked for, as many as calls ran at once, started on demand and kept until the server exits), and
// the thread that asks keeps the server's priority. Whatever lock that thread takes (the
// scheduler's, the store's queue, the log's) is then never held at the jobs' priority, where an I/O
// thread waiting for it would wait behind every busy job (ack latencies of seconds on a loaded
// machine). Thread-safety: may be called from any thread, concurrently.
#pragma once

#include <functional>

namespace longhaul::runtime::process {

// RunAtNiceness's `nice` for a thread under the scheduling policy SCHED_IDLE (which children
// inherit) instead of a niceness; where the policy cannot be set, the thread stays at 19.
inline constexpr int kSchedIdle = 20;

// Runs call() on a thread whose niceness is the server's plus `nice` (at most 19), or under
// SCHED_IDLE (kSchedIdle), and returns its result; EAGAIN (as posix_spawn's when out of
// processes) when no such thread can be started. `nice` 0: runs it on the calling thread.
int RunAtNiceness(int nice, const std::function<int()>& call);

}  // namespace longhaul::runtime::process
