#include "store/job.h"

namespace longhaul::store {

std::string_view ToString(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kRetrying:
      return "retrying";
    case JobState::kSucceeded:
      return "succeeded";
    case JobState::kFailed:
      return "failed";
    case JobState::kDead:
      return "dead";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "queued";
}

std::optional<JobState> ParseJobState(std::string_view s) {
  static constexpr JobState kAll[] = {JobState::kQueued,    JobState::kRunning, JobState::kRetrying,
                                      JobState::kSucceeded, JobState::kFailed,  JobState::kDead,
                                      JobState::kCancelled};
  for (JobState state : kAll) {
    if (ToString(state) == s) {
      return state;
    }
  }
  return std::nullopt;
}

bool IsTerminal(JobState s) {
  switch (s) {
    case JobState::kQueued:
    case JobState::kRunning:
    case JobState::kRetrying:
      return false;
    case JobState::kSucceeded:
    case JobState::kFailed:
    case JobState::kDead:
    case JobState::kCancelled:
      return true;
  }
  return false;
}

}  // namespace longhaul::store
