// fault_harness: proves that nothing longhaul acknowledged is lost across kill -9 (issue 6).
//
// Starts the real binary with a function that appends "start|end GEN JOB REQUEST ATTEMPT PID"
// lines to an executions log, sends --requests requests from --concurrency threads over
// keep-alive connections (unique request ids in the body and X-Request-Id; most with an
// idempotency key, a share repeating the key of an earlier request), and SIGKILLs the server
// --kills times at moments drawn from a seeded RNG as request counts (not wall-clock time),
// killing the function processes it leaves behind too (a machine crash), and restarting it.
// Then it waits until every job is terminal, stops the server with SIGTERM, and checks
// (fault/checker.h): every 2xx is in the store and ran to the end; a job ran more than once only
// across a crash that cut the earlier run short; one idempotency key never ran as two jobs.
//
// Exit status: 0 when every check passed, 1 when one failed, 2 on a usage or setup error.
//   fault_harness [--requests N] [--kills M] [--seed S] [--concurrency C] [--keep]
//                 [--work-dir D] [--binary PATH] [--drain-timeout SECONDS] [--sabotage-wal]
// --sabotage-wal deletes the database's WAL at each kill, losing committed jobs as a disk that
// lies about fsync would: a self-test of the checker (the run must FAIL).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fault/checker.h"
#include "fault/http_conn.h"
#include "fault/server_control.h"
#include "http/client.h"

namespace longhaul::fault {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  int requests = 5000;
  int kills = 5;
  uint64_t seed = 0;
  bool seed_given = false;
  int concurrency = 8;
  bool keep = false;
  std::string work_dir;  // default: a new directory under $TMPDIR
  std::string binary = LONGHAUL_BINARY;
  int drain_timeout_s = 900;
  int function_concurrency = 16;
  bool sabotage_wal = false;  // self-test: lose the WAL at each kill; the run must FAIL
};

constexpr double kUnkeyedShare = 0.3;  // no idempotency key
constexpr double kRepeatShare = 0.1;   // the key of an earlier request
constexpr double kSlowShare = 0.1;     // the function sleeps 50 ms: kills often cut these short

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--requests N] [--kills M] [--seed S] [--concurrency C] [--keep]\n"
               "          [--work-dir DIR] [--binary PATH] [--drain-timeout SECONDS]\n"
               "          [--sabotage-wal]  (self-test: delete the WAL at each kill; must FAIL)\n",
               argv0);
  return 2;
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--keep") {
      o->keep = true;
    } else if (a == "--sabotage-wal") {
      o->sabotage_wal = true;
    } else if (a == "--requests" && (v = value())) {
      o->requests = std::atoi(v);
    } else if (a == "--kills" && (v = value())) {
      o->kills = std::atoi(v);
    } else if (a == "--seed" && (v = value())) {
      o->seed = std::strtoull(v, nullptr, 10);
      o->seed_given = true;
    } else if (a == "--concurrency" && (v = value())) {
      o->concurrency = std::atoi(v);
    } else if (a == "--work-dir" && (v = value())) {
      o->work_dir = v;
    } else if (a == "--binary" && (v = value())) {
      o->binary = v;
    } else if (a == "--drain-timeout" && (v = value())) {
      o->drain_timeout_s = std::atoi(v);
    } else {
      return false;
    }
  }
  return o->requests > 0 && o->kills >= 0 && o->concurrency > 0 && o->drain_timeout_s > 0;
}

std::string ConfigTemplate(const std::string& dir, int function_concurrency) {
  const std::string log = dir + "/executions.log";
  const std::string fields =
      "$GEN $LONGHAUL_JOB_ID $LONGHAUL_HEADER_X_REQUEST_ID $LONGHAUL_ATTEMPT $$";
  return "server:\n"
         "  listen: 127.0.0.1:0\n"
         "  admin: 127.0.0.1:0\n"
         "  data_dir: " +
         dir +
         "/data\n"
         "  node_id: fault-node\n"
         "  shutdown_grace: 10s\n"
         "  poll_interval: 200ms\n"
         "functions:\n"
         "  work:\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"echo \\\"start " +
         fields + "\\\" >> " + log +
         "; [ -z \\\"$LONGHAUL_HEADER_X_WORK\\\" ] || sleep $LONGHAUL_HEADER_X_WORK; echo "
         "\\\"end " +
         fields + "\\\" >> " + log +
         "\"]\n"
         "    stdin: none\n"
         "    pass_headers: [X-Request-Id, X-Work]\n"
         "    environment: {GEN: \"@GEN@\"}\n"
         "    concurrency: " +
         std::to_string(function_concurrency) +
         "\n"
         "    timeout: 1m\n"
         "    retries: 3\n"
         "    retry_base: 100ms\n"
         "    retry_max: 1s\n"
         "routes:\n"
         "  - path: /work\n"
         "    function: work\n"
         "    idempotency_key: {header: X-Idempotency-Key}\n";
}

