#include "hooks/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "hooks/hooks_file.h"
#include "webhook/hmac.h"

namespace longhaul::hooks {
namespace {

using ::testing::HasSubstr;
using E = RuleResult::Error;

// GitHub's published example (docs: validating-webhook-deliveries).
constexpr char kGithubSecret[] = "It's a Secret to Everybody";
constexpr char kGithubBody[] = "Hello, World!";
constexpr char kGithubSha256[] = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
constexpr char kGithubSha1[] = "01dc10d0c83e72ed246219cdd91669667fe2ca59";

const base::TimePoint kNow = base::FromUnixMs(1704067200000);  // 2024-01-01T00:00:00Z

// A hook whose trigger rule is the YAML `rule`.
Hook HookWithRule(const std::string& rule) {
  std::string text = "- id: h\n  execute-command: /bin/true\n  trigger-rule:\n";
  std::string indented;
  size_t start = 0;
  while (start < rule.size()) {
    size_t nl = rule.find('\n', start);
    if (nl == std::string::npos) nl = rule.size();
    indented += "    " + rule.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  auto parsed = ParseHooks(text + indented, "t.yaml");
  EXPECT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << text + indented;
  if (!parsed.ok()) return Hook{};
  return parsed->hooks[0];
}

RequestValues Values(std::string_view body = kGithubBody) {
  RequestValues v;
  v.headers["X-Hub-Signature-256"] = std::string("sha256=") + kGithubSha256;
  v.headers["X-Hub-Signature"] = std::string("sha1=") + kGithubSha1;
  v.headers["X-Event"] = "push";
  v.payload["ref"] = "refs/heads/main";
  v.has_payload = true;
  v.raw_body = body;
  v.method = "POST";
  v.remote_addr = "192.168.1.20";
  return v;
}

RuleResult Eval(const Hook& h, const RequestValues& v) {
  RuleContext ctx{v, kNow, h.soft_signature_failures};
  return Evaluate(*h.trigger_rule, ctx);
}

TEST(Rules, Value) {
  Hook h = HookWithRule(
      "match: {type: value, value: refs/heads/main, parameter: {source: payload, name: ref}}");
  EXPECT_TRUE(Eval(h, Values()).value);
  RequestValues other = Values();
  other.payload["ref"] = "refs/heads/dev";
  RuleResult r = Eval(h, other);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.error, E::kNone);
  RequestValues none = Values();
  none.payload.erase("ref");
  EXPECT_EQ(Eval(h, none).error, E::kMissing);
}

// As webhook (Go's subtle.ConstantTimeCompare): an empty value equals an empty parameter, so the
// usual "must not be empty" guard, not: {match: value ""}, refuses an empty token.
TEST(Rules, AnEmptyValueMatchesAnEmptyParameter) {
  Hook empty = HookWithRule(
      "match: {type: value, value: \"\", parameter: {source: payload, "
      "name: ref}}");
  Hook not_empty = HookWithRule(
      "not: {match: {type: value, value: \"\", parameter: {source: "
      "payload, name: ref}}}");
  RequestValues blank = Values();
  blank.payload["ref"] = "";
  EXPECT_TRUE(Eval(empty, blank).value);
  EXPECT_FALSE(Eval(not_empty, blank).value);
  EXPECT_FALSE(Eval(empty, Values()).value);
  EXPECT_TRUE(Eval(not_empty, Values()).value);
}

TEST(Rules, RegexIsUnanchored) {
  Hook h = HookWithRule(
      "match: {type: regex, regex: 'heads/(main|release-\\d+)', "
      "parameter: {source: payload, name: ref}}");
  RequestValues v = Values();
  EXPECT_TRUE(Eval(h, v).value);
  v.payload["ref"] = "refs/heads/release-12";
  EXPECT_TRUE(Eval(h, v).value);
  v.payload["ref"] = "refs/heads/release-x";
  EXPECT_FALSE(Eval(h, v).value);
}

TEST(Regex, MatchesAsGoDoes) {
  struct Case {
    const char* pattern;
    const char* subject;
    bool match;
  };
  const Case cases[] = {
      {"^refs/tags/v\\d+\\.\\d+$", "refs/tags/v1.20", true},
      {"^refs/tags/v\\d+\\.\\d+$", "refs/tags/v1x20", false},
      {"(?i)^MAIN$", "main", true},
      {"^a.*?b$", "axxb", true},
      {"(?:ab)+c", "zzababc", true},
      {"[\\w.-]+@example\\.com", "first.last-x@example.com", true},
      {"[^\\s]+", "   ", false},
      {"\\bword\\b", "a word here", true},
      {"[\\]a]", "]", true},
      {"[a\\-z]", "-", true},
      {"[a\\-z]", "b", false},
      {"x{2,3}", "axxb", true},
      {"x{2,3}", "axb", false},
      {"a{", "a{", true},
      {"\\{\"a\"\\}", "{\"a\"}", true},
      {"(?P<name>ab)c", "abc", true},
      {"\\x41", "A", true},
      {"\\/path\\/", "/path/", true},
      {"\\<b\\>", "<b>", true},
      {"[[:digit:]]{3}", "a123", true},
      {"", "anything", true},
      // Characters, not bytes, as in Go: '.', [^...] and counts see one é.
      {"^caf.$", "caf\xc3\xa9", true},
      {"^[^/]{1,3}$", "\xc3\xa9\xc3\xa9", true},
      {"^[\xc3\xa9"
       "a]+$",
       "a\xc3\xa9", true},
      {"^.$", "\xff", true},  // a byte that is not UTF-8 is still one character
      // Go's classes are ASCII only.
      {"^\\w+$", "caf\xc3\xa9", false},
      {"^[[:alpha:]]+$", "\xc3\xa9", false},
      {"^[\\w]+$", "abc_1", true},
      {"^[[:word:]]+$", "abc_1", true},
      {"\\s", "\v", false},
      {"[[:space:]]", "\v", true},
  };
  for (const Case& c : cases) {
    auto re = Regex::Compile(c.pattern);
    ASSERT_TRUE(re.ok()) << c.pattern << ": " << re.status().message();
    auto found = (*re)->Search(c.subject);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, c.match) << c.pattern << " on " << c.subject;
  }
  // Go's syntax beyond the old translation works as in Go.
  for (const auto& [pattern, subject] :
       std::vector<std::pair<std::string, std::string>>{{"^\\p{L}+$", "caf\xc3\xa9"},
                                                        {"[\\D]x", "ax"},
                                                        {"(?m)^b", "a\nb"},
                                                        {"(?s)a.b", "a\nb"}}) {
    auto re = Regex::Compile(pattern);
    ASSERT_TRUE(re.ok()) << pattern << ": " << re.status().message();
    EXPECT_TRUE(*(*re)->Search(subject)) << pattern;
  }
  auto dot = Regex::Compile("a.b");
  EXPECT_FALSE(*(*dot)->Search("a\nb")) << "'.' does not match a newline, as in Go";
  for (const char* bad : {"(?=x)", "(unclosed", "a**", "\\1", "(?<!x)y"}) {
    EXPECT_FALSE(Regex::Compile(bad).ok()) << bad;
  }
}

TEST(Regex, HostileInputIsBounded) {
  // A backtracking engine takes exponential time on the first, glibc's POSIX matcher minutes
  // on the second (quadratic: 23 s for one 64 KB value); RE2 is linear in the value.
  for (const char* pattern : {"^(a+)+$", "[a-z]+@example\\.com"}) {
    auto re = Regex::Compile(pattern);
    ASSERT_TRUE(re.ok());
    std::string subject(Regex::kMaxSubject - 1, 'a');
    subject += 'b';
    auto found = (*re)->Search(subject);
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(*found) << pattern;
  }
  auto re = Regex::Compile("^(a+)+$");
  // Past the size limit the rule errs instead of running.
  auto too_long = (*re)->Search(std::string(Regex::kMaxSubject + 1, 'a'));
  EXPECT_FALSE(too_long.ok());
  // NUL bytes in the subject are data, not the end of it.
  auto nul = Regex::Compile("b$");
  ASSERT_TRUE(nul.ok());
  EXPECT_TRUE(*(*nul)->Search(std::string("a\0b", 3)));
}

TEST(Rules, PayloadHmacWithGithubVector) {
  Hook sha256 =
      HookWithRule(std::string("match: {type: payload-hmac-sha256, secret: \"") + kGithubSecret +
                   "\", parameter: {source: header, name: X-Hub-Signature-256}}");
  EXPECT_TRUE(Eval(sha256, Values()).value);

  Hook sha1 =
      HookWithRule(std::string("match: {type: payload-hash-sha1, secret: \"") + kGithubSecret +
                   "\", parameter: {source: header, name: X-Hub-Signature}}");
  EXPECT_TRUE(Eval(sha1, Values()).value);

  RuleResult tampered = Eval(sha256, Values("Hello, World?"));
  EXPECT_FALSE(tampered.value);
  EXPECT_EQ(tampered.error, E::kSignature);
  EXPECT_THAT(tampered.message, ::testing::Not(HasSubstr(kGithubSha256)));

  RequestValues no_header = Values();
  no_header.headers.erase("X-Hub-Signature-256");
  EXPECT_EQ(Eval(sha256, no_header).error, E::kMissing);
}

TEST(CheckPayloadHmac, PrefixesListsAndCase) {
  using T = MatchRule::Type;
  std::string good = kGithubSha256;
  EXPECT_TRUE(CheckPayloadHmac(T::kHmacSha256, kGithubSecret, kGithubBody, good).value);
  EXPECT_TRUE(CheckPayloadHmac(T::kHmacSha256, kGithubSecret, kGithubBody, "sha256=" + good).value);
  // Several signatures (secret rotation): any item with the algorithm's prefix may match.
  EXPECT_TRUE(CheckPayloadHmac(T::kHmacSha256, kGithubSecret, kGithubBody,
                               "sha1=00,sha256=deadbeef,sha256=" + good)
                  .value);
  // Items are not trimmed, as upstream.
  EXPECT_EQ(CheckPayloadHmac(T::kHmacSha256, kGithubSecret, kGithubBody,
                             "sha256=deadbeef, sha256=" + good)
                .error,
            E::kSignature);
  // Upstream compares with lowercase hex only.
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(CheckPayloadHmac(T::kHmacSha256, kGithubSecret, kGithubBody, upper).error,
            E::kSignature);
  EXPECT_EQ(CheckPayloadHmac(T::kHmacSha256, "", kGithubBody, good).error, E::kOther);

  auto sha512 = webhook::ComputeHmac(webhook::HashAlgorithm::kSha512, "k", "body");
  ASSERT_TRUE(sha512.ok());
  EXPECT_TRUE(
      CheckPayloadHmac(T::kHmacSha512, "k", "body", "sha512=" + webhook::HexEncode(*sha512)).value);
  // An empty body with the HMAC of "" is accepted.
  auto empty = webhook::ComputeHmac(webhook::HashAlgorithm::kSha1, "k", "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(CheckPayloadHmac(T::kHmacSha1, "k", "", webhook::HexEncode(*empty)).value);
}

TEST(IpInRanges, Cidrs) {
  EXPECT_TRUE(*IpInRanges("192.168.1.20", "10.0.0.0/8 192.168.1.0/24"));
  EXPECT_FALSE(*IpInRanges("192.168.2.20", "192.168.1.0/24"));
  EXPECT_TRUE(*IpInRanges("192.168.1.20:51234", "192.168.1.20"));
  EXPECT_FALSE(*IpInRanges("192.168.1.21", "192.168.1.20"));
  EXPECT_TRUE(*IpInRanges("[2001:db8::5]:443", "2001:db8::/32"));
  EXPECT_TRUE(*IpInRanges("::1", "::1"));
  EXPECT_TRUE(*IpInRanges("::ffff:10.1.2.3", "10.0.0.0/8"));
  // A mapped network's prefix counts its 96 leading bits, as in Go: /104 is an IPv4 /8.
  EXPECT_TRUE(*IpInRanges("127.0.0.1", "::ffff:127.0.0.0/104"));
  EXPECT_FALSE(*IpInRanges("128.0.0.1", "::ffff:127.0.0.0/104"));
  EXPECT_TRUE(*IpInRanges("127.0.0.1", "::ffff:127.0.0.1"));
  EXPECT_FALSE(IpInRanges("127.0.0.1", "::ffff:127.0.0.0/129").ok());
  EXPECT_FALSE(*IpInRanges("10.1.2.3", "2001:db8::/32"));
  EXPECT_TRUE(*IpInRanges("10.1.2.3", "0.0.0.0/0"));
  EXPECT_FALSE(IpInRanges("not-an-ip", "10.0.0.0/8").ok());
  EXPECT_FALSE(IpInRanges("10.0.0.1", "10.0.0.0/abc").ok());
}

TEST(Rules, IpWhitelist) {
  Hook h = HookWithRule("match: {type: ip-whitelist, ip-range: '192.168.1.0/24'}");
  EXPECT_TRUE(Eval(h, Values()).value);
  RequestValues v = Values();
  v.remote_addr = "203.0.113.9";
  RuleResult r = Eval(h, v);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.error, E::kNone);
}

TEST(Rules, ScalrSignature) {
  Hook h = HookWithRule("match: {type: scalr-signature, secret: k}");
  RequestValues v = Values("payload");
  std::string date = "Mon 01 Jan 2024 00:02:00 UTC";
  auto mac = webhook::ComputeHmac(webhook::HashAlgorithm::kSha1, "k", "payload" + date);
  ASSERT_TRUE(mac.ok());
  v.headers["Date"] = date;
  v.headers["X-Signature"] = webhook::HexEncode(*mac);
  EXPECT_TRUE(Eval(h, v).value);

  RequestValues forged = v;
  forged.headers["X-Signature"] = "00";
  EXPECT_EQ(Eval(h, forged).error, E::kSignature);

  RequestValues old = v;
  std::string old_date = "Sun 31 Dec 2023 23:50:00 UTC";
  auto old_mac = webhook::ComputeHmac(webhook::HashAlgorithm::kSha1, "k", "payload" + old_date);
  old.headers["Date"] = old_date;
  old.headers["X-Signature"] = webhook::HexEncode(*old_mac);
  EXPECT_EQ(Eval(h, old).error, E::kSignature);

  RequestValues unsigned_req = Values("payload");
  RuleResult r = Eval(h, unsigned_req);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.error, E::kNone);

