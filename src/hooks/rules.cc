#include "hooks/rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>
#include <vector>

#include "webhook/hmac.h"

namespace longhaul::hooks {
namespace {

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
  bool mapped = false;  // written as an IPv4-mapped IPv6 address (::ffff:a.b.c.d), kept as IPv4
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
      a.mapped = true;
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
      // In constant time, as webhook's subtle.ConstantTimeCompare, for which two empty values
      // are equal (`value: ""` matches an empty parameter; its `not` refuses one).
      return Ok(arg->size() == m.value.size() &&
                (m.value.empty() || webhook::MacEquals(*arg, m.value)));
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
    // A mapped network's prefix counts the 96 bits before its IPv4 part (Go: /104 is an
    // IPv4 /8).
    int max_bits = net->family == AF_INET && !net->mapped ? 32 : 128;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
      std::string_view len = r.substr(slash + 1);
      auto res = std::from_chars(len.data(), len.data() + len.size(), bits);
      if (len.empty() || res.ec != std::errc() || res.ptr != len.data() + len.size() || bits < 0 ||
          bits > max_bits) {
        return base::InvalidArgument("invalid CIDR address: " + std::string(r));
      }
    }
    if (net->mapped) bits = std::max(bits - 96, 0);
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
