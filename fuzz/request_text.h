// A readable text form of a request for the fuzzers' seeds, so a seed file is a request a
// person can read and edit:
//   POST /path?query 203.0.113.7     request line: method, target, optional remote address
//   Name: value                      header lines, split at the first ':' (value left-trimmed)
//                                    an empty line ends the header
//   body bytes, verbatim, to the end
// Any bytes parse; missing parts stay empty.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "store/job.h"

namespace longhaul::fuzz {

// Splits off the first line of `text` (without its "\n" or "\r\n").
inline std::string_view TakeLine(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Splits off the first space-separated word of `line`.
inline std::string_view TakeWord(std::string_view& line) {
  size_t sp = line.find(' ');
  std::string_view word = line.substr(0, sp);
  line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
  return word;
}

inline store::Request ParseRequestText(std::string_view text) {
  store::Request req;
  std::string_view line = TakeLine(text);
  req.method = std::string(TakeWord(line));
  std::string_view target = TakeWord(line);
  size_t q = target.find('?');
  req.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
  req.remote_addr = std::string(TakeWord(line));
  while (!text.empty()) {
    std::string_view field = TakeLine(text);
    if (field.empty()) break;
    size_t colon = field.find(':');
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(std::string(field.substr(0, colon)), std::string(value));
  }
  req.body = std::string(text);
  return req;
}

}  // namespace longhaul::fuzz
