// Status and Result<T>: error values for the request path (no exceptions there).
// Codes follow Abseil's canonical set; each code carries a retry decision (see
// sched/retry_policy.h) and one HTTP mapping (see http/error_mapping.h). Thread-safety: plain
// values; safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace longhaul::base {

enum class Code {
  kOk = 0,
  kCancelled,           // the caller or an operator cancelled; never retry
  kUnknown,             // a runtime failed without saying why (non-zero exit); retry
  kInvalidArgument,     // bad input; never retry, dead-letter; HTTP 400
  kDeadlineExceeded,    // took too long; retry with backoff; HTTP 504
  kNotFound,            // no such thing; HTTP 404
  kAlreadyExists,       // HTTP 409
  kPermissionDenied,    // HTTP 403
  kResourceExhausted,   // backpressure; retry later; HTTP 429
  kFailedPrecondition,  // park until an operator acts; HTTP 409
  kAborted,             // lease lost: retry the whole job; HTTP 409
  kUnimplemented,       // HTTP 501
  kInternal,            // a bug; no blind retry; HTTP 500
  kUnavailable,         // our own store/disk or an upstream is down; retry; HTTP 503
  kUnauthenticated,     // HTTP 401
  kPayloadTooLarge,     // HTTP 413 (not in Abseil's set; Beast reports it separately)
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE_NAME: message", for logs.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status Aborted(std::string m) { return {Code::kAborted, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {Code::kDeadlineExceeded, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }

// Whether errno value `err` says the system is out of something this server needs (processes or
// threads, memory, file descriptors, disk space): the server's own shortage, not bad input and
// not a function's failure. kResourceExhausted when true, `otherwise` when not.
bool IsShortage(int err);
inline Code ShortageOr(int err, Code otherwise) {
  return IsShortage(err) ? Code::kResourceExhausted : otherwise;
}

// The system's text for errno value `err` ("No such file or directory"), for error messages.
// Thread-safe, unlike std::strerror.
std::string ErrnoText(int err);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design
  Result(Code code, std::string m) : v_(Status(code, std::move(m))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace longhaul::base

// Returns early from a function returning Status or Result<T> when `expr` is not OK.
#define LH_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::longhaul::base::Status lh_status_ = (expr); \
    if (!lh_status_.ok()) return lh_status_;      \
  } while (0)
