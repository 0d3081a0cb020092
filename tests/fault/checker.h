// The fault harness's checker: compares what the load generator was told (acknowledged,
// rejected, unknown), what the store holds (GET /jobs), what ran (the executions log written
// by the function) and what each server generation recorded as finished (its log), and counts
// every way the "nothing acknowledged is ever lost" promise could have been broken.
// Thread-safety: plain functions over values.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace longhaul::fault {

struct PlannedRequest {
  std::string request_id;  // unique: "r<index>"
  std::string key;         // idempotency key, "" = none
  bool repeat = false;     // reuses the key of an earlier request
};

enum class Outcome {
  kNotSent,   // never sent (the run ended first)
  kAcked,     // 2xx: the job must exist and run
  kRejected,  // a complete non-2xx answer (503/429 are allowed, anything else is a bug)
  kUnknown,   // sent, no whole answer (the server was killed): may or may not be stored
};

struct RequestRecord {
  Outcome outcome = Outcome::kNotSent;
  int status = 0;
  std::string job_id;      // from X-Longhaul-Job-Id when acknowledged
  bool duplicate = false;  // X-Longhaul-Duplicate: true
  bool retry_after = false;
  int gen = 0;        // server generation it was sent to
  std::string error;  // for kUnknown
};

// One run of the function, from the executions log ("start|end GEN JOB REQUEST ATTEMPT PID").
struct Execution {
  int gen = 0;
  std::string job_id;
  std::string request_id;
  int attempt = 0;
  long pid = 0;
  bool ended = false;  // an "end" line: the function finished (the server may not have recorded it)
};

struct StoredJob {
  std::string id;
  std::string state;
  std::string idempotency_key;
  int attempts = 0;
};

struct CheckInput {
  std::vector<PlannedRequest> plan;
  std::vector<RequestRecord> records;  // same index as plan
  std::vector<Execution> executions;
  std::vector<StoredJob> jobs;
  // job ids each generation logged as succeeded (the outcome was committed)
  std::map<int, std::set<std::string>> completed_by_gen;
  int final_gen = 0;  // the generation that was not killed
  int kills = 0;
};

struct Report {
  int kills = 0;
  int sent = 0;
  int acknowledged = 0;
  int acknowledged_duplicates = 0;  // 2xx with X-Longhaul-Duplicate
  int rejected_allowed = 0;         // 503/429 with Retry-After
  int unknown = 0;
  int unknown_stored = 0;  // unknown outcome, but the job was stored (and ran)
  int stored_jobs = 0;
  int executions = 0;
  int interrupted = 0;  // started, never ended (killed with the server)
  int reruns = 0;       // executions after the first of a job, each after a crash

  // Failures: all must be 0.
  int lost = 0;                       // acknowledged, never executed to the end
  int missing = 0;                    // acknowledged, not in the store
  int not_succeeded = 0;              // acknowledged, in the store, but not succeeded
  int bad_answers = 0;                // non-2xx other than 503/429, or 503/429 without Retry-After
  int rerun_without_crash = 0;        // a job ran twice within one generation
  int rerun_after_completion = 0;     // a job ran again after its outcome was committed
  int key_violations = 0;             // one idempotency key, several jobs (or executed twice)
  int request_violations = 0;         // one request, several jobs
  int unexplained_jobs = 0;           // stored jobs no request of ours can account for
  int unexecuted_jobs = 0;            // stored terminal jobs that never ran
  std::vector<std::string> problems;  // the first examples of each kind of failure
  std::map<std::string, int> examples_per_kind;

  bool ok() const {
    return lost == 0 && missing == 0 && not_succeeded == 0 && bad_answers == 0 &&
           rerun_without_crash == 0 && rerun_after_completion == 0 && key_violations == 0 &&
           request_violations == 0 && unexplained_jobs == 0 && unexecuted_jobs == 0;
  }
  // "N kills, M acknowledged, 0 lost, D re-runs after interrupted executions, U unknown"
  std::string Summary() const;
  std::string Details() const;
};

// Parses the executions log. Lines that do not parse are counted in `malformed`.
std::vector<Execution> ParseExecutions(const std::string& log_text, int* malformed);
// Job ids of "job.succeeded job=<id>" lines in a server log (text format).
std::set<std::string> ParseSucceeded(const std::string& log_text);

Report Check(const CheckInput& in);

}  // namespace longhaul::fault
