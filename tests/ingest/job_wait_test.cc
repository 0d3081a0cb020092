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

// A caller that takes the early answer (a Lambda's response, told before its record) still
// takes it after the wait's first second: its later subscriptions take the answer too. The
// answer comes after that second here; the store never shows the job finished (its record
// cannot be written), so only the answer can end the wait before its timeout.
TEST(WaitForJob, TheEarlyAnswerIsTakenAfterTheFirstSecond) {
  testing::TempDir dir;
  base::SystemClock clock;
  store::sqlite::SqliteOptions o;
  o.path = dir.File("data/longhaul.db");
  o.clock = &clock;
  auto opened = store::sqlite::SqliteStore::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<store::sqlite::SqliteStore> store = std::move(*opened);
  store::NewJob job;
  job.id = base::NewJobId(clock.Now());
  job.function = "fn";
  job.route = "invoke";
  job.created_at = clock.Now();
  std::promise<base::Result<store::AppendResult>> appended;
  sched::CompletionHub hub;
  JobWatch watch(hub, job.id, /*takes_answer=*/true);
  const std::string id = job.id;
  store->Append(std::move(job),
                [&](base::Result<store::AppendResult> r) { appended.set_value(r); });
  ASSERT_TRUE(appended.get_future().get().ok());

  asio::io_context ioc;
  asio::thread_pool pool(1);
  std::promise<base::Result<store::Job>> result_of_wait;
  std::future<base::Result<store::Job>> waited = result_of_wait.get_future();
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        result_of_wait.set_value(co_await WaitForJob({*store, hub, pool}, id, seconds(60), &watch));
      },
      asio::detached);
  std::thread io([&] { ioc.run(); });
  // Past the wait's first one-second round (not a synchronisation: an answer before it is
  // taken as well, so the test passes either way with the fix, and fails without it only when
  // the answer comes after the round).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto answered = std::make_shared<store::Job>();
  answered->id = id;
  answered->state = store::JobState::kSucceeded;
  hub.NotifyAnswer(id, answered);
  const bool in_time = waited.wait_for(seconds(30)) == std::future_status::ready;
  if (!in_time) hub.Close();  // ends the wait, so the test can end
  io.join();
  pool.join();
  EXPECT_TRUE(in_time) << "the answer was lost: the wait ran to its timeout";
  auto result = waited.get();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->state, store::JobState::kSucceeded);
}

}  // namespace
}  // namespace longhaul::ingest
