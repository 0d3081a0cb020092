// The hooks of an adnanh/webhook hooks file (docs/Hook-Definition.md upstream), as
// `longhaul webhook` loads them: what a request must satisfy (trigger rules), what the caller
// gets back, and how the command is run. Built by hooks_file.h, read by everything else here.
// Thread-safety: plain values; immutable once loaded and shared as shared_ptr<const HookSet>.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"

namespace longhaul::hooks {

class Regex;  // rules.h

// Where a value comes from in a request (upstream "Argument"): {source, name, envname,
// base64decode}.
struct ValueRef {
  enum class Source {
    kHeader,         // first value of header `name` (case-insensitive)
    kQuery,          // `url` or `query`: first value of query parameter `name`
    kPayload,        // key or dot path `name` into the parsed body
    kRequest,        // `name` is "method" or "remote-addr"
    kString,         // the constant `name`
    kRawBody,        // `raw-request-body`: the body as received ("" for multipart)
    kEntirePayload,  // the parsed body as JSON
    kEntireHeaders,  // {canonical header name: first value} as JSON
    kEntireQuery,    // {query name: first value} as JSON
  };
  Source source = Source::kString;
  std::string name;
  std::string envname;        // pass-environment/-file: the variable's name; "" = default
  bool base64decode = false;  // pass-file-to-command: decode the value before writing it
  int line = 0;
};

// One `match` rule.
struct MatchRule {
  enum class Type {
    kValue,           // parameter == value (constant time)
    kRegex,           // parameter matches regex anywhere (unanchored)
    kHmacSha1,        // parameter holds hex HMAC-SHA1(secret, raw body), optionally "sha1=..."
    kHmacSha256,      // ... "sha256=..."
    kHmacSha512,      // ... "sha512=..."
    kIpWhitelist,     // the peer address is inside one of ip_range's CIDRs
    kScalrSignature,  // X-Signature = hex HMAC-SHA1(secret, body + Date), Date within 300 s
  };
  Type type = Type::kValue;
  std::string value;
  std::string regex_text;
  std::shared_ptr<const Regex> regex;  // compiled at load
  std::string secret;
  std::string ip_range;  // whitespace-separated CIDRs or addresses
  ValueRef parameter;
  int line = 0;
};

// A trigger rule: exactly one of and / or / not / match; an object with none is false.
struct Rule {
  enum class Kind { kEmpty, kAnd, kOr, kNot, kMatch };
  Kind kind = Kind::kEmpty;
  std::vector<Rule> children;  // and, or: any number; not: exactly one
  MatchRule match;
  int line = 0;
};

struct Hook {
  std::string id;    // the path after the URL prefix; may contain '/'
  std::string file;  // where it was defined, for messages
  int line = 0;

  std::string execute_command;   // no shell; looked up in PATH, then in working_dir
  std::string working_dir;       // command-working-directory; "" = the server's
  std::string response_message;  // body of the immediate answer
  std::vector<std::pair<std::string, std::string>> response_headers;  // on trigger only
  int success_code = 0;                   // success-http-response-code; 0 = 200
  int mismatch_code = 0;                  // trigger-rule-mismatch-http-response-code; 0 = 200
  std::string content_type;               // incoming-payload-content-type; "" = the request's
  std::vector<std::string> http_methods;  // upper-cased; empty = the server's list, else any
  bool capture_output = false;            // include-command-output-in-response
  bool capture_output_on_error = false;   // include-command-output-in-response-on-error
  bool soft_signature_failures = false;   // trigger-signature-soft-failures
  std::vector<ValueRef> json_parameters;  // parse-parameters-as-json
  std::vector<ValueRef> arguments;        // pass-arguments-to-command
  std::vector<ValueRef> environment;      // pass-environment-to-command
  std::vector<ValueRef> files;            // pass-file-to-command
  std::optional<Rule> trigger_rule;       // none: always triggers

  // longhaul extensions (webhook ignores unknown keys, so a file using them still loads there).
  int max_concurrency = 4;                         // max-concurrency: parallel runs of this hook
  base::Duration timeout = std::chrono::hours(1);  // timeout: per run; SIGTERM, then SIGKILL
  int retries = 0;                                 // retries: extra runs after a failed one
};

// The hooks of all files, in file order, with unique ids.
class HookSet {
 public:
  HookSet() = default;
  explicit HookSet(std::vector<Hook> hooks);

  // The hook with this id, or nullptr. Valid as long as the HookSet.
  const Hook* Find(const std::string& id) const;
  const std::vector<Hook>& hooks() const { return hooks_; }

 private:
  std::vector<Hook> hooks_;
  std::map<std::string, size_t, std::less<>> by_id_;
};

}  // namespace longhaul::hooks
