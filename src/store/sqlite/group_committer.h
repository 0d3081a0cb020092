// GroupCommitter: one committer thread drains a bounded queue of write operations and hands
// them, in submission order, to a batch function that runs them in ONE transaction and commits
// once (STYLE.md §10, LevelDB's DBImpl::Write writer queue). Every op of a batch is finished
// with the batch's outcome: its own result when the batch committed, the batch's error when not.
// After a batch fails with `fatal` set (a failed commit or sync), the committer is failed
// (sticky): Submit() finishes new ops at once with kUnavailable until ClearFailure().
//
// Op is the caller's type. It must provide:
//   size_t bytes() const;                 // counted against max_batch_bytes
//   bool bounded() const;                 // counted against max_queue (fire-and-forget ops);
//                                         // ops whose caller blocks until Finish are not
//   void Finish(const base::Status& s);   // s is OK when the batch committed
//
// Thread-safety: Submit(), RunExclusive(), failure(), ClearFailure() and stats() may be called
// from any thread except that RunExclusive() must not be called from the committer thread.
// The batch function, exclusive functions and every Finish() run on the committer thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_name.h"

namespace longhaul::store::sqlite {

struct GroupCommitterOptions {
  size_t max_queue = 10000;            // bounded ops waiting; more -> kResourceExhausted
  size_t max_batch = 1024;             // ops per batch (transaction), at least 1
  size_t max_batch_bytes = 16u << 20;  // Op::bytes() per batch; a single larger op still runs
};

struct GroupCommitterStats {
  uint64_t batches = 0;         // batch function calls (transactions attempted)
  uint64_t commits = 0;         // batches that returned OK
  uint64_t failed_batches = 0;  // batches that returned an error (including while failed)
  uint64_t ops = 0;             // ops handed to the batch function
  uint64_t max_batch_ops = 0;   // largest batch so far
  uint64_t rejected = 0;        // ops finished at Submit (full, failed, closing)
};

template <typename Op>
class GroupCommitter {
 public:
  struct BatchOutcome {
    base::Status status;  // OK: committed
    bool fatal = false;   // true: fail the committer (sticky) with `status`
  };
  using BatchFn = std::function<BatchOutcome(std::span<const std::unique_ptr<Op>> ops)>;

  // Starts the committer thread. `batch` runs there; it must not call back into Submit() and
  // wait for the result (the thread would wait on itself).
  GroupCommitter(GroupCommitterOptions options, BatchFn batch)
      : options_(Sanitize(options)), batch_(std::move(batch)), thread_([this] { Loop(); }) {}

  // Runs what is queued (new submissions are refused), then joins the thread.
  ~GroupCommitter() {
    {
      base::MutexLock lock(mu_);
      stopping_ = true;
    }
    cv_.Signal();
    thread_.join();
  }

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `op` for the next batch and returns at once. When the committer is failed, closing
  // or (for a bounded op) the queue holds max_queue bounded ops, calls op->Finish() with
  // kUnavailable / kResourceExhausted on this thread before returning instead.
  void Submit(std::unique_ptr<Op> op) {
    base::Status reject;
    bool wake = false;
    {
      base::MutexLock lock(mu_);
      if (stopping_) {
        reject = base::Unavailable("store is closing");
      } else if (!failure_.ok()) {
        reject = base::Unavailable("store failed: " + failure_.message());
      } else if (op->bounded() && bounded_pending_ >= options_.max_queue) {
        reject = base::ResourceExhausted("write queue full (" + std::to_string(options_.max_queue) +
                                         " pending)");
      } else {
        bounded_pending_ += op->bounded() ? 1 : 0;
        queue_.push_back(std::move(op));
        wake = idle_;
        idle_ = false;
      }
      if (!reject.ok()) {
        ++stats_.rejected;
      }
    }
    if (wake) {
      cv_.Signal();
    }
    if (!reject.ok()) {
      op->Finish(reject);
    }
  }

  // Runs `fn` on the committer thread between batches, alone, and returns its result. Blocks.
  // Runs even while failed (it is how a failed store reopens). kUnavailable when closing.
  base::Status RunExclusive(const std::function<base::Status()>& fn) {
    std::promise<base::Status> done;
    std::future<base::Status> result = done.get_future();
    {
      base::MutexLock lock(mu_);
      if (stopping_) {
        return base::Unavailable("store is closing");
      }
      exclusive_.push_back({&fn, &done});
      idle_ = false;
    }
    cv_.Signal();
    return result.get();
  }

