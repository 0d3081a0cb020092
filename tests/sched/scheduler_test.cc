#include "sched/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace longhaul::sched {
namespace {

using std::chrono::seconds;

// Counts its runs; while held, every run waits for Release().
class HeldRuntime : public runtime::Runtime {
 public:
  runtime::Outcome Run(const runtime::Invocation&, const runtime::CancelToken&) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++runs_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    return {};
  }
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  // Whether `n` runs have begun within the bound (a bound on failure, not a timing).
  bool WaitForRuns(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return runs_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int runs_ = 0;
  bool held_ = false;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteOptions o;
    o.path = dir_.File("data/longhaul.db");
    o.clock = &clock_;
    auto opened = store::sqlite::SqliteStore::Open(o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    auto cfg = config::LoadConfigText(
        "functions:\n  fn:\n    runtime: command\n    command: [/bin/true]\n"
        "    concurrency: 1\n    retries: 0\nroutes: []\n",
        "test.yaml", [](const std::string&) { return std::optional<std::string>(); });
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    config_ = *cfg;
    fn_ = config_->FindFunction("fn");
    SchedulerOptions options;
    options.poll_interval = std::chrono::hours(1);  // only wake-ups move the loop
    sched_ = std::make_unique<Scheduler>(*store_, clock_, log_, hub_, options,
                                         [this](const config::Function&) { return &runtime_; });
    ASSERT_TRUE(sched_->Start(config_).ok());
  }
  void TearDown() override {
    runtime_.Release();
    sched_.reset();
  }

  store::NewJob MakeJob(base::TimePoint due) {
    store::NewJob j;
    j.id = base::NewJobId(clock_.Now());
    j.function = "fn";
    j.route = "POST /hook";
    j.max_attempts = 1;
    j.created_at = due;
    j.request.method = "POST";
    j.request.path = "/hook";
    return j;
  }
  void Append(store::NewJob job) {
    std::promise<base::Result<store::AppendResult>> done;
    auto result = done.get_future();
    store_->Append(std::move(job), [&](base::Result<store::AppendResult> r) {
      done.set_value(std::move(r));
    });
    auto r = result.get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  store::JobState StateOf(const std::string& id) {
    auto j = store_->Get(id);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    return j.ok() ? j->state : store::JobState::kQueued;
  }

  testing::TempDir dir_;
  base::SystemClock clock_;
  base::Logger log_{base::LogFormat::kText, base::LogLevel::kWarn};
  CompletionHub hub_;
  HeldRuntime runtime_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::shared_ptr<const config::Config> config_;
  const config::Function* fn_ = nullptr;
  std::unique_ptr<Scheduler> sched_;
};

// A synchronous caller that sends its next request as soon as it has the outcome finds the
// function's one slot free again: the slot is freed before the outcome is told.
TEST_F(SchedulerTest, ACallerThatHasTheOutcomeFindsTheSlotFree) {
  for (int i = 0; i < 10; ++i) {
    store::NewJob job = MakeJob(clock_.Now());
    const std::string id = job.id;
    std::optional<store::Job> run = sched_->ReserveDirect(*fn_, job);
    ASSERT_TRUE(run.has_value()) << "request " << i << " found the slot taken";
    std::promise<int> told;  // attempts running when the outcome is told
    hub_.Subscribe(id, [&](std::shared_ptr<const store::Job>) { told.set_value(sched_->running()); });
    store_->Append(std::move(job), [](base::Result<store::AppendResult>) {});
    sched_->StartDirect(std::move(*run), config_, fn_);
    std::future<int> running = told.get_future();
    ASSERT_EQ(running.wait_for(seconds(30)), std::future_status::ready);
    EXPECT_EQ(running.get(), 0) << "request " << i << ": told while its slot was still taken";
    EXPECT_EQ(StateOf(id), store::JobState::kSucceeded);
  }
}

// Work that found the slot taken runs once the slot frees, though the loop never polls: here
// the waiting job is not due yet when the running one ends (so that end claims nothing).
TEST_F(SchedulerTest, WorkThatFoundTheSlotTakenRunsWhenItFrees) {
  runtime_.Hold();
  store::NewJob first = MakeJob(clock_.Now());
  const std::string first_id = first.id;
  Append(std::move(first));
  sched_->WakeFor("fn");
  ASSERT_TRUE(runtime_.WaitForRuns(1));

  store::NewJob second = MakeJob(clock_.Now() + std::chrono::milliseconds(200));
  const std::string second_id = second.id;
  Append(std::move(second));
  sched_->WakeFor("fn");  // the slot is taken: nothing to claim now
  runtime_.Release();
  ASSERT_TRUE(runtime_.WaitForRuns(2)) << "the second job never ran";
  std::promise<void> told;
  hub_.Subscribe(second_id, [&](std::shared_ptr<const store::Job>) { told.set_value(); });
  if (StateOf(second_id) != store::JobState::kSucceeded) {
    ASSERT_EQ(told.get_future().wait_for(seconds(30)), std::future_status::ready);
  }
  EXPECT_EQ(StateOf(first_id), store::JobState::kSucceeded);
  EXPECT_EQ(StateOf(second_id), store::JobState::kSucceeded);
}

}  // namespace
}  // namespace longhaul::sched
