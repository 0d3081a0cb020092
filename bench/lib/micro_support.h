// What the micro-benchmarks (bench/<module>/*_bench.cc, Google Benchmark) share: a scratch
// directory that is removed afterwards, and a job shaped like the ingest benchmark's request.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "store/job.h"
#include "store/sqlite/sqlite_store.h"

namespace longhaul::bench {

// A fresh directory under $TMPDIR (or /tmp); removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A ~1 KiB Telegram-like update, the body bench/run.sh posts.
const std::string& TelegramUpdate();

// A job as the ingest handler builds it for a POST of TelegramUpdate() to `route_path`.
store::NewJob IngestJob(base::TimePoint now, std::string function, std::string ordering_key);

// A SqliteStore in `dir`; stops the benchmark with an error (nullptr) when it cannot be opened.
std::unique_ptr<store::sqlite::SqliteStore> OpenStore(benchmark::State& state,
                                                      const ScratchDir& dir, base::Clock& clock);

}  // namespace longhaul::bench
