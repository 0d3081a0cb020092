#include "base/log.h"

#include <chrono>

#include "base/time_format.h"
#include "base/utf8.h"

namespace longhaul::base {
namespace {

std::string_view LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string Timestamp() {
  return FormatIsoMillis(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c >= 0x7f) return true;
  }
  return false;
}

// The length of a character at s[i] that ends a line for some readers though it is not a
// control byte: a C1 control (U+0080-U+009F, NEL among them), U+2028 or U+2029 (QA: Python's
// splitlines() cut a logged request path at a NEL); 0 for any other.
size_t OtherLineBreakAt(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (at(0) == 0xC2 && at(1) >= 0x80 && at(1) <= 0x9F) return 2;
  if (at(0) == 0xE2 && at(1) == 0x80 && (at(2) == 0xA8 || at(2) == 0xA9)) return 3;
  return 0;
}

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view s) {
  size_t run = 0;  // the bytes from here to i need no escape: appended in one piece
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F && c != 0xC2 && c != 0xE2) continue;
    if (c == 0xC2 || c == 0xE2) {
      const size_t n = OtherLineBreakAt(s, i);
      if (n == 0) continue;
      out.append(s.data() + run, i - run);
      // C2 80..9F is U+0080..U+009F; E2 80 A8 and A9 are U+2028 and U+2029.
      const unsigned code = n == 2 ? static_cast<unsigned char>(s[i + 1])
                                   : 0x2000 + static_cast<unsigned char>(s[i + 2]) - 0x80;
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", code);
      out += buf;
      i += n - 1;
      run = i + 1;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
}

void AppendJsonText(std::string& out, std::string_view s) {
  if (IsValidUtf8(s)) {
    AppendJsonEscaped(out, s);
  } else {
    AppendJsonEscaped(out, ToValidUtf8(s));
  }
}

void Logger::Log(LogLevel level, std::string_view event, std::span<const LogField> fields) {
  if (level < min_level_) return;
  std::string line;
  line.reserve(128);
  if (format_ == LogFormat::kJson) {
    line += "{\"ts\":\"" + Timestamp() + "\",\"level\":\"";
    line += LevelName(level);
    line += "\",\"event\":\"";
    AppendJsonText(line, event);
    line += '"';
    for (const LogField& f : fields) {
      line += ",\"";
      AppendJsonText(line, f.key);
      line += "\":";
      if (f.number) {
        line += f.value;
      } else {
        line += '"';
        AppendJsonText(line, f.value);
        line += '"';
      }
    }
    line += "}\n";
  } else {
    line += Timestamp();
    line += ' ';
    line += LevelName(level);
    line += ' ';
    line += event;
    for (const LogField& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      if (NeedsQuotes(f.value)) {
        line += '"';
        AppendJsonText(line, f.value);  // text lines are UTF-8 too (grep, journald)
        line += '"';
      } else {
        line += f.value;
      }
    }
    line += '\n';
  }
  MutexLock lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

bool LogThrottle::Allow(uint64_t* held_back) {
  return Allow(std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count(),
               held_back);
}

bool LogThrottle::Allow(int64_t now, uint64_t* held_back) {
  int64_t last = last_ms_.load();
  if (now - last < 1000 || !last_ms_.compare_exchange_strong(last, now)) {
    held_.fetch_add(1);
    return false;
  }
  *held_back = held_.exchange(0);
  return true;
}

}  // namespace longhaul::base
