// store_floor DIR BODY_FILE [SECONDS] [OUTSTANDING]: what the store alone costs per durably
// acknowledged request, without HTTP. Appends jobs shaped like the ingest benchmark's (the body
// in BODY_FILE, wrk's three headers, an ordering key) to a fresh SqliteStore in DIR, keeping
// OUTSTANDING (default 64, like wrk's connections) appends waiting for their group commit, for
// SECONDS (default 5). Prints "appends=… per_s=… cpu_us=…": appends per second and the
// process's CPU time (all threads: building the job, the writer, the checkpointer) per append.
// A server that stores each request this way cannot spend less CPU per request than cpu_us
// plus what its HTTP costs.
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"

namespace {

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace longhaul;
  if (argc < 3) {
    std::fprintf(stderr, "usage: store_floor DIR BODY_FILE [SECONDS] [OUTSTANDING]\n");
    return 2;
  }
  const double seconds = argc > 3 ? std::atof(argv[3]) : 5;
  const int outstanding = argc > 4 ? std::atoi(argv[4]) : 64;
  if (seconds <= 0 || outstanding < 1) {
    std::fprintf(stderr, "store_floor: SECONDS must be positive, OUTSTANDING at least 1\n");
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "store_floor: cannot read %s\n", argv[2]);
    return 2;
  }
  std::stringstream body;
  body << in.rdbuf();

  base::SystemClock clock;
  store::sqlite::SqliteOptions options;
  options.path = std::string(argv[1]) + "/store_floor.db";
  options.clock = &clock;
  auto opened = store::sqlite::SqliteStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "store_floor: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<store::sqlite::SqliteStore> db = std::move(*opened);

  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  long done = 0;
  long failed = 0;
  const std::string length = std::to_string(body.str().size());
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  const double cpu_start = CpuSeconds();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < outstanding; });
      if (std::chrono::steady_clock::now() >= end) {
        cv.wait(lock, [&] { return in_flight == 0; });
        break;
      }
      ++in_flight;
    }
    // As the ingest handler builds it (ingest::NewJobFor, ToStoreRequest).
    base::TimePoint now = clock.Now();
    store::NewJob job;
    job.id = base::NewJobId(now);
    job.function = "block";
    job.route = "POST /block";
    job.ordering_key = "123456789";
    job.max_attempts = 1;
    job.created_at = now;
    job.expires_at = now + std::chrono::hours(6);
    job.request.method = "POST";
    job.request.path = "/block";
    job.request.remote_addr = "127.0.0.1";
    job.request.headers = {{"Host", "127.0.0.1"},
                           {"Content-Length", length},
                           {"Content-Type", "application/json"}};
    job.request.body = body.str();
    db->Append(std::move(job), [&](base::Result<store::AppendResult> r) {
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      r.ok() ? ++done : ++failed;
      cv.notify_one();
    });
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  if (failed > 0 || done == 0) {
    std::fprintf(stderr, "store_floor: %ld of %ld appends failed\n", failed, failed + done);
    return 1;
  }
  std::printf("appends=%ld per_s=%.0f cpu_us=%.1f\n", done, done / elapsed, cpu * 1e6 / done);
  return 0;
}