// Where the load goes; changes with each restart.
struct Target {
  std::mutex mu;
  std::condition_variable cv;
  bool up = false;
  bool abort = false;
  uint16_t port = 0;
  uint64_t epoch = 0;
  int gen = 0;
};

struct Progress {
  std::mutex mu;
  std::condition_variable cv;
  int completed = 0;
};

struct Planned {
  PlannedRequest request;
  bool slow = false;
};

std::vector<Planned> MakePlan(int n, std::mt19937_64& rng) {
  std::vector<Planned> plan(n);
  std::vector<int> keyed;  // indices of earlier requests with their own key
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < n; ++i) {
    Planned& p = plan[i];
    p.request.request_id = "r" + std::to_string(i);
    double kind = u(rng);
    if (kind < kRepeatShare && !keyed.empty()) {
      int earlier = keyed[std::uniform_int_distribution<size_t>(0, keyed.size() - 1)(rng)];
      p.request.key = plan[earlier].request.key;
      p.request.repeat = true;
    } else if (kind < kRepeatShare + kUnkeyedShare) {
      // no key
    } else {
      p.request.key = "k" + std::to_string(i);
      keyed.push_back(i);
    }
    p.slow = u(rng) < kSlowShare;
  }
  return plan;
}

void RunLoad(const std::vector<Planned>& plan, std::vector<RequestRecord>& records,
             std::atomic<int>& next, Target& target, Progress& progress) {
  KeepAliveConn conn;
  for (;;) {
    const int i = next.fetch_add(1);
    if (i >= static_cast<int>(plan.size())) {
      return;
    }
    const PlannedRequest& p = plan[i].request;
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}, {"X-Request-Id", p.request_id}};
    if (!p.key.empty()) {
      headers.emplace_back("X-Idempotency-Key", p.key);
    }
    if (plan[i].slow) {
      headers.emplace_back("X-Work", "0.05");
    }
    const std::string body = "{\"request_id\":\"" + p.request_id + "\",\"key\":\"" + p.key + "\"}";
    const std::string raw = BuildRequest("/work", headers, body);
    RequestRecord& rec = records[i];
    for (;;) {
      uint16_t port = 0;
      uint64_t epoch = 0;
      {
        std::unique_lock<std::mutex> lock(target.mu);
        target.cv.wait(lock, [&] { return target.up || target.abort; });
        if (target.abort) {
          return;
        }
        port = target.port;
        epoch = target.epoch;
        rec.gen = target.gen;
      }
      SimpleResponse res;
      std::string error;
      KeepAliveConn::Result r = conn.Send(port, epoch, raw, &res, &error, std::chrono::seconds(60));
      if (r == KeepAliveConn::Result::kNotSent) {
        // Nothing reached a server: wait for the next one (or a moment) and send it again.
        std::unique_lock<std::mutex> lock(target.mu);
        target.cv.wait_for(lock, std::chrono::milliseconds(50),
                           [&] { return target.epoch != epoch || target.abort; });
        continue;
      }
      if (r == KeepAliveConn::Result::kUnknown) {
        rec.outcome = Outcome::kUnknown;
        rec.error = error;
        break;
      }
      rec.status = res.status;
      rec.retry_after = !res.Header("Retry-After").empty();
      if (res.status >= 200 && res.status < 300) {
        rec.outcome = Outcome::kAcked;
        rec.job_id = res.Header("X-Longhaul-Job-Id");
        rec.duplicate = res.Header("X-Longhaul-Duplicate") == "true";
      } else {
        rec.outcome = Outcome::kRejected;
      }
      break;
    }
    {
      std::lock_guard<std::mutex> lock(progress.mu);
      ++progress.completed;
    }
    progress.cv.notify_all();
  }
}

base::Result<http::ClientResponse> AdminGet(uint16_t port, const std::string& path) {
  http::ClientRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + path;
  r.timeout = std::chrono::seconds(60);
  return http::Fetch(r);
}

