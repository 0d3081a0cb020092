#include "sched/scheduler.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/log_capture.h"
#include "testing/server_process.h"
#include "testing/task_limit.h"
#include "testing/temp_dir.h"

namespace longhaul::sched {
namespace {

using std::chrono::seconds;

// Counts its runs; while held, every run waits for Release(). With AnswerFirst(), a run gives
// its answer (as a Lambda runtime's posted response) before it waits.
class HeldRuntime : public runtime::Runtime {
 public:
  runtime::Outcome Run(const runtime::Invocation& inv, const runtime::CancelToken&) override {
    std::unique_lock<std::mutex> lock(mu_);
    runtime::Outcome out;
    out.status = status_;
    out.response.status = 200;
    out.response.body = "answer";
    if (answer_first_ && inv.answered) inv.answered(out);
    ran_begun_ = begun_ != nullptr && inv.begun == begun_;
    ++runs_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    out.stderr_tail = "logs";
    return out;
  }
  // Begin() marks what it hands out; Run() records whether it got it back.
  std::shared_ptr<runtime::Begun> Begin(const runtime::Invocation&) override {
    std::lock_guard<std::mutex> lock(mu_);
    begun_ = std::make_shared<runtime::Begun>();
    begun_on_ = std::this_thread::get_id();
    return begun_;
  }
  bool RanWhatBeganOn(std::thread::id thread) {
    std::lock_guard<std::mutex> lock(mu_);
    return ran_begun_ && begun_on_ == thread;
  }
  void AnswerFirst(base::Status status = base::Status::Ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_first_ = true;
    status_ = std::move(status);
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
  int runs() {
    std::lock_guard<std::mutex> lock(mu_);
    return runs_;
  }
  bool WaitForRuns(int n, std::chrono::milliseconds bound = seconds(30)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return runs_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int runs_ = 0;
  bool held_ = false;
  bool answer_first_ = false;
  std::shared_ptr<runtime::Begun> begun_;
  std::thread::id begun_on_;
  bool ran_begun_ = false;
  base::Status status_;
};

// The SqliteStore underneath, except that while armed a Claim() waits, once, until Open():
// the moment a claim of the loop's is under way, held still.
class GatedClaimStore : public store::Store {
 public:
  explicit GatedClaimStore(store::Store& inner) : inner_(inner) {}
  void Arm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
  }
  bool WaitUntilInClaim() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return in_claim_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
    cv_.notify_all();
  }
  base::Result<std::vector<store::Job>> Claim(const store::ClaimRequest& req) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (armed_) {
        in_claim_ = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return !armed_; });
      }
    }
    return inner_.Claim(req);
  }
  void Append(store::NewJob job, store::Store::AppendCallback done) override {
    inner_.Append(std::move(job), std::move(done));
  }
  base::Status Complete(const store::Completion& c) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (failing_completes_ > 0) {
        --failing_completes_;
        ++failed_completes_;
        cv_.notify_all();
        return base::Unavailable("disk full");
      }
    }
    return inner_.Complete(c);
  }
  // The next `n` outcomes fail to be written, as when the disk is full.
  void FailCompletes(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    failing_completes_ = n;
  }
  bool WaitForFailedCompletes(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return failed_completes_ >= n; });
  }
  base::Status ExtendLease(std::string_view id, std::string_view owner,
                           store::TimePoint until) override {
    return inner_.ExtendLease(id, owner, until);
  }
  base::Result<int> RecoverLeases(store::TimePoint now, std::string_view owner,
                                  std::vector<std::string>* dead) override {
    return inner_.RecoverLeases(now, owner, dead);
  }
  base::Result<int> ReleaseLeases(store::TimePoint now, std::string_view owner,
                                  std::vector<std::string>* dead) override {
    return inner_.ReleaseLeases(now, owner, dead);
  }
  base::Status Unclaim(std::string_view id, std::string_view owner, store::TimePoint now) override {
    return inner_.Unclaim(id, owner, now);
  }
  base::Status Retry(std::string_view id, store::TimePoint now) override {
    return inner_.Retry(id, now);
  }
  base::Status KeepStoppedOutput(std::string_view id, const std::string& out,
                                 const std::string& err) override {
    return inner_.KeepStoppedOutput(id, out, err);
  }
  base::Status Cancel(std::string_view id, store::TimePoint now) override {
    return inner_.Cancel(id, now);
  }
  base::Result<store::Job> Get(std::string_view id) override { return inner_.Get(id); }
  base::Result<store::JobPage> List(const store::ListFilter& f) override { return inner_.List(f); }
  base::Result<store::RouteStats> GetRouteStats(std::string_view function,
                                                std::string_view route) override {
    return inner_.GetRouteStats(function, route);
  }
  base::Result<std::optional<store::TimePoint>> NextRunAt() override { return inner_.NextRunAt(); }
  base::Result<std::vector<std::string>> QueuedFunctions() override {
    return inner_.QueuedFunctions();
  }
  base::Result<int> PurgeExpiredKeys(store::TimePoint now) override {
    return inner_.PurgeExpiredKeys(now);
  }
  base::Result<int> PurgeFinishedJobs(store::TimePoint before, int limit) override {
    return inner_.PurgeFinishedJobs(before, limit);
  }
  base::Status Healthy() const override { return inner_.Healthy(); }

 private:
  store::Store& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool in_claim_ = false;
  int failing_completes_ = 0;
  int failed_completes_ = 0;
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

  // Replaces the scheduler with one (not started) over a GatedClaimStore around the store.
  GatedClaimStore& UseGatedStore() {
    sched_.reset();
    gated_ = std::make_unique<GatedClaimStore>(*store_);
    SchedulerOptions options;
    options.poll_interval = std::chrono::hours(1);
    sched_ = std::make_unique<Scheduler>(*gated_, clock_, log_, hub_, options,
                                         [this](const config::Function&) { return &runtime_; });
    return *gated_;
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
  // ReserveDirect as soon as the slot is free: a claim of the loop's (its first pass at start)
  // holds the free slot while it runs, and a direct run then is queued instead.
  std::optional<store::Job> ReserveWhenFree(store::NewJob& job) {
    std::optional<store::Job> run;
    EXPECT_TRUE(testing::Eventually(
        [&] { return (run = sched_->ReserveDirect(*fn_, job)).has_value(); }, seconds(30)));
    return run;
  }
  void Append(store::NewJob job) {
    std::promise<base::Result<store::AppendResult>> done;
    auto result = done.get_future();
    store_->Append(std::move(job),
                   [&](base::Result<store::AppendResult> r) { done.set_value(std::move(r)); });
    auto r = result.get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // Whether `id` ends succeeded (within a bound on failure). The hub's callback owns what it
  // touches: it may fire after the store shows the outcome, so after this returns.
  bool Succeeds(const std::string& id) {
    auto done = std::make_shared<std::promise<void>>();
    CompletionHub::Token token = hub_.Subscribe(id, [done](auto) { done->set_value(); });
    if (StateOf(id) != store::JobState::kSucceeded) done->get_future().wait_for(seconds(30));
    hub_.Unsubscribe(token);
    return StateOf(id) == store::JobState::kSucceeded;
  }
  // A follow-up job for `for_job` (as destinations make), to a function the config does not
  // have: it stays queued where a test can find it.
  store::NewJob FollowUpJob(const std::string& for_job) {
    store::NewJob j = MakeJob(clock_.Now());
    j.id = "follow-" + for_job;
    j.function = "sink";
    j.route = "destination";
    return j;
  }
  bool Stored(const std::string& id) { return store_->Get(id).ok(); }
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
  std::unique_ptr<GatedClaimStore> gated_;  // outlives sched_, which may use it
  std::unique_ptr<Scheduler> sched_;
};

// A job that a restart takes back and leaves dead (its cut-short attempts no longer free, its
// last attempt used) is reported as any dead job is: its follow-up (on_failure) is appended.
TEST_F(SchedulerTest, AJobLeftDeadByARestartIsReported) {
  sched_.reset();
  store::NewJob job = MakeJob(clock_.Now());
  const std::string id = job.id;
  Append(std::move(job));
  store::ClaimRequest claim;
  claim.function = "fn";
  claim.owner = "local";
  auto claim_it = [&] {
    claim.now = clock_.Now();
    return store_->Claim(claim)->size();
  };
  for (int i = 0; i < 3; ++i) {  // three restarts that took it back for free
    ASSERT_EQ(claim_it(), 1u);
    ASSERT_TRUE(store_->RecoverLeases(clock_.Now(), "local").ok());
  }
  ASSERT_EQ(claim_it(), 1u);  // running when the server stopped again

  std::vector<std::pair<std::string, store::Completion::Kind>> seen;
  std::string error;
  SchedulerOptions options;
  options.poll_interval = std::chrono::hours(1);
  sched_ = std::make_unique<Scheduler>(*store_, clock_, log_, hub_, options,
                                       [this](const config::Function&) { return &runtime_; });
  sched_->set_follow_up([&](const store::Job& j, const config::Function&,
                            const runtime::Outcome& outcome, store::Completion::Kind kind, bool) {
    seen.emplace_back(j.id, kind);
    error = outcome.status.message();
    return std::optional<store::NewJob>(FollowUpJob(j.id));
  });
  ASSERT_TRUE(sched_->Start(config_).ok());
  EXPECT_EQ(StateOf(id), store::JobState::kDead);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, id);
  EXPECT_EQ(seen[0].second, store::Completion::Kind::kDead);
  EXPECT_EQ(error, "the runner stopped before the attempt finished");
  EXPECT_TRUE(testing::Eventually([&] { return Stored("follow-" + id); }, seconds(30)));
}

