#include "ingest/ingest_handler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <cstdlib>

#include "testing/fake_clock.h"

namespace longhaul::ingest {
namespace {
namespace asio = boost::asio;

// A store whose appends fail the way a full disk or failed fsync makes them fail.
class FailingStore : public store::Store {
 public:
  explicit FailingStore(base::Status s) : status_(std::move(s)) {}
  void Append(store::NewJob, AppendCallback done) override {
    appends++;
    done(status_);
  }
  base::Result<std::vector<store::Job>> Claim(const store::ClaimRequest&) override {
    return std::vector<store::Job>{};
  }
  base::Status Complete(const store::Completion&) override { return status_; }
  base::Status ExtendLease(std::string_view, std::string_view, base::TimePoint) override {
    return status_;
  }
  base::Result<int> RecoverLeases(base::TimePoint, std::string_view,
                                  std::vector<std::string>*) override {
    return 0;
  }
  base::Result<int> ReleaseLeases(base::TimePoint, std::string_view,
                                  std::vector<std::string>*) override {
    return 0;
  }
  base::Status Unclaim(std::string_view, std::string_view, base::TimePoint) override {
    return status_;
  }
  base::Status Retry(std::string_view, base::TimePoint) override { return status_; }
  base::Status Cancel(std::string_view, base::TimePoint) override { return status_; }
  base::Status KeepStoppedOutput(std::string_view, const std::string&,
                                 const std::string&) override {
    return status_;
  }
  base::Result<store::Job> Get(std::string_view) override { return status_; }
  base::Result<store::JobPage> List(const store::ListFilter&) override { return status_; }
  base::Result<store::RouteStats> GetRouteStats(std::string_view, std::string_view) override {
    return status_;
  }
  base::Result<std::vector<std::string>> QueuedFunctions() override {
    return std::vector<std::string>{};
  }
  base::Result<std::optional<base::TimePoint>> NextRunAt() override {
    return std::optional<base::TimePoint>();
  }
  base::Result<int> PurgeExpiredKeys(base::TimePoint) override { return 0; }
  base::Result<int> PurgeFinishedJobs(base::TimePoint, int) override { return 0; }
  base::Status Healthy() const override { return looks_healthy ? base::Status::Ok() : status_; }

  int appends = 0;
  bool looks_healthy = false;  // the failure is news to the write that finds it

