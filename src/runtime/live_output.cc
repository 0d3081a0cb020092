#include "runtime/live_output.h"

namespace longhaul::runtime {
namespace {

// The last `limit` bytes of `text`: trimmed once it holds twice that, so that each byte is
// moved at most once.
void AppendTail(std::string& text, std::string_view data, size_t limit) {
  if (data.size() >= limit) {
    text.assign(data.substr(data.size() - limit));
    return;
  }
  text.append(data);
  if (text.size() >= 2 * limit) text.erase(0, text.size() - limit);
}

std::string Last(const std::string& text, size_t limit) {
  return text.size() > limit ? text.substr(text.size() - limit) : text;
}

}  // namespace

void LiveOutput::Append(Stream stream, std::string_view data) {
  base::MutexLock lock(mu_);
  AppendTail(stream == Stream::kStdout ? out_ : err_, data, kLimit);
}

LiveOutput::Tails LiveOutput::Snapshot() const {
  base::MutexLock lock(mu_);
  return {Last(out_, kLimit), Last(err_, kLimit)};
}

}  // namespace longhaul::runtime