// A failed attempt's log line has the end of what it wrote, a long last line included (a
// Lambda runtime client writes its error and stack trace as one JSON line).
class FailingRuntime : public runtime::Runtime {
 public:
  explicit FailingRuntime(std::string stderr_tail) : stderr_tail_(std::move(stderr_tail)) {}
  runtime::Outcome Run(const runtime::Invocation&, const runtime::CancelToken&) override {
    runtime::Outcome out;
    out.status = base::Status(base::Code::kUnknown, "exit status 1");
    out.stderr_tail = stderr_tail_;
    return out;
  }

 private:
  const std::string stderr_tail_;
};

TEST_F(SchedulerTest, AFailedAttemptsLogLineKeepsALongLastLine) {
  const std::string stack = "{\"errorType\":\"Error\",\"stack\":[" + std::string(1500, 's') + "]}";
  FailingRuntime failing("loading\n" + stack + "\nRequestId: x Error: kaboom\n");
  testing::LogCapture captured(base::LogLevel::kWarn);
  SchedulerOptions options;
  options.poll_interval = std::chrono::hours(1);
  sched_.reset();
  {
    Scheduler sched(*store_, clock_, captured.log(), hub_, options,
                    [&failing](const config::Function&) { return &failing; });
    ASSERT_TRUE(sched.Start(config_).ok());
    store::NewJob job = MakeJob(clock_.Now());
    const std::string id = job.id;
    Append(std::move(job));
    sched.WakeFor("fn");
    ASSERT_TRUE(testing::Eventually([&] { return StateOf(id) == store::JobState::kDead; }));
  }
  const std::string logged = captured.Text();
  EXPECT_NE(logged.find("output=\"…s"), std::string::npos) << logged;
  EXPECT_NE(logged.find("sss]}\\nRequestId: x Error: kaboom\""), std::string::npos) << logged;
}