 private:
  base::Status status_;
};

std::shared_ptr<const config::Config> OneRoute() {
  auto cfg = std::make_shared<config::Config>();
  config::Function fn;
  fn.name = "work";
  cfg->functions.push_back(fn);
  config::Route route;
  route.method = "POST";
  route.path = "/hook";
  route.segments = {{config::PathSegment::Kind::kLiteral, "hook"}};
  route.function = "work";
  cfg->routes.push_back(route);
  return cfg;
}

// POST /hook with body "x" through `handler`, on an io_context of its own.
http::Response PostHook(IngestHandler& handler) {
  asio::io_context ioc;
  http::Request req{boost::beast::http::verb::post, "/hook", 11};
  req.body() = "x";
  http::ConnInfo conn;
  auto fut = asio::co_spawn(ioc, handler(req, conn), asio::use_future);
  ioc.run();
  return fut.get();
}

class IngestHandlerTest : public ::testing::TestWithParam<base::Code> {};

TEST_P(IngestHandlerTest, StoreFailureIs503WithRetryAfterNeverA2xx) {
  FailingStore store(base::Status(GetParam(), "disk I/O error"));
  base::SystemClock clock;
  base::Logger log(base::LogFormat::kText, base::LogLevel::kError);
  sched::CompletionHub hub;
  sched::Scheduler scheduler(store, clock, log, hub, {}, [](const config::Function&) {
    return static_cast<runtime::Runtime*>(nullptr);
  });
  asio::thread_pool pool(1);
  IngestHandler handler({store, scheduler, hub, clock, log, pool, "http://admin", {}}, OneRoute());
  http::Response res = PostHook(handler);
  EXPECT_EQ(res.result_int(), 503u);
  EXPECT_EQ(res[boost::beast::http::field::retry_after], "1");
  EXPECT_NE(res.body().find("disk I/O error"), std::string::npos);
  EXPECT_EQ(store.appends, 1);
  pool.join();
}

// A failed store refuses every request: one log line a second says so, with how many were
// refused since the last one, not a line per request on the full disk.
TEST(IngestHandler, StoreFailuresAreLoggedOnceASecond) {
  FailingStore store(base::Status(base::Code::kUnavailable, "disk full"));
  testing::FakeClock clock;
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  {
    base::Logger log(base::LogFormat::kText, base::LogLevel::kError, out);
    sched::CompletionHub hub;
    sched::Scheduler scheduler(store, clock, log, hub, {}, [](const config::Function&) {
      return static_cast<runtime::Runtime*>(nullptr);
    });
    asio::thread_pool pool(1);
    IngestHandler handler({store, scheduler, hub, clock, log, pool, "http://admin", {}},
                          OneRoute());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(PostHook(handler).result_int(), 503u);
    clock.Advance(std::chrono::seconds(1));
    EXPECT_EQ(PostHook(handler).result_int(), 503u);
    pool.join();
  }
  std::fclose(out);
  std::string lines(text, size);
  std::free(text);
  size_t first = lines.find("ingest.store_failed");
  ASSERT_NE(first, std::string::npos) << lines;
  size_t second = lines.find("ingest.store_failed", first + 1);
  ASSERT_NE(second, std::string::npos) << lines;
  EXPECT_EQ(lines.find("ingest.store_failed", second + 1), std::string::npos) << lines;
  EXPECT_NE(lines.find("refused_since_last=5", second), std::string::npos) << lines;
}

// Counts the attempts that reach the function.
class CountingRuntime : public runtime::Runtime {
 public:
  runtime::Outcome Run(const runtime::Invocation&, const runtime::CancelToken&) override {
    runs++;
    return {};
  }
  std::atomic<int> runs{0};
};

// What one POST to a sync route did against `store`: its status, how many attempts reached the
// function, and the log at `level` (every attempt thread has ended).
struct SyncPost {
  unsigned status = 0;
  int runs = 0;
  std::string log;
};

SyncPost PostSync(FailingStore& store, base::LogLevel level) {
  SyncPost result;
  base::SystemClock clock;
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  EXPECT_NE(out, nullptr);
  if (out == nullptr) return result;
  {
    base::Logger log(base::LogFormat::kText, level, out);
    sched::CompletionHub hub;
    CountingRuntime runtime;
    auto cfg = std::const_pointer_cast<config::Config>(OneRoute());
    cfg->routes[0].ack = config::AckMode::kSync;
    cfg->functions[0].concurrency = 1;
    {
      sched::Scheduler scheduler(store, clock, log, hub, {}, [&](const config::Function&) {
        return static_cast<runtime::Runtime*>(&runtime);
      });
      asio::thread_pool pool(1);
      IngestHandler handler({store, scheduler, hub, clock, log, pool, "http://admin", {}}, cfg);
      result.status = PostHook(handler).result_int();
      pool.join();
    }  // the scheduler has ended every attempt thread
    result.runs = runtime.runs;
  }
  std::fflush(out);
  result.log.assign(text, size);
  std::fclose(out);
  std::free(text);
  return result;
}

// A caller that waits for the result has its attempt started beside the record's commit; when
// the record cannot be written the caller gets 503, the function never runs, and the log says
// why the attempt it shows starting stops (QA: the log named a job that never existed).
TEST_P(IngestHandlerTest, ADirectRunWhoseRecordFailsNeverRuns) {
  FailingStore store(base::Status(GetParam(), "disk I/O error"));
  store.looks_healthy = true;
  SyncPost post = PostSync(store, base::LogLevel::kWarn);
  EXPECT_EQ(post.status, 503u);
  EXPECT_EQ(store.appends, 1);
  EXPECT_EQ(post.runs, 0);
  EXPECT_NE(post.log.find("job.not_stored job="), std::string::npos) << post.log;
  EXPECT_NE(post.log.find("disk I/O error"), std::string::npos) << post.log;
}

// While the store is known not to write, a waiting caller's request is refused as an async one
// is, by the append alone: no attempt begins, so the log shows no start and stop of a job that
// never was (QA: three lines for each request, unthrottled, with the disk full).
TEST_P(IngestHandlerTest, NoDirectRunBeginsWhileTheStoreCannotWrite) {
  FailingStore store(base::Status(GetParam(), "disk full"));
  SyncPost post = PostSync(store, base::LogLevel::kInfo);
  EXPECT_EQ(post.status, 503u);
  EXPECT_EQ(store.appends, 1);
  EXPECT_EQ(post.runs, 0);
  EXPECT_EQ(post.log.find("job.started"), std::string::npos) << post.log;
  EXPECT_EQ(post.log.find("job.not_stored"), std::string::npos) << post.log;
}

INSTANTIATE_TEST_SUITE_P(Codes, IngestHandlerTest,
                         ::testing::Values(base::Code::kUnavailable,
                                           base::Code::kResourceExhausted));

}  // namespace
}  // namespace longhaul::ingest
