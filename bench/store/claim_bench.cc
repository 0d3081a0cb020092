// The scheduler's pick-next: a finishing attempt records its outcome and claims its function's
// next job in one commit (Store::CompleteAndClaim), with `queued` jobs waiting, each under an
// ordering key of its own (per-key FIFO makes the claim check each key's head). Items/s is jobs
// handed from one attempt to the next per second, for one slot.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "base/mutex.h"
#include "lib/micro_support.h"

namespace longhaul::bench {
namespace {

constexpr char kOwner[] = "bench";

// Appends `count` jobs, each with its own ordering key, and waits for their commit.
bool Fill(store::Store& db, const base::Clock& clock, int count) {
  base::Mutex mu;
  base::CondVar cv;
  int waiting = count;
  int failed = 0;
  for (int i = 0; i < count; ++i) {
    db.Append(IngestJob(clock.Now(), "work", "chat-" + std::to_string(i)),
              [&](base::Result<store::AppendResult> r) {
                base::MutexLock lock(mu);
                if (!r.ok()) failed++;
                if (--waiting == 0) cv.Signal();
              });
  }
  base::MutexLock lock(mu);
  while (waiting > 0) cv.Wait(mu);
  return failed == 0;
}

store::ClaimRequest NextFor(const base::Clock& clock) {
  store::ClaimRequest req;
  req.function = "work";
  req.concurrency = 1;
  req.limit = 1;
  req.owner = kOwner;
  req.now = clock.Now();
  return req;
}

void BM_CompleteAndClaim(benchmark::State& state) {
  const int queued = static_cast<int>(state.range(0));
  base::SystemClock clock;
  ScratchDir dir;
  auto db = OpenStore(state, dir, clock);
  if (db == nullptr) return;
  std::vector<store::Job> running;
  for (auto _ : state) {
    if (running.empty()) {
      state.PauseTiming();
      bool filled = Fill(*db, clock, queued);
      auto first = db->Claim(NextFor(clock));
      state.ResumeTiming();
      if (!filled || !first.ok() || first->empty()) {
        state.SkipWithError("could not queue and claim the jobs");
        break;
      }
      running = std::move(*first);
    }
    store::Completion done;
    done.job_id = running.front().id;
    done.owner = kOwner;
    done.kind = store::Completion::Kind::kSucceeded;
    done.now = clock.Now();
    std::vector<store::Job> next;
    base::Status s = db->CompleteAndClaim(done, NextFor(clock), &next);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    running = std::move(next);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompleteAndClaim)->ArgName("queued")->Arg(10000)->UseRealTime();

}  // namespace
}  // namespace longhaul::bench

BENCHMARK_MAIN();
