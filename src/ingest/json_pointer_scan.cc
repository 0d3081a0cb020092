#include "ingest/json_pointer_scan.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

namespace longhaul::ingest {
namespace {

using boost::system::error_code;
using Outcome = PointerScan::Outcome;

// The pointer's reference tokens, unescaped; nullopt for a pointer the scan does not follow.
std::optional<std::vector<std::string>> Tokens(std::string_view pointer) {
  if (pointer.empty() || pointer.front() != '/') return std::nullopt;
  std::vector<std::string> tokens;
  for (size_t at = 0; at != std::string_view::npos;) {
    size_t next = pointer.find('/', at + 1);
    std::string_view raw = pointer.substr(
        at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else {
        return std::nullopt;
      }
    }
    tokens.push_back(std::move(token));
    at = next;
  }
  return tokens;
}

// Follows the parse event by event. A value is "on the path" at level d when the keys (or
// array indices) leading to it equal the first d tokens; the target sits at level tokens.size().
class Handler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit Handler(const std::vector<std::string>* tokens) : tokens_(tokens) {}

  PointerScan result;

  bool on_document_begin(error_code&) {
    next_level_ = 0;  // the root is on the path
    return true;
  }
  bool on_document_end(error_code&) { return true; }

  bool on_object_begin(error_code&) { return OpenContainer(false); }
  bool on_object_end(std::size_t, error_code&) { return CloseContainer(); }
  bool on_array_begin(error_code&) { return OpenContainer(true); }
  bool on_array_end(std::size_t, error_code&) { return CloseContainer(); }

  bool on_key_part(std::string_view s, std::size_t, error_code&) {
    key_ += s;
    return true;
  }
  bool on_key(std::string_view s, std::size_t, error_code&) {
    key_ += s;
    const Frame& top = frames_.back();
    next_level_ = kOff;
    if (top.level != kOff && top.level < tokens_->size() && key_ == (*tokens_)[top.level]) {
      next_level_ = top.level + 1;
      // A later duplicate key replaces the earlier value, and with it whatever it held.
      result = PointerScan{};
    }
    key_.clear();
    return true;
  }

  bool on_string_part(std::string_view s, std::size_t, error_code&) {
    if (!in_scalar_) BeginScalar();
    if (capturing_) result.text += s;
    return true;
  }
  bool on_string(std::string_view s, std::size_t n, error_code& ec) {
    on_string_part(s, n, ec);
    if (capturing_) result.outcome = Outcome::kString;
    return EndScalar();
  }
  bool on_number_part(std::string_view s, error_code&) {
    if (!in_scalar_) BeginScalar();
    if (capturing_) number_ += s;
    return true;
  }
  bool on_int64(std::int64_t i, std::string_view, error_code&) { return Number(i); }
  bool on_uint64(std::uint64_t u, std::string_view, error_code&) { return Number(u); }
  bool on_double(double, std::string_view s, error_code&) {
    if (!in_scalar_) BeginScalar();
    if (capturing_) {
      // The number as sent: distinct numbers stay distinct keys, whatever a double can hold.
      result.outcome = Outcome::kOther;
      result.text = std::move(number_);
      result.text += s;
    }
    number_.clear();
    return EndScalar();
  }
  bool on_bool(bool b, error_code&) {
    BeginScalar();
    if (capturing_) {
      result.outcome = Outcome::kOther;
      result.text = b ? "true" : "false";
    }
    return EndScalar();
  }
  bool on_null(error_code&) {
    BeginScalar();
    if (capturing_) result.outcome = Outcome::kNull;
    return EndScalar();
  }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }

 private:
  static constexpr size_t kOff = size_t(-1);
  struct Frame {
    bool array;
    size_t level;  // the container's level on the path, or kOff
    size_t index;  // arrays: the next element's index
  };

  // The level of the value starting now: from the key just read, or from the array index.
  size_t LevelOfNextValue() {
    if (frames_.empty() || !frames_.back().array) return next_level_;
    Frame& top = frames_.back();
    const size_t index = top.index++;
    if (top.level == kOff || top.level >= tokens_->size()) return kOff;
    const std::string& token = (*tokens_)[top.level];
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, index);
    return std::string_view(digits, static_cast<size_t>(end - digits)) == token ? top.level + 1
                                                                                : kOff;
  }
  bool IsTarget(size_t level) const { return level != kOff && level == tokens_->size(); }

  bool OpenContainer(bool array) {
    const size_t level = LevelOfNextValue();
    if (IsTarget(level)) result.outcome = Outcome::kContainer;
    frames_.push_back({array, level, 0});
    return true;
  }
  bool CloseContainer() {
    frames_.pop_back();
    return true;
  }
  void BeginScalar() {
    in_scalar_ = true;
    capturing_ = IsTarget(LevelOfNextValue());
    if (capturing_) result.text.clear();
  }
  bool EndScalar() {
    in_scalar_ = false;
    capturing_ = false;
    return true;
  }
  template <typename T>
  bool Number(T n) {
    if (!in_scalar_) BeginScalar();
    number_.clear();
    if (capturing_) {
      result.outcome = Outcome::kOther;
      result.text = std::to_string(n);
    }
    return EndScalar();
  }

  const std::vector<std::string>* tokens_;
  std::vector<Frame> frames_;
  std::string key_;
  std::string number_;  // the captured number's text so far (on_number_part)
  size_t next_level_ = kOff;
  bool in_scalar_ = false;
  bool capturing_ = false;
};

}  // namespace

boost::json::parse_options KeyBodyParseOptions() {
  boost::json::parse_options options;
  options.max_depth = kMaxKeyBodyDepth;
  return options;
}

PointerScan ScanJsonPointer(std::string_view body, std::string_view pointer) {
  std::optional<std::vector<std::string>> tokens = Tokens(pointer);
  if (!tokens) return {Outcome::kUnsupported, {}};
  boost::json::basic_parser<Handler> parser(KeyBodyParseOptions(), &*tokens);
  error_code ec;
  const size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || used != body.size()) return {Outcome::kInvalidJson, {}};
  return std::move(parser.handler().result);
}

}  // namespace longhaul::ingest