// True when the admin API lists no job in `state`.
bool NoneIn(uint16_t admin_port, const std::string& state) {
  auto r = AdminGet(admin_port, "/jobs?limit=1&state=" + state);
  if (!r.ok() || r->status != 200) {
    return false;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  return !ec && v.is_object() && v.as_object().contains("jobs") &&
         v.as_object().at("jobs").is_array() && v.as_object().at("jobs").as_array().empty();
}

// Every job, through GET /jobs pagination. Returns false on an API error.
bool ListAllJobs(uint16_t admin_port, std::vector<StoredJob>* out, std::string* error) {
  std::string cursor;
  for (;;) {
    std::string path = "/jobs?limit=1000";
    if (!cursor.empty()) {
      path += "&cursor=" + cursor;
    }
    auto r = AdminGet(admin_port, path);
    if (!r.ok() || r->status != 200) {
      *error = r.ok() ? "GET " + path + ": " + std::to_string(r->status) + " " + r->body
                      : r.status().ToString();
      return false;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    if (ec || !v.is_object()) {
      *error = "GET " + path + ": not JSON";
      return false;
    }
    const auto& o = v.as_object();
    for (const auto& j : o.at("jobs").as_array()) {
      const auto& jo = j.as_object();
      StoredJob s;
      s.id = std::string(jo.at("id").as_string());
      s.state = std::string(jo.at("state").as_string());
      s.attempts = static_cast<int>(jo.at("attempts").to_number<int64_t>());
      if (const auto* k = jo.if_contains("idempotency_key"); k && k->is_string()) {
        s.idempotency_key = std::string(k->as_string());
      }
      out->push_back(std::move(s));
    }
    const auto* next = o.if_contains("next_cursor");
    if (next == nullptr || !next->is_string() || next->as_string().empty()) {
      return true;
    }
    cursor = std::string(next->as_string());
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

int Run(const Options& opt) {
  const uint64_t seed = opt.seed_given ? opt.seed : std::random_device{}();
  std::printf("fault_harness: seed=%llu requests=%d kills=%d concurrency=%d\n",
              static_cast<unsigned long long>(seed), opt.requests, opt.kills, opt.concurrency);
  std::printf("  repeat with: --seed %llu --requests %d --kills %d --concurrency %d\n",
              static_cast<unsigned long long>(seed), opt.requests, opt.kills, opt.concurrency);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);

  std::string dir = opt.work_dir;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/longhaul-fault-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
      std::perror("mkdtemp");
      return 2;
    }
    dir = templ;
  } else {
    std::filesystem::create_directories(dir);
  }
  std::printf("  work dir: %s\n", dir.c_str());

  if (!ServerControl::BecomeSubreaper()) {
    std::fprintf(stderr, "fault_harness: PR_SET_CHILD_SUBREAPER failed\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<Planned> plan = MakePlan(opt.requests, rng);
  std::vector<int> kill_points;
  std::uniform_int_distribution<int> at(std::max(1, opt.requests / 50),
                                        std::max(1, opt.requests * 49 / 50));
  for (int k = 0; k < opt.kills; ++k) {
    kill_points.push_back(at(rng));
  }
  std::sort(kill_points.begin(), kill_points.end());

  ServerControl server(opt.binary, dir, ConfigTemplate(dir, opt.function_concurrency));
  std::vector<std::string> failures;
  int gen = 1;
  if (std::string err = server.Start(gen); !err.empty()) {
    std::fprintf(stderr, "fault_harness: %s\n", err.c_str());
    return 2;
  }
  Target target;
  {
    std::lock_guard<std::mutex> lock(target.mu);
    target.up = true;
    target.port = server.port();
    target.epoch = 1;
    target.gen = gen;
  }

  const auto t0 = SteadyClock::now();
  std::vector<RequestRecord> records(plan.size());
  std::atomic<int> next{0};
  Progress progress;
  std::vector<std::thread> load;
  for (int t = 0; t < opt.concurrency; ++t) {
    load.emplace_back([&] { RunLoad(plan, records, next, target, progress); });
  }

  int kills = 0;
  int orphans = 0;
  bool setup_failed = false;
  for (int point : kill_points) {
    {
      std::unique_lock<std::mutex> lock(progress.mu);
      progress.cv.wait(lock, [&] { return progress.completed >= point; });
    }
    std::string how;
    if (server.ExitedOnItsOwn(&how)) {
      failures.push_back("generation " + std::to_string(gen) + " died by itself (" + how + ")");
    }
    {
      std::lock_guard<std::mutex> lock(target.mu);
      target.up = false;
    }
    orphans += server.Kill();
    ++kills;
    if (opt.sabotage_wal) {
      // What a disk that acknowledges writes it never stored would do to the committed jobs.
      std::error_code ec;
      std::filesystem::remove(dir + "/data/longhaul.db-wal", ec);
      std::filesystem::remove(dir + "/data/longhaul.db-shm", ec);
    }
    ++gen;
    if (std::string err = server.Start(gen); !err.empty()) {
      failures.push_back("restart failed: " + err);
      setup_failed = true;
      break;
    }
    {
      std::lock_guard<std::mutex> lock(target.mu);
      target.up = true;
      target.port = server.port();
      ++target.epoch;
      target.gen = gen;
    }
    target.cv.notify_all();
    std::printf("  kill %d/%d after %d requests; generation %d on port %d\n", kills, opt.kills,
                point, gen, server.port());
    std::fflush(stdout);
  }
  if (setup_failed) {
    std::lock_guard<std::mutex> lock(target.mu);
    target.abort = true;
  }
  target.cv.notify_all();
  for (auto& t : load) {
    t.join();
  }
  const double load_s = SecondsSince(t0);
  std::printf("  load done in %.1f s (%.0f requests/s); waiting for every job to finish\n", load_s,
              opt.requests / load_s);
  std::fflush(stdout);

  std::vector<StoredJob> jobs;
  if (!setup_failed) {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(opt.drain_timeout_s);
    bool drained = false;
    while (SteadyClock::now() < deadline) {
      std::string how;
      if (server.ExitedOnItsOwn(&how)) {
        failures.push_back("generation " + std::to_string(gen) + " died by itself (" + how + ")");
        break;
      }
      if (NoneIn(server.admin_port(), "queued") && NoneIn(server.admin_port(), "retrying") &&
          NoneIn(server.admin_port(), "running")) {
        drained = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!drained) {
      failures.push_back("jobs still unfinished after " + std::to_string(opt.drain_timeout_s) +
                         " s");
    }
    std::string error;
    if (server.pid() > 0 && !ListAllJobs(server.admin_port(), &jobs, &error)) {
      failures.push_back("listing jobs failed: " + error);
    }
    const int code = server.Terminate(std::chrono::seconds(60));
    if (code != 0) {
      failures.push_back("SIGTERM: the last generation exited with " +
                         (code < 0 ? std::string("a timeout") : std::to_string(code)) +
                         " instead of 0");
    }
  }
  std::printf("  all done in %.1f s\n", SecondsSince(t0));

  CheckInput in;
  for (const Planned& p : plan) {
    in.plan.push_back(p.request);
  }
  in.records = records;
  int malformed = 0;
  in.executions = ParseExecutions(ReadAll(dir + "/executions.log"), &malformed);
  if (malformed > 0) {
    failures.push_back(std::to_string(malformed) + " malformed lines in executions.log");
  }
  in.jobs = std::move(jobs);
  for (int g = 1; g <= gen; ++g) {
    std::string log = ReadAll(server.log_path(g));
    in.completed_by_gen[g] = ParseSucceeded(log);
    for (const char* bad :
         {"http.connection_exception", "store.open_failed", "sched.start_failed"}) {
      if (log.find(bad) != std::string::npos) {
        failures.push_back(std::string(bad) + " in " + server.log_path(g));
      }
    }
  }
  in.final_gen = gen;
  in.kills = kills;
  Report report = Check(in);

  std::printf("%s", report.Details().c_str());
  std::printf("  orphaned function processes killed with the server: %d\n", orphans);
  for (const std::string& f : failures) {
    std::printf("  FAILURE: %s\n", f.c_str());
  }
  const bool ok = report.ok() && failures.empty();
  std::printf("%s: %s\n", ok ? "PASS" : "FAIL", report.Summary().c_str());
  if (!ok) {
    std::printf("  kept %s for inspection; repeat with --seed %llu\n", dir.c_str(),
                static_cast<unsigned long long>(seed));
  } else if (!opt.keep && opt.work_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace longhaul::fault

int main(int argc, char** argv) {
  longhaul::fault::Options opt;
  if (!longhaul::fault::ParseOptions(argc, argv, &opt)) {
    return longhaul::fault::Usage(argv[0]);
  }
  return longhaul::fault::Run(opt);
}
