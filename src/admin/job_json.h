// The JSON shapes of the admin API: one job, a page of jobs.
#pragma once

#include <boost/json/object.hpp>

#include "store/store.h"

namespace longhaul::admin {

enum class JobDetail {
  kSummary,  // a listing's: "result" has only its "status"; no tails, no request
  kFull,     // everything, with the stored request (method, path, query, headers, body)
};

// {"id","function","state","attempts","max_attempts","created_at",…,"result":{…},
//  "last_error","stdout_tail","stderr_tail"}; times are RFC 3339 UTC with milliseconds.
// The output is always valid UTF-8: a body that is not goes out as base64, marked with
// "body_encoding": "base64" beside it; other text has U+FFFD for each byte that is not.
boost::json::object JobToJson(const store::Job& job, JobDetail detail);

std::string FormatTime(base::TimePoint t);

}  // namespace longhaul::admin