  // OK, or the error that failed the committer.
  base::Status failure() const {
    base::MutexLock lock(mu_);
    return failure_;
  }
  // Fails the committer with `status`; the latest reason replaces an earlier one (a reopen that
  // failed says why writes still cannot resume).
  void SetFailure(base::Status status) {
    base::MutexLock lock(mu_);
    failure_ = std::move(status);
  }
  void ClearFailure() {
    base::MutexLock lock(mu_);
    failure_ = base::Status::Ok();
  }

  GroupCommitterStats stats() const {
    base::MutexLock lock(mu_);
    return stats_;
  }

  // True on the committer thread (used to refuse blocking calls from there).
  bool OnCommitterThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Exclusive {
    const std::function<base::Status()>* fn;
    std::promise<base::Status>* done;
  };

  static GroupCommitterOptions Sanitize(GroupCommitterOptions o) {
    if (o.max_batch == 0) {
      o.max_batch = 1;
    }
    return o;
  }

  void Loop() {
    base::SetThreadName("lh-writer");
    std::vector<std::unique_ptr<Op>> batch;
    batch.reserve(options_.max_batch);
    for (;;) {
      const std::function<base::Status()>* exclusive_fn = nullptr;
      std::promise<base::Status>* exclusive_done = nullptr;
      base::Status failed;
      {
        base::MutexLock lock(mu_);
        if (queue_.empty() && exclusive_.empty() && !stopping_) {
          idle_ = true;
          while (!stopping_ && queue_.empty() && exclusive_.empty()) cv_.Wait(mu_);
          idle_ = false;
        }
        if (!exclusive_.empty()) {
          exclusive_fn = exclusive_.front().fn;
          exclusive_done = exclusive_.front().done;
          exclusive_.pop_front();
        } else if (queue_.empty()) {
          return;  // stopping, and nothing left
        } else {
          size_t bytes = 0;
          while (!queue_.empty() && batch.size() < options_.max_batch) {
            const size_t op_bytes = queue_.front()->bytes();
            if (!batch.empty() && bytes + op_bytes > options_.max_batch_bytes) {
              break;
            }
            bytes += op_bytes;
            bounded_pending_ -= queue_.front()->bounded() ? 1 : 0;
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
          }
          failed = failure_;
        }
      }
      if (exclusive_fn != nullptr) {
        exclusive_done->set_value((*exclusive_fn)());
        continue;
      }
      BatchOutcome outcome;
      if (!failed.ok()) {
        // Queued before the store failed: never start a transaction on a failed store.
        outcome.status = base::Unavailable("store failed: " + failed.message());
      } else {
        outcome = batch_(std::span<const std::unique_ptr<Op>>(batch.data(), batch.size()));
      }
      {
        base::MutexLock lock(mu_);
        ++stats_.batches;
        stats_.ops += batch.size();
        stats_.max_batch_ops = std::max<uint64_t>(stats_.max_batch_ops, batch.size());
        if (outcome.status.ok()) {
          ++stats_.commits;
        } else {
          ++stats_.failed_batches;
        }
        if (outcome.fatal && failure_.ok()) {
          failure_ = outcome.status;
        }
      }
      for (const std::unique_ptr<Op>& op : batch) {
        op->Finish(outcome.status);
      }
      batch.clear();
    }
  }

  const GroupCommitterOptions options_;
  const BatchFn batch_;

  mutable base::Mutex mu_;
  base::CondVar cv_;
  std::deque<std::unique_ptr<Op>> queue_ LH_GUARDED_BY(mu_);
  std::deque<Exclusive> exclusive_ LH_GUARDED_BY(mu_);
  size_t bounded_pending_ LH_GUARDED_BY(mu_) = 0;
  bool idle_ LH_GUARDED_BY(mu_) = false;  // the thread waits on cv_
  bool stopping_ LH_GUARDED_BY(mu_) = false;
  base::Status failure_ LH_GUARDED_BY(mu_);
  GroupCommitterStats stats_ LH_GUARDED_BY(mu_);

  std::thread thread_;  // last: starts after every other member is initialised
};

}  // namespace longhaul::store::sqlite
