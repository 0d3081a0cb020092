// The JSON shapes of the admin API: one job, a page of jobs.
#pragma once

#include <boost/json/object.hpp>

#include "store/store.h"

namespace longhaul::admin {

// {"id","function","state","attempts","max_attempts","created_at",…,"result":{…},
//  "last_error","stdout_tail","stderr_tail"}; times are RFC 3339 UTC with milliseconds.
// `with_request` adds the stored request (method, path, query, headers, body).
boost::json::object JobToJson(const store::Job& job, bool with_request);

std::string FormatTime(base::TimePoint t);

}  // namespace longhaul::admin
