// Helpers shared by the SqliteStore tests: a fixture with a temp dir and a FakeClock, job
// builders, and a blocking Append.
#pragma once

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "base/ids.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace longhaul::store::sqlite {

inline base::Result<AppendResult> AppendAndWait(Store& store, NewJob job) {
  std::promise<base::Result<AppendResult>> done;
  auto result = done.get_future();
  store.Append(std::move(job),
               [&done](base::Result<AppendResult> r) { done.set_value(std::move(r)); });
  return result.get();
}

// Holds the writer thread inside an append callback until Release(), so that what the test
// submits meanwhile queues up and lands in one batch.
class WriterGate {
 public:
  // Appends `job` whose callback blocks the writer thread; returns once the writer is held.
  void Hold(Store& store, NewJob job) {
    store.Append(std::move(job), [this](base::Result<AppendResult> r) {
      first_ok_ = r.ok();
      entered_.set_value();
      release_future_.wait();
    });
    entered_.get_future().wait();
  }
  void Release() { release_.set_value(); }
  bool first_ok() const { return first_ok_; }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> release_future_ = release_.get_future().share();
  bool first_ok_ = false;
};

class StoreTest : public ::testing::Test {
 protected:
  SqliteOptions Options() {
    SqliteOptions o;
    o.path = dir_.File("data/longhaul.db");
    o.clock = &clock_;
    o.vfs = vfs_name_;
    return o;
  }

  void Open() { Open(Options()); }
  void Open(const SqliteOptions& options) {
    store_.reset();
    auto s = SqliteStore::Open(options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Close() { store_.reset(); }

  NewJob MakeJob(std::string function = "fn", std::string ordering_key = "") {
    NewJob j;
    j.id = base::NewJobId(clock_.Now());
    j.function = std::move(function);
    j.route = "POST /hook";
    j.ordering_key = std::move(ordering_key);
    j.created_at = clock_.Now();
    j.expires_at = clock_.Now() + std::chrono::hours(6);
    j.request.method = "POST";
    j.request.path = "/hook";
    j.request.body = "{\"n\":" + std::to_string(++counter_) + "}";
    return j;
  }

  // Appends and expects success; returns the job id.
  std::string Add(NewJob job) {
    auto r = AppendAndWait(*store_, std::move(job));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->job_id : std::string();
  }

  ClaimRequest ClaimReq(std::string function = "fn", int limit = 10, int concurrency = 10,
                        std::string owner = "node-a") {
    ClaimRequest r;
    r.function = std::move(function);
    r.limit = limit;
    r.concurrency = concurrency;
    r.owner = std::move(owner);
    r.now = clock_.Now();
    return r;
  }

  std::vector<std::string> ClaimIds(const ClaimRequest& req) {
    auto r = store_->Claim(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    if (r.ok()) {
      for (const Job& j : *r) {
        ids.push_back(j.id);
      }
    }
    return ids;
  }

  Completion Done(const std::string& id, Completion::Kind kind = Completion::Kind::kSucceeded,
                  std::string owner = "node-a") {
    Completion c;
    c.job_id = id;
    c.owner = std::move(owner);
    c.kind = kind;
    c.now = clock_.Now();
    return c;
  }

  JobState StateOf(const std::string& id) {
    auto j = store_->Get(id);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    return j.ok() ? j->state : JobState::kQueued;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::string vfs_name_;
  std::unique_ptr<SqliteStore> store_;
  int counter_ = 0;
};

}  // namespace longhaul::store::sqlite
