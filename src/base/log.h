// Logger: one line per event, as `key=value` text or as a JSON object.
//   logger.Info("job.succeeded", {{"job", id}, {"function", fn}});
// Thread-safety: all methods may be called from any thread; each line is written whole.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/mutex.h"

namespace longhaul::base {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarn, kError };

// One field of a line. `number`: the value is an integer (std::to_string's), written as a JSON
// number in JSON lines, so that `jq '.attempt > 1'` works; text lines show it the same either way.
struct LogField {
  std::string_view key;
  std::string_view value;
  bool number = false;
};

class Logger {
 public:
  // Writes to `out` (not owned; stderr by default). Lines below `min_level` are dropped.
  explicit Logger(LogFormat format = LogFormat::kText, LogLevel min_level = LogLevel::kInfo,
                  std::FILE* out = stderr)
      : format_(format), min_level_(min_level), out_(out) {}

  void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
    Log(level, event, std::span<const LogField>(fields.begin(), fields.size()));
  }
  void Log(LogLevel level, std::string_view event, std::span<const LogField> fields);
  void Debug(std::string_view e, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, e, f);
  }
  void Info(std::string_view e, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, e, f);
  }
  void Warn(std::string_view e, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarn, e, f);
  }
  void Error(std::string_view e, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, e, f);
  }
  void set_format(LogFormat f) { format_ = f; }

 private:
  LogFormat format_;
  LogLevel min_level_;
  std::FILE* out_;
  Mutex mu_;
};

// At most one line a second for an event anyone can cause as often as they like (a bad
// signature, a refused connection), so that they cannot flood the log: Allow() says whether to
// log this one, and then how many were held back since the last.
class LogThrottle {
 public:
  bool Allow(uint64_t* held_back);                  // by the steady clock
  bool Allow(int64_t now_ms, uint64_t* held_back);  // by a clock of the caller's (tests)

 private:
  std::atomic<int64_t> last_ms_{std::numeric_limits<int64_t>::min() / 2};  // steady clock
  std::atomic<uint64_t> held_{0};
};

// JSON string escaping (without the quotes), also used by the text format for odd values. Keeps
// every byte (the store's encodings round-trip through it), so bytes that are not UTF-8 stay.
void AppendJsonEscaped(std::string& out, std::string_view s);
// The same for text people read (log lines, error bodies), which must be valid JSON: bytes that
// are not UTF-8 come out as U+FFFD.
void AppendJsonText(std::string& out, std::string_view s);

}  // namespace longhaul::base