// Out of processes (a tasks limit), an attempt whose thread the system refuses waits, queued,
// and runs once threads can be had again; the server goes on (it aborted).
using SchedulerDeathTest = SchedulerTest;
TEST_F(SchedulerDeathTest, AnAttemptWhoseThreadIsRefusedRunsLater) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to become nobody";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        // The log (stderr) into a file read through its descriptor: nobody may not open it.
        const int log = open(dir_.File("log").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (log < 0 || dup2(log, STDERR_FILENO) < 0) _exit(2);
        if (!testing::BecomeNobodyWithoutNewTasks()) _exit(3);
        store::NewJob job = MakeJob(clock_.Now());
        const std::string id = job.id;
        Append(std::move(job));
        sched_->Wake();
        const bool refused = testing::Eventually([&] {
          char text[4096];
          const ssize_t n = pread(log, text, sizeof text, 0);
          return n > 0 &&
                 std::string_view(text, n).find("sched.thread_refused") != std::string_view::npos;
        });
        if (!refused || !testing::AllowNewTasks()) _exit(4);
        sched_->Wake();
        _exit(Succeeds(id) ? 0 : 5);
      },
      ::testing::ExitedWithCode(0), "");
}

// A retry scheduled before a reload lowered the function's retries (here to 0) does not run:
// the job ends dead, saying why; its on_failure record counts the attempts it made.
TEST_F(SchedulerTest, ARetryBeyondLoweredRetriesDoesNotRun) {
  sched_.reset();
  store::NewJob job = MakeJob(clock_.Now());
  job.max_attempts = 3;  // it came under retries: 2
  const std::string id = job.id;
  Append(std::move(job));
  store::ClaimRequest claim;
  claim.function = "fn";
  claim.owner = "local";
  claim.now = clock_.Now();
  ASSERT_EQ(store_->Claim(claim)->size(), 1u);
  store::Completion retry;
  retry.job_id = id;
  retry.owner = "local";
  retry.kind = store::Completion::Kind::kRetry;
  retry.now = clock_.Now();
  retry.next_run_at = clock_.Now();
  retry.error = "UNKNOWN: exit status 3";
  retry.stderr_tail = "boom-real-cause\n";
  ASSERT_TRUE(store_->Complete(retry).ok());

  SchedulerOptions options;
  options.poll_interval = std::chrono::milliseconds(10);
  sched_ = std::make_unique<Scheduler>(*store_, clock_, log_, hub_, options,
                                       [this](const config::Function&) { return &runtime_; });
  auto reported_attempts = std::make_shared<std::atomic<int>>(-1);
  sched_->set_follow_up([reported_attempts](const store::Job& j, const config::Function&,
                                            const runtime::Outcome&, store::Completion::Kind,
                                            bool) {
    reported_attempts->store(j.attempts);
    return std::optional<store::NewJob>();
  });
  ASSERT_TRUE(sched_->Start(config_).ok());  // fn: retries 0
  ASSERT_TRUE(testing::Eventually([&] { return StateOf(id) == store::JobState::kDead; }));
  EXPECT_EQ(runtime_.runs(), 0);
  auto stored = store_->Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->last_error.find("retries were lowered to 0"), std::string::npos)
      << stored->last_error;
  // What its last attempt said stays with it.
  EXPECT_NE(stored->last_error.find("the last attempt: UNKNOWN: exit status 3"), std::string::npos)
      << stored->last_error;
  EXPECT_EQ(stored->stderr_tail, "boom-real-cause\n");
  // The attempt claimed and not run does not count; the limit shown is the function's now.
  EXPECT_EQ(stored->attempts, 1);
  EXPECT_EQ(stored->max_attempts, 1);
  EXPECT_EQ(reported_attempts->load(), 1) << "the destination's record counts an attempt not run";
}

