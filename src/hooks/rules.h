// The trigger-rule engine of adnanh/webhook (docs/Hook-Rules.md upstream): and / or / not over
// match rules (value, regex, payload HMAC, IP whitelist, Scalr signature), with upstream's
// three kinds of error and how each combinator treats them.
// Thread-safety: pure functions; a compiled Regex may be used from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "hooks/go_regex.h"
#include "hooks/hook.h"
#include "hooks/request_values.h"

namespace longhaul::hooks {

// The outcome of one rule.
struct RuleResult {
  enum class Error {
    kNone,
    kMissing,    // a referenced value is missing ("parameter node not found")
    kSignature,  // a signature did not match
    kOther,      // anything else (empty secret, bad address, value too long for a regex)
  };
  bool value = false;
  Error error = Error::kNone;
  std::string message;  // for logs; never holds a secret or an expected signature
};

struct RuleContext {
  const RequestValues& values;
  base::TimePoint now;                   // for scalr-signature's Date check
  bool soft_signature_failures = false;  // the hook's trigger-signature-soft-failures
};

// Evaluates `rule` as upstream:
//   and   children in order; the first false stops it; any error stops it and is returned.
//   or    children in order; the first true stops it; missing-value errors are skipped, and so
//         are signature errors when soft_signature_failures is set; other errors are returned.
//   not   the negated value, with the child's error passed through.
//   match the match rule; a missing parameter is a kMissing error (ip-whitelist and
//         scalr-signature have no parameter).
//   empty false.
RuleResult Evaluate(const Rule& rule, const RuleContext& ctx);

// What the request gets for a hook's trigger rule.
enum class Verdict {
  kTriggered,     // true, or true with only a missing-value error
  kNotSatisfied,  // false, or a missing-value error: "Hook rules were not satisfied."
  kError,         // any other error: 500 "Error occurred while evaluating hook rules."
};
struct TriggerResult {
  Verdict verdict = Verdict::kTriggered;
  std::string message;  // the error, for logs
};
TriggerResult EvaluateTrigger(const Hook& hook, const RequestValues& values, base::TimePoint now);

// hex HMAC of `body` checked against a header value the way upstream does: when `header` has a
// comma, every comma-separated item starting with `prefix` ("sha256=") is a candidate (prefix
// removed); otherwise `header` itself, with `prefix` removed when present. Matches when any
// candidate equals the lowercase hex digest (constant time). Errors: empty secret (kOther),
// no match (kSignature).
RuleResult CheckPayloadHmac(MatchRule::Type type, std::string_view secret, std::string_view body,
                            std::string_view header);

// Whether the address `remote` (an IP, "ip:port" or "[ip]:port") is inside one of the
// whitespace-separated `ranges` (CIDR, or a bare address = that one address).
// kInvalidArgument for an unparsable address or range.
base::Result<bool> IpInRanges(std::string_view remote, std::string_view ranges);

// Parses a Scalr Date header ("Fri 08 Sep 2017 11:24:32 UTC"). nullopt when malformed.
std::optional<base::TimePoint> ParseScalrDate(std::string_view text);

}  // namespace longhaul::hooks
