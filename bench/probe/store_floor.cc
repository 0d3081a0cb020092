// store_floor DIR BODY_FILE [SECONDS] [OUTSTANDING] [RATE]: what the store alone costs per
// durably acknowledged request, without HTTP. Appends jobs shaped like the ingest benchmark's
// (the body in BODY_FILE, wrk's three headers, an ordering key) to a fresh SqliteStore in DIR
// for SECONDS (default 5).
// Without RATE: keeps OUTSTANDING (default 64, like wrk's connections) appends waiting for
// their group commit; prints "appends=… per_s=… cpu_us=…": appends per second and the
// process's CPU time (all threads: building the job, the writer, the checkpointer) per append.
// A server that stores each request this way cannot spend less CPU per request than cpu_us
// plus what its HTTP costs.
// With RATE: appends RATE per second on schedule (open loop, as bench/loadgen/fixed_rate) and
// prints "appends=… p50_us=… p99_us=… p999_us=…": from each append's intended start to its
// commit callback, the floor under an acknowledgement's latency at that rate.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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
  const double rate = argc > 5 ? std::atof(argv[5]) : 0;
  if (seconds <= 0 || outstanding < 1 || rate < 0) {
    std::fprintf(stderr,
                 "store_floor: SECONDS must be positive, OUTSTANDING at least 1, RATE not "
                 "negative\n");
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
  std::vector<double> latencies_us;  // with RATE
  const std::string length = std::to_string(body.str().size());
  // As the ingest handler builds it (ingest::NewJobFor, ToStoreRequest).
  auto make_job = [&] {
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
    job.request.headers = {
        {"Host", "127.0.0.1"}, {"Content-Length", length}, {"Content-Type", "application/json"}};
    job.request.body = body.str();
    return job;
  };
  if (rate > 0) {
    const auto start = std::chrono::steady_clock::now();
    const long total = static_cast<long>(seconds * rate);
    latencies_us.reserve(total);
    for (long i = 0; i < total; ++i) {
      const auto intended = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(i / rate));
      std::this_thread::sleep_until(intended);
      {
        std::lock_guard<std::mutex> lock(mu);
        ++in_flight;
      }
      db->Append(make_job(), [&, intended](base::Result<store::AppendResult> r) {
        const double us =
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - intended)
                .count();
        std::lock_guard<std::mutex> lock(mu);
        --in_flight;
        if (r.ok()) {
          ++done;
          latencies_us.push_back(us);
        } else {
          ++failed;
        }
        cv.notify_one();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
    if (failed > 0 || done == 0) {
      std::fprintf(stderr, "store_floor: %ld of %ld appends failed\n", failed, failed + done);
      return 1;
    }
    std::sort(latencies_us.begin(), latencies_us.end());
    auto at = [&](double q) {
      return latencies_us[std::min(latencies_us.size() - 1,
                                   static_cast<size_t>(q * latencies_us.size()))];
    };
    std::printf("appends=%ld p50_us=%.0f p99_us=%.0f p999_us=%.0f\n", done, at(0.5), at(0.99),
                at(0.999));
    return 0;
  }
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
    db->Append(make_job(), [&](base::Result<store::AppendResult> r) {
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