// A synchronous caller that sends its next request as soon as it has the outcome finds the
// function's one slot free again: the slot is freed before the outcome is told.
TEST_F(SchedulerTest, ACallerThatHasTheOutcomeFindsTheSlotFree) {
  for (int i = 0; i < 10; ++i) {
    store::NewJob job = MakeJob(clock_.Now());
    const std::string id = job.id;
    std::optional<store::Job> run = ReserveWhenFree(job);
    ASSERT_TRUE(run.has_value()) << "request " << i << " found the slot taken";
    std::promise<int> told;  // attempts running when the outcome is told
    hub_.Subscribe(id,
                   [&](std::shared_ptr<const store::Job>) { told.set_value(sched_->running()); });
    store_->Append(std::move(job), [](base::Result<store::AppendResult>) {});
    sched_->StartDirect(std::move(*run), config_, fn_);
    std::future<int> running = told.get_future();
    ASSERT_EQ(running.wait_for(seconds(30)), std::future_status::ready);
    EXPECT_EQ(running.get(), 0) << "request " << i << ": told while its slot was still taken";
    EXPECT_EQ(StateOf(id), store::JobState::kSucceeded);
  }
}

// A direct run is begun on the thread that starts it, and its attempt runs what was begun.
TEST_F(SchedulerTest, ADirectRunIsBegunOnTheStartingThread) {
  store::NewJob job = MakeJob(clock_.Now());
  const std::string id = job.id;
  std::optional<store::Job> run = ReserveWhenFree(job);
  ASSERT_TRUE(run.has_value());
  Append(std::move(job));
  sched_->StartDirect(std::move(*run), config_, fn_);
  EXPECT_TRUE(Succeeds(id));
  EXPECT_TRUE(runtime_.RanWhatBeganOn(std::this_thread::get_id()));
}

// A direct run never joins a claim under way for the same free slot: the store's count of
// running jobs cannot see a direct run before its append, so both would run (concurrency 1).
TEST_F(SchedulerTest, ADirectRunDoesNotTakeASlotAClaimHolds) {
  GatedClaimStore& gated = UseGatedStore();
  runtime_.Hold();
  gated.Arm();
  ASSERT_TRUE(sched_->Start(config_).ok());
  store::NewJob queued = MakeJob(clock_.Now());
  const std::string queued_id = queued.id;
  Append(std::move(queued));
  sched_->WakeFor("fn");
  ASSERT_TRUE(gated.WaitUntilInClaim());

  store::NewJob direct = MakeJob(clock_.Now());
  bool busy = false;
  std::optional<store::Job> run = sched_->ReserveDirect(*fn_, direct, &busy);
  EXPECT_FALSE(run.has_value()) << "took the slot the claim holds";
  EXPECT_FALSE(busy) << "the slot is free, only held: the caller queues, it is not refused";
  if (run) {  // run what was reserved, so that the test ends
    Append(std::move(direct));
    sched_->StartDirect(std::move(*run), config_, fn_);
  }
  gated.Open();
  ASSERT_TRUE(runtime_.WaitForRuns(1));
  EXPECT_EQ(sched_->running(), 1);
  runtime_.Release();
  EXPECT_TRUE(Succeeds(queued_id));
}

// A job a finishing attempt claims as the server begins to stop never runs: it goes back as it
// was, not as an attempt the stop cut short (QA: it ran at the next start with
// LONGHAUL_INTERRUPTED=1, and `interruptions: 1`).
TEST_F(SchedulerTest, AJobClaimedAsTheServerStopsGoesBackUninterrupted) {
  GatedClaimStore& gated = UseGatedStore();
  runtime_.Hold();
  ASSERT_TRUE(sched_->Start(config_).ok());
  store::NewJob first = MakeJob(clock_.Now());
  const std::string first_id = first.id;
  Append(std::move(first));
  sched_->WakeFor("fn");
  ASSERT_TRUE(runtime_.WaitForRuns(1));
  store::NewJob second = MakeJob(clock_.Now());
  const std::string second_id = second.id;
  Append(std::move(second));
  gated.Arm();  // the first one's end claims the second for its slot, and is held there
  runtime_.Release();
  ASSERT_TRUE(gated.WaitUntilInClaim());
  std::thread stop([&] { sched_->Shutdown(); });
  EXPECT_TRUE(testing::Eventually([&] { return sched_->stopping(); }, seconds(30)));
  gated.Open();
  stop.join();

  EXPECT_EQ(StateOf(first_id), store::JobState::kSucceeded);
  auto second_job = store_->Get(second_id);
  ASSERT_TRUE(second_job.ok()) << second_job.status().ToString();
  EXPECT_EQ(second_job->state, store::JobState::kQueued);
  EXPECT_EQ(second_job->attempts, 0);
  EXPECT_EQ(second_job->interruptions, 0);
  EXPECT_EQ(second_job->last_error, "");
  EXPECT_FALSE(second_job->started_at.has_value());
  EXPECT_FALSE(runtime_.WaitForRuns(2, std::chrono::milliseconds(0))) << "it ran";
}

