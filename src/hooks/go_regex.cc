#include "hooks/go_regex.h"

#include <locale.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/utf8.h"

namespace longhaul::hooks {
namespace {

constexpr std::string_view kEreSpecial = ".[]()*+?{}|^$\\";

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Go's classes are ASCII; glibc's, in a UTF-8 locale, are Unicode. These are written out as
// ASCII sets (the bracket items of a [...]); others stay POSIX classes.
constexpr std::string_view kWord = "0-9A-Za-z_";
constexpr std::string_view kSpace = "\t\n\f\r ";  // Go's \s ([[:space:]] adds \v)
std::optional<std::string_view> AsciiClass(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kClasses[] = {
      {"alnum", "0-9A-Za-z"}, {"alpha", "A-Za-z"},    {"blank", "\t "},
      {"digit", "0-9"},       {"lower", "a-z"},       {"space", "\t\n\v\f\r "},
      {"upper", "A-Z"},       {"word", "0-9A-Za-z_"}, {"xdigit", "0-9A-Fa-f"},
  };
  for (const auto& [n, set] : kClasses) {
    if (n == name) return set;
  }
  return std::nullopt;
}

// The C.UTF-8 locale, for the matcher to read patterns and values as UTF-8 (as Go does: '.'
// is one character, not one byte), or 0 when the system lacks it (then bytes).
locale_t Utf8Locale() {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return utf8;
}

// Makes the calling thread use Utf8Locale() while it lives.
class ScopedUtf8Locale {
 public:
  ScopedUtf8Locale() : previous_(Utf8Locale() ? uselocale(Utf8Locale()) : nullptr) {}
  ~ScopedUtf8Locale() {
    if (previous_) uselocale(previous_);
  }
  ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
  ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

 private:
  locale_t previous_;
};

void AppendLiteral(std::string& out, char c) {
  if (kEreSpecial.find(c) != std::string_view::npos) out += '\\';
  out += c;
}

// Reads the escape at pattern[i] == '\\'. Sets `literal` for an escaped character, or `cls`
// for a class (\d ...). Returns the index after the escape, or an error.
struct Escape {
  std::optional<char> literal;
  char cls = 0;  // 'd', 'D', 's', 'S', 'w', 'W', 'b', 'B', 'A', 'z'
};

base::Result<size_t> ReadEscape(std::string_view p, size_t i, Escape& e) {
  if (i + 1 >= p.size()) return base::InvalidArgument("trailing backslash");
  char c = p[i + 1];
  switch (c) {
    case 'd':
    case 'D':
    case 's':
    case 'S':
    case 'w':
    case 'W':
    case 'b':
    case 'B':
    case 'A':
    case 'z':
      e.cls = c;
      return i + 2;
    case 'n':
      e.literal = '\n';
      return i + 2;
    case 't':
      e.literal = '\t';
      return i + 2;
    case 'r':
      e.literal = '\r';
      return i + 2;
    case 'f':
      e.literal = '\f';
      return i + 2;
    case 'v':
      e.literal = '\v';
      return i + 2;
    case 'a':
      e.literal = '\a';
      return i + 2;
    case 'x': {
      if (i + 3 < p.size() && IsHex(p[i + 2]) && IsHex(p[i + 3])) {
        unsigned v = 0;
        std::from_chars(p.data() + i + 2, p.data() + i + 4, v, 16);
        if (v == 0 || v > 0x7f) return base::InvalidArgument("\\x escapes must be ASCII");
        e.literal = static_cast<char>(v);
        return i + 4;
      }
      return base::InvalidArgument("unsupported \\x escape (use \\xHH)");
    }
    default:
      if (std::ispunct(static_cast<unsigned char>(c))) {
        e.literal = c;
        return i + 2;
      }
      return base::InvalidArgument(std::string("unsupported escape \\") + c);
  }
}

// Translates a bracket expression starting at p[i] == '['. Returns the index after it.
base::Result<size_t> TranslateBracket(std::string_view p, size_t i, std::string& out) {
  ++i;
  bool negate = false;
  if (i < p.size() && p[i] == '^') {
    negate = true;
    ++i;
  }
  std::vector<std::string> items;
  bool close_bracket = false;
  bool dash = false;
  bool caret = false;
  bool first = true;
  auto add_char = [&](char c) {
    if (c == ']') {
      close_bracket = true;
    } else if (c == '-') {
      dash = true;
    } else if (c == '^') {
      caret = true;
    } else {
      items.emplace_back(1, c);
    }
  };
  for (;;) {
    if (i >= p.size()) return base::InvalidArgument("missing ]");
    char c = p[i];
    if (c == ']' && !first) {
      ++i;
      break;
    }
    first = false;
    // One endpoint, possibly the start of a range.
    std::optional<char> lo;
    if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      size_t end = p.find(":]", i + 2);
      if (end == std::string_view::npos) return base::InvalidArgument("unterminated [:class:]");
      std::string_view name = p.substr(i + 2, end - i - 2);
      if (std::optional<std::string_view> ascii = AsciiClass(name)) {
        items.emplace_back(*ascii);
      } else {
        items.emplace_back(p.substr(i, end + 2 - i));
      }
      i = end + 2;
      continue;
    }
    if (c == '\\') {
      Escape e;
      auto next = ReadEscape(p, i, e);
      if (!next.ok()) return next.status();
      i = *next;
      if (e.cls != 0) {
        switch (e.cls) {
          case 'd':
            items.emplace_back("0-9");
            break;
          case 's':
            items.emplace_back(kSpace);
            break;
          case 'w':
            items.emplace_back(kWord);
            break;
          default:
            return base::InvalidArgument(std::string("\\") + e.cls +
                                         " is not supported inside [...]");
        }
        continue;
      }
      lo = *e.literal;
    } else {
      lo = c;
      ++i;
    }
    // A range "lo-hi" (a '-' before ']' is a literal).
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      char hi = 0;
      if (p[i + 1] == '\\') {
        Escape e;
        auto next = ReadEscape(p, i + 1, e);
        if (!next.ok()) return next.status();
        if (!e.literal) return base::InvalidArgument("a class cannot end a range");
        hi = *e.literal;
        i = *next;
      } else {
        hi = p[i + 1];
        i += 2;
      }
      if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(*lo)) {
        return base::InvalidArgument("invalid range in [...]");
      }
      if (*lo == ']' || *lo == '-' || *lo == '^' || hi == ']' || hi == '-' || hi == '^' ||
          *lo == '[' || hi == '[') {
        return base::InvalidArgument("ranges starting or ending in ] - ^ [ are not supported");
      }
      items.push_back(std::string(1, *lo) + "-" + std::string(1, hi));
      continue;
    }
    add_char(*lo);
  }
  if (items.empty() && !close_bracket && !dash && caret && !negate) {
    out += "\\^";
    return i;
  }
  out += '[';
  if (negate) out += '^';
  if (close_bracket) out += ']';
  for (const auto& it : items) out += it;
  if (caret) out += '^';
  if (dash) out += '-';
  out += ']';
  if (out.size() >= 2 && out.substr(out.size() - 2) == "[]") {
    return base::InvalidArgument("empty [...]");
  }
  return i;
}

