// The answers ingest gives: the acknowledgement of a stored job, and a job's outcome as the
// HTTP response of a sync/auto route (or GET /jobs/{id}/result).
#pragma once

#include <string>

#include "config/config.h"
#include "http/types.h"
#include "store/job.h"

namespace longhaul::ingest {

// The route's acknowledgement: ack_status and ack_body, or by default 202 with
// {"id":…,"status_url":…}. Always carries X-Longhaul-Job-Id and Location.
http::Response AcceptedResponse(const config::Route* route, const std::string& job_id,
                                const std::string& status_url, bool duplicate);

// A job's outcome: succeeded -> the function's response (status, headers, body); failed or
// dead with an upstream's answer (an http function's 3xx-5xx, as `config` has the function)
// -> that answer as it is, as a reverse proxy gives it, with X-Longhaul-Job-State; otherwise
// failed/dead/cancelled -> 502 {"id","state","error"} (504 when the last attempt timed out);
// not finished -> 202 {"id","state","status_url"}. Carries X-Longhaul-Job-Id.
// `head_request`: the answer goes to a HEAD request; when the job's own request was HEAD too,
// the upstream's Content-Length (the size of a GET's body) is kept.
// `to_sender`: the answer goes to the route's sender, not an operator: a Lambda function's own
// error text (its errorMessage: exception text, often with internals) is not in it, as API
// Gateway keeps it from callers; the job's record has it.
http::Response OutcomeResponse(const store::Job& job, const std::string& status_url,
                               const config::Config& config, bool head_request = false,
                               bool to_sender = false);

}  // namespace longhaul::ingest