// Finished jobs past server.retention are deleted in bounded rounds, and a round that found more
// is followed by another at once, not a lease later (QA: 10,000 a lease fell behind the rate
// jobs finished at). Here the lease is an hour: only back-to-back rounds delete them all.
TEST_F(SchedulerTest, RetentionRoundsFollowEachOtherWhileMoreAreDue) {
  sched_.reset();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    store::NewJob job = MakeJob(clock_.Now());
    ids.push_back(job.id);
    Append(std::move(job));
  }
  store::ClaimRequest claim;
  claim.function = "fn";
  claim.concurrency = 5;
  claim.limit = 5;
  claim.owner = "local";
  claim.now = clock_.Now();
  auto claimed = store_->Claim(claim);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  ASSERT_EQ(claimed->size(), 5u);
  for (const std::string& id : ids) {
    store::Completion done;
    done.job_id = id;
    done.owner = "local";
    done.now = clock_.Now() - std::chrono::hours(1);  // long past the retention
    ASSERT_TRUE(store_->Complete(done).ok());
  }
  auto cfg = config::LoadConfigText(
      "server:\n  retention: 1ms\nfunctions:\n  fn:\n    runtime: command\n"
      "    command: [/bin/true]\nroutes: []\n",
      "test.yaml", [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  SchedulerOptions options;
  options.poll_interval = std::chrono::hours(1);
  options.lease = std::chrono::hours(1);
  options.purge_per_round = 2;
  sched_ = std::make_unique<Scheduler>(*store_, clock_, log_, hub_, options,
                                       [this](const config::Function&) { return &runtime_; });
  ASSERT_TRUE(sched_->Start(*cfg).ok());
  EXPECT_TRUE(testing::Eventually(
      [&] {
        return std::none_of(ids.begin(), ids.end(),
                            [&](const std::string& id) { return Stored(id); });
      },
      seconds(30)))
      << "finished jobs past retention are left";
}

// An outcome the store could not write (disk full) is written once it can: the job does not
// stay running in the store (holding its function's slot) until its lease runs out, and does
// not run again.
TEST_F(SchedulerTest, AnOutcomeTheStoreCouldNotWriteIsWrittenLater) {
  GatedClaimStore& gated = UseGatedStore();
  // Its follow-up (a destination's job) is written with it, not before: both or neither.
  sched_->set_follow_up([this](const store::Job& job, const config::Function&,
                               const runtime::Outcome&, store::Completion::Kind kind, bool) {
    EXPECT_EQ(kind, store::Completion::Kind::kSucceeded);
    return std::optional<store::NewJob>(FollowUpJob(job.id));
  });
  ASSERT_TRUE(sched_->Start(config_).ok());
  gated.FailCompletes(1);
  store::NewJob job = MakeJob(clock_.Now());
  const std::string id = job.id;
  // A caller waiting for it is told at once that the outcome is not recorded, and why.
  auto woken = std::make_shared<std::promise<void>>();
  hub_.Subscribe(id, [woken](auto) { woken->set_value(); });
  Append(std::move(job));
  sched_->WakeFor("fn");
  ASSERT_TRUE(gated.WaitForFailedCompletes(1));
  ASSERT_EQ(woken->get_future().wait_for(seconds(30)), std::future_status::ready);
  const base::Status why = hub_.Unrecorded(id);
  if (StateOf(id) != store::JobState::kSucceeded) {  // (unless the loop has written it by now)
    EXPECT_EQ(why.code(), base::Code::kUnavailable);
    EXPECT_NE(why.message().find(id), std::string::npos) << why.message();
  }
  // (The loop may have written both by now: never the follow-up alone.)
  if (Stored("follow-" + id)) {
    EXPECT_EQ(StateOf(id), store::JobState::kSucceeded)
        << "the follow-up went to disk without its outcome";
  }
  sched_->Wake();  // as main does when the store has recovered
  EXPECT_TRUE(
      testing::Eventually([&] { return StateOf(id) == store::JobState::kSucceeded; }, seconds(30)));
  EXPECT_TRUE(runtime_.WaitForRuns(1));
  EXPECT_FALSE(runtime_.WaitForRuns(2, std::chrono::milliseconds(0))) << "it ran again";
  EXPECT_TRUE(Stored("follow-" + id)) << "the outcome went to disk without its follow-up";
  EXPECT_TRUE(hub_.Unrecorded(id).ok()) << "still said to be unrecorded once it was written";
}

// An outcome the store could not write gets the shutdown's grace to be written: the job is not
// left to run again at the next start. One still not written by then is logged as lost.
TEST_F(SchedulerTest, AnUnwrittenOutcomeIsWrittenAtShutdownOrLoggedAsLost) {
  GatedClaimStore& gated = UseGatedStore();
  ASSERT_TRUE(sched_->Start(config_).ok());
  gated.FailCompletes(1);
  store::NewJob job = MakeJob(clock_.Now());
  const std::string id = job.id;
  Append(std::move(job));
  sched_->WakeFor("fn");
  ASSERT_TRUE(gated.WaitForFailedCompletes(1));
  sched_->Shutdown();  // the loop, which only moves on wake-ups, has not written it
  EXPECT_EQ(StateOf(id), store::JobState::kSucceeded);
  EXPECT_FALSE(runtime_.WaitForRuns(2, std::chrono::milliseconds(0))) << "it ran again";

  // The store never writes again: the grace runs out, and the log names the job.
  testing::LogCapture captured(base::LogLevel::kWarn);
  SchedulerOptions options;
  options.poll_interval = std::chrono::hours(1);
  options.shutdown_grace = std::chrono::milliseconds(300);
  Scheduler sched(gated, clock_, captured.log(), hub_, options,
                  [this](const config::Function&) { return &runtime_; });
  ASSERT_TRUE(sched.Start(config_).ok());
  gated.FailCompletes(1000000);
  store::NewJob lost = MakeJob(clock_.Now());
  const std::string lost_id = lost.id;
  Append(std::move(lost));
  sched.WakeFor("fn");
  ASSERT_TRUE(gated.WaitForFailedCompletes(2));
  sched.Shutdown();
  const std::string logged = captured.Text();
  EXPECT_NE(logged.find("job.outcome_lost job=" + lost_id), std::string::npos) << logged;
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
  EXPECT_TRUE(Succeeds(second_id));
  EXPECT_EQ(StateOf(first_id), store::JobState::kSucceeded);
}

// A waiter that takes the answer has it while the attempt still gathers its logs; the job's
// record (and whoever waits for it) follows. Meanwhile the slot is free for the next request,
// and the scheduler says the outcome is not recorded yet.
TEST_F(SchedulerTest, AnAnswerIsToldBeforeItIsRecorded) {
  runtime_.Hold();
  runtime_.AnswerFirst();
  store::NewJob job = MakeJob(clock_.Now());
  const std::string id = job.id;
  std::optional<store::Job> run = ReserveWhenFree(job);
  ASSERT_TRUE(run.has_value());
  using Told = std::promise<std::shared_ptr<const store::Job>>;
  auto answer = std::make_shared<Told>();
  auto record = std::make_shared<Told>();
  hub_.Subscribe(
      id, [answer](std::shared_ptr<const store::Job> j) { answer->set_value(j); }, true);
  hub_.Subscribe(id, [record](std::shared_ptr<const store::Job> j) { record->set_value(j); });
  Append(std::move(job));
  sched_->StartDirect(std::move(*run), config_, fn_);

  std::future<std::shared_ptr<const store::Job>> answered = answer->get_future();
  ASSERT_EQ(answered.wait_for(seconds(30)), std::future_status::ready);
  std::shared_ptr<const store::Job> told = answered.get();
  ASSERT_NE(told, nullptr);
  EXPECT_EQ(told->state, store::JobState::kSucceeded);
  ASSERT_TRUE(told->result.has_value());
  EXPECT_EQ(told->result->body, "answer");
  EXPECT_TRUE(told->stderr_tail.empty()) << "the logs are not gathered yet";
  EXPECT_EQ(told->id, id);
  EXPECT_TRUE(told->request.path.empty()) << "the request is not copied for the answer";
  std::future<std::shared_ptr<const store::Job>> recorded = record->get_future();
  EXPECT_EQ(recorded.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "a waiter for the record was told before the record";
  EXPECT_EQ(StateOf(id), store::JobState::kRunning);
  EXPECT_TRUE(sched_->AnsweredUnrecorded(id));
  EXPECT_EQ(sched_->AnsweredUnrecordedIds(), std::vector<std::string>{id});

  store::NewJob next = MakeJob(clock_.Now());
  const std::string next_id = next.id;
  // (The attempt is held: its record, and a slot freed only with it, would never come.)
  std::optional<store::Job> next_run = ReserveWhenFree(next);
  ASSERT_TRUE(next_run.has_value()) << "the answered job still holds the slot";
  Append(std::move(next));
  sched_->StartDirect(std::move(*next_run), config_, fn_);

  runtime_.Release();
  ASSERT_EQ(recorded.wait_for(seconds(30)), std::future_status::ready);
  std::shared_ptr<const store::Job> stored = recorded.get();
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->state, store::JobState::kSucceeded);
  EXPECT_EQ(stored->stderr_tail, "logs");
  EXPECT_FALSE(sched_->AnsweredUnrecorded(id));
  std::vector<std::string> unrecorded = sched_->AnsweredUnrecordedIds();  // may hold the next
  EXPECT_EQ(std::find(unrecorded.begin(), unrecorded.end(), id), unrecorded.end());
  auto read = store_->Get(id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->stderr_tail, "logs");
  ASSERT_TRUE(runtime_.WaitForRuns(2));
  EXPECT_TRUE(Succeeds(next_id));
}

// Answered, its slot freed, its record not yet written (the attempt gathers its logs): the job
// is still this node's, so its lease is renewed as a running job's is, and nobody takes it over.
TEST_F(SchedulerTest, AnAnsweredJobKeepsItsLeaseUntilItIsRecorded) {
  sched_.reset();
  SchedulerOptions options;
  options.poll_interval = std::chrono::milliseconds(50);
  options.lease = std::chrono::seconds(3);  // renewed every second
  sched_ = std::make_unique<Scheduler>(*store_, clock_, log_, hub_, options,
                                       [this](const config::Function&) { return &runtime_; });
  ASSERT_TRUE(sched_->Start(config_).ok());
  runtime_.Hold();
  runtime_.AnswerFirst();
  store::NewJob job = MakeJob(clock_.Now());
  const std::string id = job.id;
  std::optional<store::Job> run = ReserveWhenFree(job);
  ASSERT_TRUE(run.has_value());
  auto answer = std::make_shared<std::promise<void>>();
  CompletionHub::Token token = hub_.Subscribe(
      id, [answer](auto) { answer->set_value(); }, true);
  Append(std::move(job));
  sched_->StartDirect(std::move(*run), config_, fn_);
  ASSERT_EQ(answer->get_future().wait_for(seconds(30)), std::future_status::ready);
  hub_.Unsubscribe(token);
  ASSERT_TRUE(sched_->AnsweredUnrecorded(id));

  auto stored = store_->Get(id);
  ASSERT_TRUE(stored.ok());
  const base::TimePoint first = stored->lease_expires_at;
  EXPECT_TRUE(testing::Eventually(
      [&] {
        auto j = store_->Get(id);
        return j.ok() && (j->lease_expires_at > first || j->attempts > 1 ||
                          j->state != store::JobState::kRunning);
      },
      seconds(30)));
  stored = store_->Get(id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->attempts, 1) << "the lease ran out and the job ran again";
  EXPECT_GT(stored->lease_expires_at, first) << "the answered job's lease was not renewed";
  EXPECT_EQ(stored->state, store::JobState::kRunning);
  runtime_.Release();
  EXPECT_TRUE(Succeeds(id));
}

// An answer that will be retried is no answer: nobody hears of it before the record.
TEST_F(SchedulerTest, AnAnswerToRetryIsNotTold) {
  runtime_.AnswerFirst(base::Status(base::Code::kUnknown, "failed, attempts left"));
  auto retrying = std::make_shared<config::Config>(*config_);
  retrying->functions[0].retries = 2;
  config_ = retrying;
  fn_ = config_->FindFunction("fn");
  store::NewJob job = MakeJob(clock_.Now());
  job.max_attempts = 3;
  const std::string id = job.id;
  std::optional<store::Job> run = ReserveWhenFree(job);
  ASSERT_TRUE(run.has_value());
  // The record tells nobody a job (it is not terminal); an early answer would.
  auto told = std::make_shared<std::promise<bool>>();
  hub_.Subscribe(
      id, [told](std::shared_ptr<const store::Job> j) { told->set_value(j != nullptr); }, true);
  Append(std::move(job));
  sched_->StartDirect(std::move(*run), config_, fn_);
  std::future<bool> told_job = told->get_future();
  ASSERT_EQ(told_job.wait_for(seconds(30)), std::future_status::ready);
  EXPECT_FALSE(told_job.get()) << "told an answer that will be retried";
  EXPECT_FALSE(store::IsTerminal(StateOf(id))) << "it has attempts left";
}

// Its first run ignores a cancel (as a command that traps SIGTERM, within its kill grace)
// until ReleaseFirst(); later runs end when cancelled. Records how many ran at once.
class StubbornRuntime : public runtime::Runtime {
 public:
  runtime::Outcome Run(const runtime::Invocation&, const runtime::CancelToken& cancel) override {
    std::unique_lock<std::mutex> lock(mu_);
    const bool first = ++runs_ == 1;
    most_at_once_ = std::max(most_at_once_, ++active_);
    cv_.notify_all();
    if (first) {
      cv_.wait(lock, [this] { return released_; });
    } else {
      while (!cancel.cancelled() && !stop_all_) cv_.wait_for(lock, std::chrono::milliseconds(5));
    }
    --active_;
    cv_.notify_all();
    runtime::Outcome out;
    out.status = base::Cancelled("stopped");
    return out;
  }
  void ReleaseFirst() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Ends every run (a failed test must not leave an attempt that nothing can stop).
  void StopAll() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = stop_all_ = true;
    cv_.notify_all();
  }
  bool WaitFor(const std::function<bool()>& cond) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), cond);
  }
  int runs() {
    std::lock_guard<std::mutex> lock(mu_);
    return runs_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int runs_ = 0;
  int active_ = 0;
  int most_at_once_ = 0;
  bool released_ = false;
  bool stop_all_ = false;
};

