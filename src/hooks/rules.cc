#include "hooks/rules.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>
#include <vector>

#include "webhook/hmac.h"

namespace longhaul::hooks {
namespace {

constexpr std::string_view kEreSpecial = ".[]()*+?{}|^$\\";

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

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
      items.emplace_back(p.substr(i, end + 2 - i));
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
            items.emplace_back("[:space:]");
            break;
          case 'w':
            items.emplace_back("[:alnum:]");
            items.emplace_back("_");
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

RuleResult Fail(RuleResult::Error kind, std::string message) {
  RuleResult r;
  r.error = kind;
  r.message = std::move(message);
  return r;
}

RuleResult Ok(bool value) {
  RuleResult r;
  r.value = value;
  return r;
}

std::string_view PrefixOf(MatchRule::Type type) {
  switch (type) {
    case MatchRule::Type::kHmacSha1:
      return "sha1=";
    case MatchRule::Type::kHmacSha512:
      return "sha512=";
    default:
      return "sha256=";
  }
}

webhook::HashAlgorithm AlgorithmOf(MatchRule::Type type) {
  switch (type) {
    case MatchRule::Type::kHmacSha1:
      return webhook::HashAlgorithm::kSha1;
    case MatchRule::Type::kHmacSha512:
      return webhook::HashAlgorithm::kSha512;
    default:
      return webhook::HashAlgorithm::kSha256;
  }
}

struct Address {
  int family = 0;  // AF_INET or AF_INET6
  std::array<unsigned char, 16> bytes{};
};

std::optional<Address> ParseAddress(std::string_view text) {
  std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, 12) == 0) {
      std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
      a.family = AF_INET;
    }
    return a;
  }
  return std::nullopt;
}

std::string_view TrimChars(std::string_view s, std::string_view chars) {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

bool PrefixMatches(const Address& net, int bits, const Address& ip) {
  if (net.family != ip.family) return false;
  int full = bits / 8;
  if (std::memcmp(net.bytes.data(), ip.bytes.data(), full) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net.bytes[full] & mask) == (ip.bytes[full] & mask);
}

RuleResult EvaluateMatch(const MatchRule& m, const RuleContext& ctx) {
  const RequestValues& v = ctx.values;
  if (m.type == MatchRule::Type::kIpWhitelist) {
    auto in = IpInRanges(v.remote_addr, m.ip_range);
    if (!in.ok()) return Fail(RuleResult::Error::kOther, in.status().message());
    return Ok(*in);
  }
  if (m.type == MatchRule::Type::kScalrSignature) {
    const boost::json::value* sig = v.headers.if_contains("X-Signature");
    const boost::json::value* date = v.headers.if_contains("Date");
    if (sig == nullptr || date == nullptr || !sig->is_string() || !date->is_string()) {
      return Ok(false);
    }
    if (m.secret.empty()) {
      return Fail(RuleResult::Error::kOther, "signature validation signing key can not be empty");
    }
    std::string_view date_text = date->get_string();
    auto mac =
        webhook::ComputeHmac(webhook::HashAlgorithm::kSha1, m.secret, {v.raw_body, date_text});
    if (!mac.ok()) return Fail(RuleResult::Error::kOther, mac.status().message());
    if (!webhook::MacEquals(webhook::HexEncode(*mac), std::string_view(sig->get_string()))) {
      return Fail(RuleResult::Error::kSignature, "invalid scalr signature");
    }
    auto when = ParseScalrDate(date_text);
    if (!when) return Fail(RuleResult::Error::kOther, "cannot parse the Date header");
    auto delta = ctx.now > *when ? ctx.now - *when : *when - ctx.now;
    if (delta > std::chrono::seconds(300)) {
      return Fail(RuleResult::Error::kSignature, "scalr signature is outdated");
    }
    return Ok(true);
  }
  auto arg = Resolve(m.parameter, v);
  if (!arg.ok()) {
    return Fail(arg.status().code() == base::Code::kNotFound ? RuleResult::Error::kMissing
                                                             : RuleResult::Error::kOther,
                arg.status().message());
  }
  switch (m.type) {
    case MatchRule::Type::kValue:
      return Ok(webhook::MacEquals(*arg, m.value));
    case MatchRule::Type::kRegex: {
      if (m.regex == nullptr) return Fail(RuleResult::Error::kOther, "regex not compiled");
      auto found = m.regex->Search(*arg);
      if (!found.ok()) return Fail(RuleResult::Error::kOther, found.status().message());
      return Ok(*found);
    }
    case MatchRule::Type::kHmacSha1:
    case MatchRule::Type::kHmacSha256:
    case MatchRule::Type::kHmacSha512:
      return CheckPayloadHmac(m.type, m.secret, v.raw_body, *arg);
    default:
      return Ok(false);
  }
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
            out += "[[:space:]]";
            break;
          case 'S':
            out += "[^[:space:]]";
            break;
          case 'w':
            out += "[[:alnum:]_]";
            break;
          case 'W':
            out += "[^[:alnum:]_]";
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
  static const char kEmpty[] = "";
  const char* data = subject.empty() ? kEmpty : subject.data();
  int rc = regexec(&re_, data, 1, m, REG_STARTEND);
  if (rc == 0) return true;
  if (rc == REG_NOMATCH) return false;
  return base::InvalidArgument("regex evaluation failed");
}

RuleResult CheckPayloadHmac(MatchRule::Type type, std::string_view secret, std::string_view body,
                            std::string_view header) {
  if (secret.empty()) {
    return Fail(RuleResult::Error::kOther, "signature validation secret can not be empty");
  }
  std::string_view prefix = PrefixOf(type);
  std::vector<std::string_view> candidates;
  if (header.find(',') != std::string_view::npos) {
    size_t start = 0;
    while (start <= header.size()) {
      size_t comma = header.find(',', start);
      std::string_view part = header.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (part.substr(0, prefix.size()) == prefix) candidates.push_back(part.substr(prefix.size()));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else {
    std::string_view c = header;
    if (c.substr(0, prefix.size()) == prefix) c.remove_prefix(prefix.size());
    candidates.push_back(c);
  }
  auto mac = webhook::ComputeHmac(AlgorithmOf(type), secret, body);
  if (!mac.ok()) return Fail(RuleResult::Error::kOther, mac.status().message());
  std::string expected = webhook::HexEncode(*mac);
  bool match = false;
  for (std::string_view c : candidates) {
    // Compare every candidate, so timing does not reveal which one matched.
    match = webhook::MacEquals(expected, c) || match;
  }
  if (!match) {
    return Fail(RuleResult::Error::kSignature, body.empty()
                                                   ? "invalid payload signature on empty payload"
                                                   : "invalid payload signature");
  }
  return Ok(true);
}

base::Result<bool> IpInRanges(std::string_view remote, std::string_view ranges) {
  std::string_view ip_text = TrimChars(remote, " []");
  std::optional<Address> ip = ParseAddress(ip_text);
  if (!ip) {
    size_t colon = ip_text.rfind(':');
    if (colon != std::string_view::npos) {
      ip = ParseAddress(TrimChars(ip_text.substr(0, colon), " []"));
    }
  }
  if (!ip) {
    return base::InvalidArgument("invalid IP address found in remote address '" +
                                 std::string(remote) + "'");
  }
  bool inside = false;
  size_t i = 0;
  while (i < ranges.size()) {
    while (i < ranges.size() && std::isspace(static_cast<unsigned char>(ranges[i]))) ++i;
    size_t b = i;
    while (i < ranges.size() && !std::isspace(static_cast<unsigned char>(ranges[i]))) ++i;
    if (b == i) break;
    std::string_view r = ranges.substr(b, i - b);
    size_t slash = r.find('/');
    std::optional<Address> net = ParseAddress(r.substr(0, slash));
    if (!net) return base::InvalidArgument("invalid CIDR address: " + std::string(r));
    int max_bits = net->family == AF_INET ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
      std::string_view len = r.substr(slash + 1);
      auto res = std::from_chars(len.data(), len.data() + len.size(), bits);
      if (len.empty() || res.ec != std::errc() || res.ptr != len.data() + len.size() || bits < 0 ||
          bits > max_bits) {
        return base::InvalidArgument("invalid CIDR address: " + std::string(r));
      }
    }
    if (PrefixMatches(*net, bits, *ip)) inside = true;
  }
  return inside;
}

std::optional<base::TimePoint> ParseScalrDate(std::string_view text) {
  // "Mon 02 Jan 2006 15:04:05 MST"
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() < 25) return std::nullopt;
  bool day_ok = false;
  for (const char* d : kDays) day_ok = day_ok || text.substr(0, 3) == d;
  if (!day_ok || text[3] != ' ' || text[6] != ' ' || text[10] != ' ' || text[15] != ' ' ||
      text[18] != ':' || text[21] != ':' || text[24] != ' ') {
    return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len, int& out) {
    auto r = std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == text.data() + pos + len;
  };
  std::tm tm{};
  int mday = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (!num(4, 2, mday) || !num(11, 4, year) || !num(16, 2, hh) || !num(19, 2, mm) ||
      !num(22, 2, ss)) {
    return std::nullopt;
  }
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(7, 3) == kMonths[i]) month = i;
  }
  std::string_view zone = text.substr(25);
  if (month < 0 || mday < 1 || mday > 31 || hh > 23 || mm > 59 || ss > 60 || zone.empty()) {
    return std::nullopt;
  }
  for (char c : zone) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = mday;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  time_t t = timegm(&tm);
  return base::TimePoint(std::chrono::seconds(t));
}