// Whether p[i] == '{' starts a valid repeat {n}, {n,} or {n,m}; sets `end` after '}'.
bool RepeatAt(std::string_view p, size_t i, size_t& end) {
  size_t j = i + 1;
  size_t digits = 0;
  while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j, ++digits;
  if (digits == 0) return false;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && std::isdigit(static_cast<unsigned char>(p[j]))) ++j;
  }
  if (j < p.size() && p[j] == '}') {
    end = j + 1;
    return true;
  }
  return false;
}

}  // namespace

base::Result<std::string> TranslateRegex(std::string_view pattern, bool& icase) {
  icase = false;
  std::string_view p = pattern;
  // Leading flags: (?i), (?s), (?is), (?si).
  if (p.substr(0, 2) == "(?") {
    size_t close = p.find(')');
    if (close != std::string_view::npos) {
      std::string_view flags = p.substr(2, close - 2);
      bool all_flags = !flags.empty() && flags.find_first_not_of("is") == std::string_view::npos;
      if (all_flags) {
        icase = flags.find('i') != std::string_view::npos;
        p.remove_prefix(close + 1);
      }
    }
  }
  std::string out;
  size_t i = 0;
  bool can_repeat = false;  // the previous item can take a quantifier
  while (i < p.size()) {
    char c = p[i];
    switch (c) {
      case '\\': {
        Escape e;
        auto next = ReadEscape(p, i, e);
        if (!next.ok()) return next.status();
        i = *next;
        can_repeat = true;
        if (e.literal) {
          AppendLiteral(out, *e.literal);
          break;
        }
        switch (e.cls) {
          case 'd':
            out += "[0-9]";
            break;
          case 'D':
            out += "[^0-9]";
            break;
          case 's':
            out.append("[").append(kSpace).append("]");
            break;
          case 'S':
            out.append("[^").append(kSpace).append("]");
            break;
          case 'w':
            out.append("[").append(kWord).append("]");
            break;
          case 'W':
            out.append("[^").append(kWord).append("]");
            break;
          case 'b':
            out += "\\b";
            can_repeat = false;
            break;
          case 'B':
            out += "\\B";
            can_repeat = false;
            break;
          case 'A':
            out += "^";
            can_repeat = false;
            break;
          case 'z':
            out += "$";
            can_repeat = false;
            break;
        }
        break;
      }
      case '[': {
        auto next = TranslateBracket(p, i, out);
        if (!next.ok()) return next.status();
        i = *next;
        can_repeat = true;
        break;
      }
      case '(': {
        if (p.substr(i, 3) == "(?:") {
          i += 3;
        } else if (p.substr(i, 4) == "(?P<" || p.substr(i, 3) == "(?<") {
          size_t close = p.find('>', i);
          if (close == std::string_view::npos) return base::InvalidArgument("bad named group");
          i = close + 1;
        } else if (p.substr(i, 2) == "(?") {
          return base::InvalidArgument("flags other than a leading (?i) are not supported");
        } else {
          ++i;
        }
        out += '(';
        can_repeat = false;
        break;
      }
      case '*':
      case '+':
      case '?': {
        if (!can_repeat) return base::InvalidArgument(std::string("missing argument to ") + c);
        out += c;
        ++i;
        if (i < p.size() && p[i] == '?') ++i;  // lazy: same yes/no answer
        if (i < p.size() && (p[i] == '*' || p[i] == '+')) {
          return base::InvalidArgument("invalid nested repetition operator");
        }
        can_repeat = false;
        break;
      }
      case '{': {
        size_t end = 0;
        if (can_repeat && RepeatAt(p, i, end)) {
          std::string_view rep = p.substr(i, end - i);
          // RE2 caps counted repetition at 1000.
          int n = 0;
          for (char d : rep) {
            if (std::isdigit(static_cast<unsigned char>(d))) {
              n = n * 10 + (d - '0');
              if (n > 1000) return base::InvalidArgument("bad repetition count");
            } else {
              n = 0;
            }
          }
          out.append(rep);
          i = end;
          if (i < p.size() && p[i] == '?') ++i;
          can_repeat = false;
        } else {
          out += "\\{";
          ++i;
          can_repeat = true;
        }
        break;
      }
      case '}':
        out += "\\}";
        ++i;
        can_repeat = true;
        break;
      case ')':
        out += ')';
        ++i;
        can_repeat = true;
        break;
      case '|':
      case '^':
      case '$':
        out += c;
        ++i;
        can_repeat = false;
        break;
      default:
        out += c;
        ++i;
        can_repeat = true;
        break;
    }
  }
  return out;
}

