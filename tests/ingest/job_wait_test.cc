// WaitForJob: a caller's wait for its job's outcome (the sync route's, Prefer: wait's, a sync
// Invoke's).
#include "ingest/job_wait.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace longhaul::ingest {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;

// A store with one job in it, and a hub for the waits.
class WaitForJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteOptions o;
    o.path = dir_.File("data/longhaul.db");
    o.clock = &clock_;
    auto opened = store::sqlite::SqliteStore::Open(o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  // Appends a job of `route` (running when `claimed`, as a direct run is); its id.
  std::string Append(const std::string& route, bool claimed) {
    store::NewJob job;
    job.id = base::NewJobId(clock_.Now());
    job.function = "fn";
    job.route = route;
    job.created_at = clock_.Now();
    if (claimed) {
      job.claimed_by = "node";
      job.claim_lease = std::chrono::minutes(5);
    }
    const std::string id = job.id;
    std::promise<base::Result<store::AppendResult>> appended;
    store_->Append(std::move(job),
                   [&](base::Result<store::AppendResult> r) { appended.set_value(r); });
    EXPECT_TRUE(appended.get_future().get().ok());
    return id;
  }

  // Starts WaitForJob on an I/O thread of its own; Join() ends it.
  std::future<base::Result<store::Job>> Wait(const std::string& id, base::Duration timeout,
                                             JobWatch* watch) {
    std::future<base::Result<store::Job>> waited = result_.get_future();
    asio::co_spawn(
        ioc_,
        [this, id, timeout, watch]() -> asio::awaitable<void> {
          result_.set_value(co_await WaitForJob({*store_, hub_, pool_}, id, timeout, watch));
        },
        asio::detached);
    io_ = std::thread([this] { ioc_.run(); });
    return waited;
  }
  // Whether the wait ended within a bound on failure; ends it either way.
  bool Join(std::future<base::Result<store::Job>>& waited) {
    const bool in_time = waited.wait_for(seconds(60)) == std::future_status::ready;
    if (!in_time) hub_.Close();  // ends the wait, so the test can end
    io_.join();
    pool_.join();
    return in_time;
  }

  testing::TempDir dir_;
  base::SystemClock clock_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  sched::CompletionHub hub_;
  asio::io_context ioc_;
  asio::thread_pool pool_{1};
  std::promise<base::Result<store::Job>> result_;
  std::thread io_;
};

// A caller that takes the early answer (a Lambda's response, told before its record) still
// takes it after the wait's first second: its later subscriptions take the answer too. The
// answer comes after that second here; the store never shows the job finished (its record
// cannot be written), so only the answer can end the wait before its timeout.
TEST_F(WaitForJobTest, TheEarlyAnswerIsTakenAfterTheFirstSecond) {
  const std::string id = Append("invoke", /*claimed=*/false);
  JobWatch watch(hub_, id, /*takes_answer=*/true);
  auto waited = Wait(id, seconds(60), &watch);
  // Past the wait's first one-second round (not a synchronisation: an answer before it is
  // taken as well, so the test passes either way with the fix, and fails without it only when
  // the answer comes after the round).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto answered = std::make_shared<store::Job>();
  answered->id = id;
  answered->state = store::JobState::kSucceeded;
  hub_.NotifyAnswer(id, answered);
  EXPECT_TRUE(Join(waited)) << "the answer was lost: the wait ran to its timeout";
  auto result = waited.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->state, store::JobState::kSucceeded);
}

// The job ran, but the store could not record its outcome: the wait ends with the store's error
// (a 503 to the caller), not with the job still running once the whole wait is over.
TEST_F(WaitForJobTest, AnOutcomeThatCouldNotBeRecordedEndsTheWaitWithAnError) {
  const std::string id = Append("POST /hooks/x", /*claimed=*/true);
  JobWatch watch(hub_, id);
  auto waited = Wait(id, std::chrono::minutes(10), &watch);
  hub_.NotifyUnrecorded(id, base::Unavailable("job " + id + " ran, but: disk full"));
  EXPECT_TRUE(Join(waited)) << "the wait went on as if the job still ran";
  auto result = waited.get();
  ASSERT_FALSE(result.ok()) << store::ToString(result->state);
  EXPECT_EQ(result.status().code(), base::Code::kUnavailable);
  EXPECT_NE(result.status().message().find("disk full"), std::string::npos);
}

// A wait that begins after the outcome went unrecorded (GET /jobs/{id}/result?wait=) hears it
// from its first read.
TEST_F(WaitForJobTest, AWaitThatBeginsLaterHearsOfTheUnrecordedOutcome) {
  const std::string id = Append("POST /hooks/x", /*claimed=*/true);
  hub_.NotifyUnrecorded(id, base::Unavailable("disk full"));
  auto waited = Wait(id, std::chrono::minutes(10), nullptr);
  EXPECT_TRUE(Join(waited));
  EXPECT_EQ(waited.get().status().code(), base::Code::kUnavailable);
}

}  // namespace
}  // namespace longhaul::ingest
