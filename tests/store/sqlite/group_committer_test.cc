#include "store/sqlite/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <vector>

namespace longhaul::store::sqlite {
namespace {

struct FakeOp {
  explicit FakeOp(int id, size_t bytes = 1, bool bounded = true,
                  std::vector<std::pair<int, base::Status>>* log = nullptr,
                  std::mutex* log_mu = nullptr)
      : id(id), size(bytes), is_bounded(bounded), log(log), log_mu(log_mu) {}
  size_t bytes() const { return size; }
  bool bounded() const { return is_bounded; }
  void Finish(const base::Status& s) {
    if (log != nullptr) {
      std::lock_guard<std::mutex> lock(*log_mu);
      log->emplace_back(id, s);
    }
    done.set_value(s);
  }
  int id;
  size_t size;
  bool is_bounded;
  std::vector<std::pair<int, base::Status>>* log;
  std::mutex* log_mu;
  std::promise<base::Status> done;
};

using Committer = GroupCommitter<FakeOp>;

// A batch function that records batch sizes and can be held on its first call.
class Recorder {
 public:
  Committer::BatchFn Fn() {
    return [this](std::span<const std::unique_ptr<FakeOp>> ops) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<int> ids;
        for (const auto& op : ops) {
          ids.push_back(op->id);
        }
        batches_.push_back(ids);
      }
      if (hold_first_.exchange(false)) {
        entered_.set_value();
        release_.get_future().wait();
      }
      return next_;
    };
  }
  void HoldFirst() { hold_first_ = true; }
  void WaitEntered() { entered_.get_future().wait(); }
  void Release() { release_.set_value(); }
  std::vector<std::vector<int>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  Committer::BatchOutcome next_;

 private:
  std::mutex mu_;
  std::vector<std::vector<int>> batches_;
  std::atomic<bool> hold_first_{false};
  std::promise<void> entered_;
  std::promise<void> release_;
};

std::future<base::Status> Submit(Committer& c, int id, size_t bytes = 1, bool bounded = true) {
  auto op = std::make_unique<FakeOp>(id, bytes, bounded);
  auto f = op->done.get_future();
  c.Submit(std::move(op));
  return f;
}

TEST(GroupCommitterTest, BatchesWhatQueuedWhileBusyInOrder) {
  Recorder rec;
  rec.HoldFirst();
  Committer c(GroupCommitterOptions{}, rec.Fn());
  auto first = Submit(c, 0);
  rec.WaitEntered();
  std::vector<std::future<base::Status>> rest;
  for (int i = 1; i <= 5; ++i) {
    rest.push_back(Submit(c, i));
  }
  rec.Release();
  EXPECT_TRUE(first.get().ok());
  for (auto& f : rest) {
    EXPECT_TRUE(f.get().ok());
  }
  EXPECT_EQ(rec.batches(), (std::vector<std::vector<int>>{{0}, {1, 2, 3, 4, 5}}));
  GroupCommitterStats s = c.stats();
  EXPECT_EQ(s.batches, 2u);
  EXPECT_EQ(s.commits, 2u);
  EXPECT_EQ(s.ops, 6u);
  EXPECT_EQ(s.max_batch_ops, 5u);
}

TEST(GroupCommitterTest, CapsBatchesByCountAndBytes) {
  Recorder rec;
  rec.HoldFirst();
  GroupCommitterOptions o;
  o.max_batch = 3;
  o.max_batch_bytes = 100;
  Committer c(o, rec.Fn());
  auto first = Submit(c, 0);
  rec.WaitEntered();
  std::vector<std::future<base::Status>> rest;
  const size_t sizes[] = {10, 10, 10, 10, 60, 60, 500, 1};
  for (int i = 0; i < 8; ++i) {
    rest.push_back(Submit(c, i + 1, sizes[i]));
  }
  rec.Release();
  for (auto& f : rest) {
    EXPECT_TRUE(f.get().ok());
  }
  // count cap 3; 10+60 fits, +60 does not; a single 500-byte op still runs alone.
  EXPECT_EQ(rec.batches(), (std::vector<std::vector<int>>{{0}, {1, 2, 3}, {4, 5}, {6}, {7}, {8}}));
  (void)first.get();
}

TEST(GroupCommitterTest, FullQueueRejectsBoundedOpsOnly) {
  Recorder rec;
  rec.HoldFirst();
  GroupCommitterOptions o;
  o.max_queue = 2;
  Committer c(o, rec.Fn());
  auto first = Submit(c, 0);
  rec.WaitEntered();
  auto a = Submit(c, 1);
  auto b = Submit(c, 2);
  auto full = Submit(c, 3);
  ASSERT_EQ(full.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(full.get().code(), base::Code::kResourceExhausted);
  auto unbounded = Submit(c, 4, 0, /*bounded=*/false);
  rec.Release();
  EXPECT_TRUE(a.get().ok());
  EXPECT_TRUE(b.get().ok());
  EXPECT_TRUE(unbounded.get().ok());
  EXPECT_EQ(c.stats().rejected, 1u);
  (void)first.get();
}

TEST(GroupCommitterTest, FatalBatchFailsStickyUntilCleared) {
  Recorder rec;
  Committer c(GroupCommitterOptions{}, rec.Fn());
  rec.next_ = {base::Unavailable("disk full"), /*fatal=*/true};
  EXPECT_EQ(Submit(c, 1).get().code(), base::Code::kUnavailable);
  EXPECT_EQ(c.failure().code(), base::Code::kUnavailable);
  rec.next_ = {};
  auto refused = Submit(c, 2);
  ASSERT_EQ(refused.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(refused.get().code(), base::Code::kUnavailable);
  EXPECT_EQ(rec.batches().size(), 1u);  // never reached the batch function

  bool ran = false;
  base::Status s = c.RunExclusive([&] {
    ran = true;
    c.ClearFailure();
    return base::Status::Ok();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE(ran);
  EXPECT_TRUE(c.failure().ok());
  EXPECT_TRUE(Submit(c, 3).get().ok());
}

TEST(GroupCommitterTest, NonFatalBatchErrorIsNotSticky) {
  Recorder rec;
  Committer c(GroupCommitterOptions{}, rec.Fn());
  rec.next_ = {base::Unavailable("busy"), /*fatal=*/false};
  EXPECT_EQ(Submit(c, 1).get().code(), base::Code::kUnavailable);
  EXPECT_TRUE(c.failure().ok());
  rec.next_ = {};
  EXPECT_TRUE(Submit(c, 2).get().ok());
}

TEST(GroupCommitterTest, DestructorRunsWhatIsQueued) {
  Recorder rec;
  rec.HoldFirst();
  std::vector<std::future<base::Status>> futures;
  {
    Committer c(GroupCommitterOptions{}, rec.Fn());
    futures.push_back(Submit(c, 0));
    rec.WaitEntered();
    for (int i = 1; i < 4; ++i) {
      futures.push_back(Submit(c, i));
    }
    rec.Release();
  }
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok());
  }
}

}  // namespace
}  // namespace longhaul::store::sqlite