base::Result<std::shared_ptr<const Regex>> Regex::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPattern) return base::InvalidArgument("pattern too long");
  if (pattern.find('\0') != std::string_view::npos) {
    return base::InvalidArgument("pattern contains a NUL byte");
  }
  bool icase = false;
  auto posix = TranslateRegex(pattern, icase);
  if (!posix.ok()) return posix.status();
  std::shared_ptr<Regex> re(new Regex());
  re->posix_ = std::move(*posix);
  int flags = REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0);
  ScopedUtf8Locale utf8;
  int rc = regcomp(&re->re_, re->posix_.c_str(), flags);
  if (rc != 0) {
    char buf[256];
    regerror(rc, &re->re_, buf, sizeof buf);
    return base::InvalidArgument(buf);
  }
  re->compiled_ = true;
  return std::shared_ptr<const Regex>(std::move(re));
}

Regex::~Regex() {
  if (compiled_) regfree(&re_);
}

base::Result<bool> Regex::Search(std::string_view subject) const {
  if (subject.size() > kMaxSubject) {
    return base::InvalidArgument("value of " + std::to_string(subject.size()) +
                                 " bytes is too long for a regex (limit " +
                                 std::to_string(kMaxSubject) + ")");
  }
  // REG_STARTEND: the subject is delimited by pmatch[0], so it needs no NUL terminator and
  // may contain NUL bytes.
  regmatch_t m[1];
  m[0].rm_so = 0;
  m[0].rm_eo = static_cast<regoff_t>(subject.size());
  // Go reads a byte that is not UTF-8 as U+FFFD, one character; glibc's matcher would match
  // nothing there.
  std::string valid;
  if (!base::IsValidUtf8(subject)) {
    valid = base::ToValidUtf8(subject);
    subject = valid;
    m[0].rm_eo = static_cast<regoff_t>(subject.size());
  }
  static const char kEmpty[] = "";
  const char* data = subject.empty() ? kEmpty : subject.data();
  ScopedUtf8Locale utf8;  // as compiled
  int rc = regexec(&re_, data, 1, m, REG_STARTEND);
  if (rc == 0) return true;
  if (rc == REG_NOMATCH) return false;
  return base::InvalidArgument("regex evaluation failed");
}

}  // namespace longhaul::hooks
