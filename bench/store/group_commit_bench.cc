// Durable appends per second by group size: `outstanding` appends are queued at once and each
// round waits for all of their commit callbacks, so the store's writer commits them in groups of
// up to that many (one fdatasync per group). Items/s is acknowledged appends per second;
// outstanding=1 is one sync per request, the cost group commit removes.
#include <benchmark/benchmark.h>

#include "base/mutex.h"
#include "lib/micro_support.h"

namespace longhaul::bench {
namespace {

void BM_GroupCommit(benchmark::State& state) {
  const int outstanding = static_cast<int>(state.range(0));
  base::SystemClock clock;
  ScratchDir dir;
  auto db = OpenStore(state, dir, clock);
  if (db == nullptr) return;
  base::Mutex mu;
  base::CondVar cv;
  int waiting = 0;
  int failed = 0;
  for (auto _ : state) {
    {
      base::MutexLock lock(mu);
      waiting = outstanding;
    }
    for (int i = 0; i < outstanding; ++i) {
      db->Append(IngestJob(clock.Now(), "hook", ""), [&](base::Result<store::AppendResult> r) {
        base::MutexLock lock(mu);
        if (!r.ok()) failed++;
        if (--waiting == 0) cv.Signal();
      });
    }
    base::MutexLock lock(mu);
    while (waiting > 0) cv.Wait(mu);
  }
  if (failed > 0) state.SkipWithError("appends failed");
  state.SetItemsProcessed(state.iterations() * outstanding);
}
BENCHMARK(BM_GroupCommit)->ArgName("outstanding")->Arg(1)->Arg(8)->Arg(64)->Arg(512)->UseRealTime();

}  // namespace
}  // namespace longhaul::bench

BENCHMARK_MAIN();