RuleResult Evaluate(const Rule& rule, const RuleContext& ctx) {
  switch (rule.kind) {
    case Rule::Kind::kEmpty:
      return Ok(false);
    case Rule::Kind::kAnd: {
      for (const Rule& child : rule.children) {
        RuleResult r = Evaluate(child, ctx);
        if (r.error != RuleResult::Error::kNone) {
          r.value = false;
          return r;
        }
        if (!r.value) return Ok(false);
      }
      return Ok(true);
    }
    case Rule::Kind::kOr: {
      for (const Rule& child : rule.children) {
        RuleResult r = Evaluate(child, ctx);
        if (r.error == RuleResult::Error::kOther ||
            (r.error == RuleResult::Error::kSignature && !ctx.soft_signature_failures)) {
          r.value = false;
          return r;
        }
        if (r.value) return Ok(true);
      }
      return Ok(false);
    }
    case Rule::Kind::kNot: {
      if (rule.children.empty()) return Ok(true);
      RuleResult r = Evaluate(rule.children.front(), ctx);
      r.value = !r.value;
      return r;
    }
    case Rule::Kind::kMatch:
      return EvaluateMatch(rule.match, ctx);
  }
  return Ok(false);
}

TriggerResult EvaluateTrigger(const Hook& hook, const RequestValues& values, base::TimePoint now) {
  TriggerResult out;
  if (!hook.trigger_rule) return out;
  RuleContext ctx{values, now, hook.soft_signature_failures};
  RuleResult r = Evaluate(*hook.trigger_rule, ctx);
  out.message = r.message;
  switch (r.error) {
    case RuleResult::Error::kNone:
    case RuleResult::Error::kMissing:
      out.verdict = r.value ? Verdict::kTriggered : Verdict::kNotSatisfied;
      break;
    default:
      out.verdict = Verdict::kError;
      break;
  }
  return out;
}

}  // namespace longhaul::hooks
