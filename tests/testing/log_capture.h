// LogCapture: a Logger whose lines a test reads back (a temporary file, read with pread so that
// threads still logging are not disturbed).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/log.h"

namespace longhaul::testing {

class LogCapture {
 public:
  explicit LogCapture(base::LogLevel min_level = base::LogLevel::kInfo)
      : file_(std::tmpfile()),
        log_(base::LogFormat::kText, min_level, file_ != nullptr ? file_ : stderr) {}
  ~LogCapture() {
    if (file_ != nullptr) std::fclose(file_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  base::Logger& log() { return log_; }

  // What was logged so far.
  std::string Text() {
    std::string text;
    if (file_ == nullptr) return text;
    std::fflush(file_);
    char buf[4096];
    for (ssize_t n;
         (n = ::pread(fileno(file_), buf, sizeof buf, static_cast<off_t>(text.size()))) > 0;) {
      text.append(buf, static_cast<size_t>(n));
    }
    return text;
  }

 private:
  std::FILE* file_;
  base::Logger log_;
};

}  // namespace longhaul::testing
