#include "hooks/json_decoder.h"

#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <utility>

#include "base/utf8.h"

namespace longhaul::hooks {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// Builds the value event by event, as json::stream_parser does (a later duplicate key replaces
// the earlier value), except that each number becomes the index of its text in *numbers.
class Builder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit Builder(NumberTexts* numbers) : numbers_(numbers) {}

  json::value result;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return Open(json::object()); }
  bool on_object_end(std::size_t, error_code&) { return Close(); }
  bool on_array_begin(error_code&) { return Open(json::array()); }
  bool on_array_end(std::size_t, error_code&) { return Close(); }
  bool on_key_part(std::string_view s, std::size_t, error_code&) {
    text_ += s;
    return true;
  }
  bool on_key(std::string_view s, std::size_t, error_code&) {
    text_ += s;
    open_.back().key = base::ToValidUtf8(text_);
    text_.clear();
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t, error_code&) {
    text_ += s;
    return true;
  }
  bool on_string(std::string_view s, std::size_t, error_code&) {
    text_ += s;
    json::string str(base::ToValidUtf8(text_));
    text_.clear();
    return Add(std::move(str));
  }
  bool on_number_part(std::string_view s, error_code&) {
    text_ += s;
    return true;
  }
  bool on_int64(std::int64_t, std::string_view s, error_code&) { return Number(s); }
  bool on_uint64(std::uint64_t, std::string_view s, error_code&) { return Number(s); }
  bool on_double(double, std::string_view s, error_code&) { return Number(s); }
  bool on_bool(bool b, error_code&) { return Add(b); }
  bool on_null(error_code&) { return Add(nullptr); }
  bool on_comment_part(std::string_view, error_code&) { return true; }
  bool on_comment(std::string_view, error_code&) { return true; }

 private:
  struct Container {
    json::value value;  // an object or an array
    std::string key;    // objects: the key of the value being read
  };

  bool Open(json::value container) {
    open_.push_back({std::move(container), {}});
    return true;
  }
  bool Close() {
    json::value done = std::move(open_.back().value);
    open_.pop_back();
    return Add(std::move(done));
  }
  bool Number(std::string_view last_part) {
    text_ += last_part;
    numbers_->push_back(std::move(text_));
    text_.clear();
    return Add(static_cast<std::uint64_t>(numbers_->size() - 1));
  }
  bool Add(json::value v) {
    if (open_.empty()) {
      result = std::move(v);
    } else if (json::array* a = open_.back().value.if_array()) {
      a->push_back(std::move(v));
    } else {
      open_.back().value.get_object().insert_or_assign(open_.back().key, std::move(v));
    }
    return true;
  }

  NumberTexts* numbers_;
  std::vector<Container> open_;
  std::string text_;  // the key, string or number read so far
};

}  // namespace

base::Result<json::value> DecodeJson(std::string_view text, int max_depth, NumberTexts& numbers) {
  json::parse_options options;
  options.max_depth = static_cast<std::size_t>(max_depth);
  options.allow_invalid_utf8 = true;
  json::basic_parser<Builder> parser(options, &numbers);
  error_code ec;
  // Stops after the first value (and the white space after it), as Decode does.
  parser.write_some(false, text.data(), text.size(), ec);
  if (ec) return base::InvalidArgument("invalid JSON: " + ec.message());
  return std::move(parser.handler().result);
}

}  // namespace longhaul::hooks
