// ProcessRuntime: runs `runtime: command` functions. Each attempt spawns the function's argv
// directly (ChildProcess, never a shell) as the leader of a new process group, feeds it the
// request on stdin, and turns its exit and stdout into an Outcome.
//
// The child gets:
//   working directory  function.working_dir (else the server's)
//   environment        the server's (as of construction), then function.environment, then the
//                      LONGHAUL_* variables listed in process/environment.h
//   stdin              command.stdin: body -> the raw request body; event -> the JSON event of
//                      runtime/event.h; none -> /dev/null
//   descriptors        0, 1 and 2 only; default signal dispositions; an empty signal mask
//
// Thread-safety: Run() may be called concurrently from any number of threads; it blocks the
// calling thread (a scheduler worker, never an I/O thread) until the child is gone. The server
// must not set SIGCHLD to SIG_IGN (children would be reaped behind our back).
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "runtime/process/child_registry.h"
#include "runtime/runtime.h"

namespace longhaul::runtime::process {

class ProcessRuntime final : public Runtime {
 public:
  // The children inherit this process's environment as it is now. `clock` (not owned) must
  // outlive the runtime; deadlines are read on it. `registry` (not owned, may be null) records
  // each child while it runs.
  explicit ProcessRuntime(const base::Clock& clock, ChildRegistry* registry = nullptr);
  // The children inherit `base_environment` ("NAME=value" entries) instead.
  ProcessRuntime(const base::Clock& clock, std::vector<std::string> base_environment,
                 ChildRegistry* registry = nullptr);

  // Runs one attempt. Outcome.status:
  //   OK                  exit status 0. The response is stdout (its first output_limit bytes)
  //                       with status 200 and no headers, unless stdout is a JSON object with a
  //                       numeric "statusCode": then it is mapped as a proxy response
  //                       (runtime/event.h: statusCode, headers, body, isBase64Encoded),
  //                       except for a job from the Invoke API (runtime::IsInvokeJob), whose
  //                       result is stdout as it is, as a Lambda function's would be.
  //   kUnknown            "exit status N" or "killed by signal N": retried.
  //   kDeadlineExceeded   "timed out after <function.timeout>": inv.deadline passed; the group
  //                       got SIGTERM, then SIGKILL after command.kill_grace.
  //   kCancelled          `cancel` fired; the group was stopped the same way.
  //   kInvalidArgument    the command cannot be executed ("cannot execute ./x: No such file or
  //                       directory"), the working directory cannot be entered, or stdout is a
  //                       malformed proxy response: configuration or code to fix, not retried.
  //   kResourceExhausted  out of processes, memory or descriptors: retried later.
  // stderr_tail always holds the last output_limit bytes of stderr; stdout_tail holds the
  // captured stdout when the attempt failed (on success it is the response body).
  // Anything the child leaves running in its process group is killed when it exits.
  Outcome Run(const Invocation& inv, const CancelToken& cancel) override;

 private:
  const base::Clock& clock_;
  const std::vector<std::string> base_environment_;
  ChildRegistry* const registry_;
};

}  // namespace longhaul::runtime::process