  EXPECT_EQ(ParseScalrDate("Fri 08 Sep 2017 11:24:32 UTC"),
            base::TimePoint(std::chrono::seconds(1504869872)));
  EXPECT_FALSE(ParseScalrDate("2017-09-08T11:24:32Z"));
}

TEST(Rules, CombinatorsFollowUpstreamErrorHandling) {
  const std::string missing =
      "{match: {type: value, value: x, parameter: {source: payload, name: nope}}}";
  const std::string yes =
      "{match: {type: value, value: push, parameter: {source: header, name: X-Event}}}";
  const std::string no =
      "{match: {type: value, value: pull, parameter: {source: header, name: X-Event}}}";
  const std::string bad_sig =
      "{match: {type: payload-hmac-sha256, secret: wrong, "
      "parameter: {source: header, name: X-Hub-Signature-256}}}";
  struct Case {
    std::string rule;
    bool soft;
    Verdict verdict;
  };
  const Case cases[] = {
      {"and: [" + yes + ", " + yes + "]", false, Verdict::kTriggered},
      {"and: [" + yes + ", " + no + "]", false, Verdict::kNotSatisfied},
      {"and: [" + yes + ", " + missing + "]", false, Verdict::kNotSatisfied},
      {"and: [" + bad_sig + ", " + yes + "]", false, Verdict::kError},
      {"and: []", false, Verdict::kTriggered},
      {"or: [" + missing + ", " + yes + "]", false, Verdict::kTriggered},
      {"or: [" + no + ", " + no + "]", false, Verdict::kNotSatisfied},
      {"or: []", false, Verdict::kNotSatisfied},
      {"or: [" + bad_sig + ", " + yes + "]", false, Verdict::kError},
      {"or: [" + bad_sig + ", " + yes + "]", true, Verdict::kTriggered},
      {"or: [" + bad_sig + ", " + no + "]", true, Verdict::kNotSatisfied},
      {"not: " + no, false, Verdict::kTriggered},
      {"not: " + yes, false, Verdict::kNotSatisfied},
      // Upstream quirk: `not` over a missing value is true with a missing-value error, and
      // that fires the hook.
      {"not: " + missing, false, Verdict::kTriggered},
      {"match: {type: regex, regex: 'x', parameter: {source: request, name: method}}", false,
       Verdict::kNotSatisfied},
  };
  for (const Case& c : cases) {
    Hook h = HookWithRule(c.rule);
    h.soft_signature_failures = c.soft;
    EXPECT_EQ(EvaluateTrigger(h, Values(), kNow).verdict, c.verdict)
        << c.rule << (c.soft ? " (soft)" : "");
  }
  Hook none;
  EXPECT_EQ(EvaluateTrigger(none, Values(), kNow).verdict, Verdict::kTriggered);
  Hook empty = HookWithRule("{}");
  EXPECT_EQ(EvaluateTrigger(empty, Values(), kNow).verdict, Verdict::kNotSatisfied);
}

TEST(Rules, RegexOverTooLongValueIsAnError) {
  Hook h = HookWithRule("match: {type: regex, regex: 'x', parameter: {source: raw-request-body}}");
  std::string big(Regex::kMaxSubject + 10, 'a');
  RequestValues v = Values(big);
  EXPECT_EQ(EvaluateTrigger(h, v, kNow).verdict, Verdict::kError);
}

}  // namespace
}  // namespace longhaul::hooks
