// LiveOutput: what a running attempt's processes have written so far, the last kLimit bytes of
// each stream, for GET /jobs/{id} while the job runs (its record gets the output only with the
// outcome). The runtime appends as it reads the pipes; the admin API takes a copy.
// Thread-safety: Append() and Snapshot() may be called from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/mutex.h"

namespace longhaul::runtime {

class LiveOutput {
 public:
  static constexpr size_t kLimit = 64 * 1024;
  enum class Stream { kStdout, kStderr };

  void Append(Stream stream, std::string_view data);

  struct Tails {
    std::string stdout_tail;
    std::string stderr_tail;
  };
  Tails Snapshot() const;

 private:
  mutable base::Mutex mu_;
  std::string out_ LH_GUARDED_BY(mu_);
  std::string err_ LH_GUARDED_BY(mu_);
};

}  // namespace longhaul::runtime