// A scheduler over the store for function `slow` (concurrency 2, no retries) run by `runtime`;
// nullptr when it cannot start.
std::unique_ptr<Scheduler> StartSlow(store::Store& store, const base::Clock& clock,
                                     base::Logger& log, CompletionHub& hub,
                                     StubbornRuntime& runtime) {
  auto cfg = config::LoadConfigText(
      "functions:\n  slow:\n    runtime: command\n    command: [/bin/true]\n"
      "    concurrency: 2\n    retries: 0\nroutes: []\n",
      "slow.yaml", [](const std::string&) { return std::optional<std::string>(); });
  if (!cfg.ok()) return nullptr;
  SchedulerOptions options;
  options.poll_interval = std::chrono::hours(1);
  auto sched = std::make_unique<Scheduler>(
      store, clock, log, hub, options, [&runtime](const config::Function&) { return &runtime; });
  if (!sched->Start(*cfg).ok()) return nullptr;
  return sched;
}

// Ends every run of `runtime` when it goes, which must be before its scheduler waits for them.
struct StopAllAtEnd {
  StubbornRuntime& runtime;
  ~StopAllAtEnd() { runtime.StopAll(); }
};

// Cancelled, then retried and claimed again while its first attempt still stops: the second
// attempt waits for the first to end (two attempts of one job never run side by side), and a
// second cancel still reaches it.
TEST_F(SchedulerTest, ARetriedJobWaitsForItsStoppingAttemptAndCanBeCancelledAgain) {
  StubbornRuntime stubborn;
  std::unique_ptr<Scheduler> slow = StartSlow(*store_, clock_, log_, hub_, stubborn);
  ASSERT_NE(slow, nullptr);
  Scheduler& sched = *slow;
  StopAllAtEnd stop_all_at_end{stubborn};  // before `sched` waits for its attempts
  store::NewJob job = MakeJob(clock_.Now());
  job.function = "slow";
  const std::string id = job.id;
  Append(std::move(job));
  sched.Wake();
  ASSERT_TRUE(stubborn.WaitFor([&] { return stubborn.runs_ == 1; }));

  ASSERT_TRUE(store_->Cancel(id, clock_.Now()).ok());
  EXPECT_TRUE(sched.CancelLocal(id));
  ASSERT_TRUE(store_->Retry(id, clock_.Now()).ok());
  sched.Wake();
  ASSERT_TRUE(
      testing::Eventually([&] { return StateOf(id) == store::JobState::kRunning; }, seconds(30)))
      << "claimed again";
  EXPECT_EQ(stubborn.runs(), 1) << "the second attempt started beside the first";

  stubborn.ReleaseFirst();
  ASSERT_TRUE(stubborn.WaitFor([&] { return stubborn.runs_ == 2; }));
  ASSERT_TRUE(store_->Cancel(id, clock_.Now()).ok());
  EXPECT_TRUE(sched.CancelLocal(id)) << "the second attempt is out of reach of a cancel";
  EXPECT_TRUE(stubborn.WaitFor([&] { return stubborn.active_ == 0; }));
  EXPECT_EQ(stubborn.most_at_once_, 1);
  EXPECT_EQ(StateOf(id), store::JobState::kCancelled);
}

