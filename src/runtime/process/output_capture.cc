#include "runtime/process/output_capture.h"

#include <algorithm>
#include <utility>

namespace longhaul::runtime::process {

std::vector<char>& PipeReadBuffer() {
  thread_local std::vector<char> buffer(64 * 1024);
  return buffer;
}

void HeadCapture::Append(std::string_view data) {
  uint64_t room = limit_ - std::min<uint64_t>(limit_, data_.size());
  if (data.size() > room) {
    truncated_ = true;
    data = data.substr(0, room);
  }
  data_.append(data);
}

void TailCapture::Append(std::string_view data) {
  if (data.size() >= limit_) {
    truncated_ = truncated_ || data.size() > limit_ || !data_.empty();
    data_.assign(data.substr(data.size() - limit_));
    return;
  }
  data_.append(data);
  if (data_.size() > limit_ && data_.size() - limit_ > limit_) {
    truncated_ = true;
    data_.erase(0, data_.size() - limit_);
  }
}

std::string TailCapture::Take() {
  if (data_.size() > limit_) {
    truncated_ = true;
    data_.erase(0, data_.size() - limit_);
  }
  return std::move(data_);
}

}  // namespace longhaul::runtime::process
