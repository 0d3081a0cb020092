#include "fault/checker.h"

#include <algorithm>
#include <sstream>
#include <tuple>
#include <unordered_map>

namespace longhaul::fault {
namespace {

constexpr int kExamplesPerKind = 5;

// Keeps the first few examples of each kind of failure ("LOST", "MISSING", ...).
void Problem(Report& r, const std::string& what) {
  if (++r.examples_per_kind[what.substr(0, what.find(':'))] <= kExamplesPerKind) {
    r.problems.push_back(what);
  }
}

}  // namespace

std::vector<Execution> ParseExecutions(const std::string& log_text, int* malformed) {
  *malformed = 0;
  // (gen, job, pid) -> index in `out`, in the order the runs started.
  std::map<std::tuple<int, std::string, long>, size_t> index;
  std::vector<Execution> out;
  std::istringstream in(log_text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind;
    Execution e;
    if (!(fields >> kind >> e.gen >> e.job_id >> e.request_id >> e.attempt >> e.pid) ||
        (kind != "start" && kind != "end")) {
      ++*malformed;
      continue;
    }
    auto key = std::make_tuple(e.gen, e.job_id, e.pid);
    auto it = index.find(key);
    if (kind == "start") {
      if (it != index.end()) {
        ++*malformed;  // the same process started twice: cannot happen
        continue;
      }
      index.emplace(key, out.size());
      out.push_back(std::move(e));
    } else if (it == index.end()) {
      ++*malformed;  // an end without a start
    } else {
      out[it->second].ended = true;
    }
  }
  return out;
}

std::set<std::string> ParseSucceeded(const std::string& log_text) {
  std::set<std::string> ids;
  const std::string marker = " job.succeeded job=";
  for (size_t p = log_text.find(marker); p != std::string::npos; p = log_text.find(marker, p + 1)) {
    size_t start = p + marker.size();
    size_t end = log_text.find_first_of(" \n", start);
    if (end == std::string::npos) {
      continue;  // the line was cut short by the kill
    }
    ids.insert(log_text.substr(start, end - start));
  }
  return ids;
}

Report Check(const CheckInput& in) {
  Report r;
  r.kills = in.kills;
  r.stored_jobs = static_cast<int>(in.jobs.size());
  r.executions = static_cast<int>(in.executions.size());

  std::unordered_map<std::string, const StoredJob*> jobs;
  for (const StoredJob& j : in.jobs) {
    jobs.emplace(j.id, &j);
  }
  std::unordered_map<std::string, size_t> request_index;
  for (size_t i = 0; i < in.plan.size(); ++i) {
    request_index.emplace(in.plan[i].request_id, i);
  }
  std::unordered_map<std::string, std::vector<const Execution*>> runs_by_job;
  for (const Execution& e : in.executions) {
    runs_by_job[e.job_id].push_back(&e);
    if (!e.ended) {
      ++r.interrupted;
    }
  }
  auto ran_to_end = [&](const std::string& job_id) {
    auto it = runs_by_job.find(job_id);
    if (it == runs_by_job.end()) {
      return false;
    }
    return std::any_of(it->second.begin(), it->second.end(),
                       [](const Execution* e) { return e->ended; });
  };

  // What each request was told.
  std::set<std::string> acked_jobs;
  for (size_t i = 0; i < in.plan.size(); ++i) {
    const PlannedRequest& p = in.plan[i];
    const RequestRecord& rec = in.records[i];
    switch (rec.outcome) {
      case Outcome::kNotSent:
        continue;
      case Outcome::kUnknown:
        ++r.sent;
        ++r.unknown;
        continue;
      case Outcome::kRejected:
        ++r.sent;
        if ((rec.status == 503 || rec.status == 429) && rec.retry_after) {
          ++r.rejected_allowed;
        } else {
          ++r.bad_answers;
          Problem(r, "BAD ANSWER: " + p.request_id + " got " + std::to_string(rec.status) +
                         (rec.retry_after ? "" : " without Retry-After"));
        }
        continue;
      case Outcome::kAcked:
        break;
    }
    ++r.sent;
    ++r.acknowledged;
    if (rec.duplicate) {
      ++r.acknowledged_duplicates;
    }
    if (rec.job_id.empty()) {
      ++r.missing;
      Problem(r, "MISSING: " + p.request_id + " was acknowledged without a job id");
      continue;
    }
    acked_jobs.insert(rec.job_id);
    auto job = jobs.find(rec.job_id);
    if (job == jobs.end()) {
      ++r.missing;
      Problem(r, "MISSING: " + p.request_id + " acknowledged as job " + rec.job_id +
                     " (generation " + std::to_string(rec.gen) + "), not in the store");
    }
    if (!ran_to_end(rec.job_id)) {
      ++r.lost;
      Problem(r, "LOST: " + p.request_id + " acknowledged as job " + rec.job_id + " (generation " +
                     std::to_string(rec.gen) + ") never ran to the end");
    }
  }

  // One request, one job; one idempotency key, one job.
  std::unordered_map<std::string, std::set<std::string>> jobs_of_request;
  std::unordered_map<std::string, std::set<std::string>> jobs_of_key;
  for (size_t i = 0; i < in.plan.size(); ++i) {
    if (in.records[i].outcome == Outcome::kAcked && !in.records[i].job_id.empty()) {
      if (!in.plan[i].repeat) {
        jobs_of_request[in.plan[i].request_id].insert(in.records[i].job_id);
      }
      if (!in.plan[i].key.empty()) {
        jobs_of_key[in.plan[i].key].insert(in.records[i].job_id);
      }
    }
  }
  std::set<std::string> unknown_stored_requests;
  for (const Execution& e : in.executions) {
    jobs_of_request[e.request_id].insert(e.job_id);
    auto it = request_index.find(e.request_id);
    if (it == request_index.end()) {
      continue;
    }
    if (!in.plan[it->second].key.empty()) {
      jobs_of_key[in.plan[it->second].key].insert(e.job_id);
    }
    if (in.records[it->second].outcome == Outcome::kUnknown) {
      unknown_stored_requests.insert(e.request_id);
    }
  }
  for (const StoredJob& j : in.jobs) {
    if (!j.idempotency_key.empty()) {
      jobs_of_key[j.idempotency_key].insert(j.id);
    }
  }
  r.unknown_stored = static_cast<int>(unknown_stored_requests.size());
  for (const auto& [request, ids] : jobs_of_request) {
    if (ids.size() > 1) {
      ++r.request_violations;
      Problem(r, "ONE REQUEST, SEVERAL JOBS: " + request + " -> " + std::to_string(ids.size()) +
                     " jobs, e.g. " + *ids.begin() + " and " + *ids.rbegin());
    }
  }
  for (const auto& [key, ids] : jobs_of_key) {
    if (ids.size() > 1) {
      ++r.key_violations;
      Problem(r, "KEY EXECUTED TWICE: idempotency key " + key + " -> " +
                     std::to_string(ids.size()) + " jobs, e.g. " + *ids.begin() + " and " +
                     *ids.rbegin());
    }
  }

  // Several runs of one job are allowed only across a crash that cut the earlier one short
  // (its outcome never committed).
  for (auto& [job_id, runs] : runs_by_job) {
    std::stable_sort(runs.begin(), runs.end(),
                     [](const Execution* a, const Execution* b) { return a->gen < b->gen; });
    for (size_t k = 1; k < runs.size(); ++k) {
      const Execution& prev = *runs[k - 1];
      const Execution& cur = *runs[k];
      if (prev.gen == cur.gen) {
        ++r.rerun_without_crash;
        Problem(r, "RAN TWICE WITHOUT A CRASH: job " + job_id + " in generation " +
                       std::to_string(cur.gen) + " (attempts " + std::to_string(prev.attempt) +
                       " and " + std::to_string(cur.attempt) + ")");
        continue;
      }
      bool committed_before = false;
      for (const auto& [gen, done] : in.completed_by_gen) {
        if (gen < cur.gen && done.count(job_id) > 0) {
          committed_before = true;
        }
      }
      if (committed_before) {
        ++r.rerun_after_completion;
        Problem(r, "RAN AGAIN AFTER ITS OUTCOME WAS COMMITTED: job " + job_id + " in generation " +
                       std::to_string(cur.gen));
      } else {
        ++r.reruns;
      }
    }
  }

  // Every stored job: finished well, ran, and is ours.
  for (const StoredJob& j : in.jobs) {
    if (j.state != "succeeded") {
      ++r.not_succeeded;
      Problem(r, "NOT SUCCEEDED: job " + j.id + " is " + j.state + " after " +
                     std::to_string(j.attempts) + " attempts");
    }
    auto runs = runs_by_job.find(j.id);
    if (runs == runs_by_job.end()) {
      ++r.unexecuted_jobs;
      Problem(r, "NEVER RAN: stored job " + j.id + " (" + j.state + ")");
      continue;
    }
    if (acked_jobs.count(j.id) > 0) {
      continue;
    }
    const std::string& request = runs->second.front()->request_id;
    auto it = request_index.find(request);
    if (it == request_index.end() || in.records[it->second].outcome != Outcome::kUnknown) {
      ++r.unexplained_jobs;
      Problem(r, "UNEXPLAINED JOB: " + j.id + " for request " + request +
                     " whose sender was not left in doubt");
    }
  }
  return r;
}

std::string Report::Summary() const {
  std::ostringstream s;
  s << kills << " kills, " << acknowledged << " acknowledged, " << lost << " lost, " << reruns
    << " re-runs after interrupted executions, " << unknown << " unknown";
  return s.str();
}

std::string Report::Details() const {
  std::ostringstream s;
  s << "  requests sent:                      " << sent << "\n"
    << "  acknowledged (2xx):                 " << acknowledged << " (" << acknowledged_duplicates
    << " as duplicates of an earlier key)\n"
    << "  refused with 503/429 + Retry-After: " << rejected_allowed << "\n"
    << "  unknown outcome (killed mid-request): " << unknown << " (" << unknown_stored
    << " of them were stored and ran)\n"
    << "  jobs in the store:                  " << stored_jobs << "\n"
    << "  executions:                         " << executions << " (" << interrupted
    << " interrupted by a kill, " << reruns << " re-runs)\n"
    << "  FAILURES: lost " << lost << ", missing " << missing << ", not succeeded " << not_succeeded
    << ", bad answers " << bad_answers << ", ran twice without a crash " << rerun_without_crash
    << ", ran again after commit " << rerun_after_completion << ", key executed twice "
    << key_violations << ", request with several jobs " << request_violations
    << ", unexplained jobs " << unexplained_jobs << ", never ran " << unexecuted_jobs << "\n";
  for (const std::string& p : problems) {
    s << "  " << p << "\n";
  }
  return s.str();
}

}  // namespace longhaul::fault