// A running job of an ordering key is cancelled but its process takes a while to stop (a
// command within its kill grace): the key's next job, which the store lets go at the cancel,
// starts only once it has stopped. One key's jobs never run side by side.
TEST_F(SchedulerTest, AKeysNextJobWaitsForItsCancelledJobToStop) {
  StubbornRuntime stubborn;
  std::unique_ptr<Scheduler> slow = StartSlow(*store_, clock_, log_, hub_, stubborn);
  ASSERT_NE(slow, nullptr);
  Scheduler& sched = *slow;
  StopAllAtEnd stop_all_at_end{stubborn};  // before `sched` waits for its attempts
  store::NewJob first = MakeJob(clock_.Now());
  first.function = "slow";
  first.ordering_key = "chat-1";
  const std::string first_id = first.id;
  store::NewJob second = MakeJob(clock_.Now());
  second.function = "slow";
  second.ordering_key = "chat-1";
  const std::string second_id = second.id;
  Append(std::move(first));
  Append(std::move(second));
  sched.Wake();
  ASSERT_TRUE(stubborn.WaitFor([&] { return stubborn.runs_ == 1; }));

  ASSERT_TRUE(store_->Cancel(first_id, clock_.Now()).ok());
  EXPECT_TRUE(sched.CancelLocal(first_id));
  sched.Wake();
  ASSERT_TRUE(testing::Eventually([&] { return StateOf(second_id) == store::JobState::kRunning; },
                                  seconds(30)))
      << "the store let the key's next job go";
  EXPECT_EQ(stubborn.runs(), 1) << "the key's next job started beside its stopping one";

  stubborn.ReleaseFirst();
  ASSERT_TRUE(stubborn.WaitFor([&] { return stubborn.runs_ == 2; })) << "never started";
  EXPECT_EQ(stubborn.most_at_once_, 1);
}

}  // namespace
}  // namespace longhaul::sched
