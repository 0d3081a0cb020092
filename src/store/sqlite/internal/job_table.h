// The Store's writes of jobs as SQL over one connection (reads: job_reads.h). They expect to
// run inside the caller's transaction (the writer's batch); they never BEGIN or COMMIT.
// Statement texts are cached per connection (Connection::Prepare).
// Thread-safety: as Connection: one thread at a time per connection.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/job.h"
#include "store/sqlite/internal/connection.h"
#include "store/store.h"

namespace longhaul::store::sqlite::internal {

// Rough bytes a job adds to a transaction, for the batch byte cap.
size_t ApproximateSize(const NewJob& job);

// Inserts `job` (or finds the live idempotency key and returns duplicate=true). `now` decides
// whether a key is still within its window and starts the new key's window.
// kAlreadyExists when the id is taken: nothing was written and the transaction may go on.
// Any other error may leave partial writes: the caller must roll the transaction back.
// The request's header and path-parameter columns, encoded: computed by the submitting thread
// (EncodedRequest::Of) so the one writer thread does not spend its time on them.
struct EncodedRequest {
  std::string headers;
  std::string path_params;
  static EncodedRequest Of(const NewJob& job);
};
base::Result<AppendResult> AppendJob(Connection& c, const NewJob& job,
                                     const EncodedRequest& encoded, base::TimePoint now);

// Store::Claim. Moves up to 1000 expired jobs it meets to dead per call. Appends the claimed
// jobs (with their requests) to `out`. kInvalidArgument when concurrency < 1.
base::Status ClaimJobs(Connection& c, const ClaimRequest& req, std::vector<Job>& out);
base::Status CompleteJob(Connection& c, const Completion& done);
base::Status ExtendJobLease(Connection& c, std::string_view job_id, std::string_view owner,
                            base::TimePoint until);
// Store::RecoverLeases, or with `stopped` Store::ReleaseLeases (for the owner's jobs).
base::Result<int> RecoverJobLeases(Connection& c, base::TimePoint now, std::string_view owner,
                                   std::vector<std::string>* dead, bool stopped);
// Store::Unclaim.
base::Status UnclaimJob(Connection& c, std::string_view job_id, std::string_view owner,
                        base::TimePoint now);
base::Status RetryJob(Connection& c, std::string_view job_id, base::TimePoint now);
base::Status CancelJob(Connection& c, std::string_view job_id, base::TimePoint now);
base::Status KeepStoppedOutput(Connection& c, std::string_view job_id,
                               const std::string& stdout_tail, const std::string& stderr_tail);

}  // namespace longhaul::store::sqlite::internal
