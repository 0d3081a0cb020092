#include "hooks/hooks_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "base/duration.h"
#include "base/read_file.h"
#include "config/yaml_documents.h"
#include "hooks/rules.h"
#include "hooks/yaml_reader.h"

namespace longhaul::hooks {

HookSet::HookSet(std::vector<Hook> hooks) : hooks_(std::move(hooks)) {
  for (size_t i = 0; i < hooks_.size(); ++i) by_id_.emplace(hooks_[i].id, i);
}

const Hook* HookSet::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &hooks_[it->second];
}

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::optional<ValueRef::Source> SourceFromName(std::string_view s) {
  using S = ValueRef::Source;
  static const std::pair<std::string_view, S> kSources[] = {
      {"header", S::kHeader},
      {"url", S::kQuery},
      {"query", S::kQuery},
      {"payload", S::kPayload},
      {"request", S::kRequest},
      {"string", S::kString},
      {"raw-request-body", S::kRawBody},
      {"entire-payload", S::kEntirePayload},
      {"entire-headers", S::kEntireHeaders},
      {"entire-query", S::kEntireQuery},
  };
  for (const auto& [name, src] : kSources) {
    if (s == name) return src;
  }
  return std::nullopt;
}

std::optional<ValueRef> ParseValueRef(Reader& r, const YAML::Node& n, const std::string& where) {
  ValueRef ref;
  ref.line = LineOf(n);
  std::string source_text;
  bool has_source = false;
  bool ok = r.Map(n, where, [&](const std::string& key, const YAML::Node& v, int line) {
    if (key == "source") {
      if (auto s = r.String(v, where + ".source")) {
        source_text = *s;
        has_source = true;
      }
    } else if (key == "name") {
      if (auto s = r.String(v, where + ".name")) ref.name = *s;
    } else if (key == "envname") {
      if (auto s = r.String(v, where + ".envname")) ref.envname = *s;
    } else if (key == "base64decode") {
      if (auto b = r.Bool(v, where + ".base64decode")) ref.base64decode = *b;
    } else {
      r.Warn(line, where + ": unknown key `" + key + "` ignored");
    }
  });
  if (!ok) return std::nullopt;
  if (!has_source) {
    r.Error(ref.line, where + ": `source` is required");
    return std::nullopt;
  }
  auto source = SourceFromName(source_text);
  if (!source) {
    r.Error(ref.line, where + ": unknown source `" + source_text +
                          "` (header, url, query, payload, request, string, raw-request-body, "
                          "entire-payload, entire-headers, entire-query)");
    return std::nullopt;
  }
  ref.source = *source;
  switch (ref.source) {
    case ValueRef::Source::kHeader:
    case ValueRef::Source::kQuery:
    case ValueRef::Source::kPayload:
      if (ref.name.empty()) {
        r.Error(ref.line, where + ": source `" + source_text + "` needs a `name`");
        return std::nullopt;
      }
      break;
    case ValueRef::Source::kRequest: {
      std::string lname = Lower(ref.name);
      if (lname != "method" && lname != "remote-addr") {
        r.Error(ref.line, where + ": source `request` takes name `method` or `remote-addr`, not `" +
                              ref.name + "`");
        return std::nullopt;
      }
      break;
    }
    default:
      break;
  }
  return ref;
}

std::vector<ValueRef> ParseValueRefs(Reader& r, const YAML::Node& n, const std::string& where) {
  std::vector<ValueRef> out;
  r.List(n, where, [&](const YAML::Node& item, size_t i) {
    if (auto ref = ParseValueRef(r, item, where + "[" + std::to_string(i) + "]")) {
      out.push_back(std::move(*ref));
    }
  });
  return out;
}

std::optional<MatchRule::Type> MatchTypeFromName(std::string_view s, bool& deprecated) {
  using T = MatchRule::Type;
  deprecated = false;
  if (s == "value") return T::kValue;
  if (s == "regex") return T::kRegex;
  if (s == "payload-hmac-sha1") return T::kHmacSha1;
  if (s == "payload-hmac-sha256") return T::kHmacSha256;
  if (s == "payload-hmac-sha512") return T::kHmacSha512;
  deprecated = true;
  if (s == "payload-hash-sha1") return T::kHmacSha1;
  if (s == "payload-hash-sha256") return T::kHmacSha256;
  if (s == "payload-hash-sha512") return T::kHmacSha512;
  deprecated = false;
  if (s == "ip-whitelist") return T::kIpWhitelist;
  if (s == "scalr-signature") return T::kScalrSignature;
  return std::nullopt;
}

std::optional<MatchRule> ParseMatch(Reader& r, const YAML::Node& n, const std::string& where) {
  MatchRule m;
  m.line = LineOf(n);
  std::string type_text;
  bool has_parameter = false;
  bool ok = r.Map(n, where, [&](const std::string& key, const YAML::Node& v, int line) {
    if (key == "type") {
      if (auto s = r.String(v, where + ".type")) type_text = *s;
    } else if (key == "regex") {
      if (auto s = r.String(v, where + ".regex")) m.regex_text = *s;
    } else if (key == "secret") {
      if (auto s = r.String(v, where + ".secret")) m.secret = *s;
    } else if (key == "value") {
      if (auto s = r.String(v, where + ".value")) m.value = *s;
    } else if (key == "ip-range") {
      if (auto s = r.String(v, where + ".ip-range")) m.ip_range = *s;
    } else if (key == "parameter") {
      if (v && !v.IsNull()) {
        if (auto ref = ParseValueRef(r, v, where + ".parameter")) {
          m.parameter = std::move(*ref);
          has_parameter = true;
        }
      }
    } else {
      r.Warn(line, where + ": unknown key `" + key + "` ignored");
    }
  });
  if (!ok) return std::nullopt;
  bool deprecated = false;
  auto type = MatchTypeFromName(type_text, deprecated);
  if (!type) {
    r.Error(m.line, where + ": unknown match type `" + type_text +
                        "` (value, regex, payload-hmac-sha1, payload-hmac-sha256, "
                        "payload-hmac-sha512, ip-whitelist, scalr-signature)");
    return std::nullopt;
  }
  m.type = *type;
  if (deprecated) {
    r.Warn(m.line, where + ": match type `" + type_text + "` is deprecated; use payload-hmac-" +
                       type_text.substr(type_text.rfind('-') + 1));
  }
  bool needs_parameter =
      m.type != MatchRule::Type::kIpWhitelist && m.type != MatchRule::Type::kScalrSignature;
  if (needs_parameter && !has_parameter) {
    r.Error(m.line, where + ": match type `" + type_text + "` needs a `parameter`");
    return std::nullopt;
  }
  switch (m.type) {
    case MatchRule::Type::kRegex: {
      auto re = Regex::Compile(m.regex_text);
      if (!re.ok()) {
        r.Error(m.line, where + ": regex `" + m.regex_text + "`: " + re.status().message());
        return std::nullopt;
      }
      m.regex = *re;
      break;
    }
    case MatchRule::Type::kHmacSha1:
    case MatchRule::Type::kHmacSha256:
    case MatchRule::Type::kHmacSha512:
    case MatchRule::Type::kScalrSignature:
      if (m.secret.empty()) {
        r.Error(m.line, where + ": `secret` is empty (with -template: is the variable set?)");
        return std::nullopt;
      }
      break;
    case MatchRule::Type::kIpWhitelist: {
      if (Trim(m.ip_range).empty()) {
        r.Error(m.line, where + ": `ip-range` is empty");
        return std::nullopt;
      }
      auto check = IpInRanges("127.0.0.1", m.ip_range);
      if (!check.ok()) {
        r.Error(m.line, where + ": " + check.status().message());
        return std::nullopt;
      }
      break;
    }
    default:
      break;
  }
  return m;
}

constexpr int kMaxRuleDepth = 32;

std::optional<Rule> ParseRule(Reader& r, const YAML::Node& n, const std::string& where, int depth) {
  Rule rule;
  rule.line = LineOf(n);
  if (depth > kMaxRuleDepth) {
    r.Error(rule.line, where + ": rules nested deeper than " + std::to_string(kMaxRuleDepth));
    return std::nullopt;
  }
  // Upstream decodes all four and uses the first of and, or, not, match that is set.
  std::map<std::string, YAML::Node> parts;
  bool ok = r.Map(n, where, [&](const std::string& key, const YAML::Node& v, int line) {
    if (key == "and" || key == "or" || key == "not" || key == "match") {
      if (v && !v.IsNull()) parts[key] = v;
    } else {
      r.Warn(line, where + ": unknown key `" + key + "` ignored");
    }
  });
  if (!ok) return std::nullopt;
  if (parts.size() > 1) {
    r.Warn(rule.line, where + ": a rule should have one of and/or/not/match; the first of " +
                          "and, or, not, match is used");
  }
  for (const char* key : {"and", "or"}) {
    auto it = parts.find(key);
    if (it == parts.end()) continue;
    rule.kind = std::string_view(key) == "and" ? Rule::Kind::kAnd : Rule::Kind::kOr;
    std::string sub = where + "." + key;
    bool good = true;
    r.List(it->second, sub, [&](const YAML::Node& item, size_t i) {
      auto child = ParseRule(r, item, sub + "[" + std::to_string(i) + "]", depth + 1);
      if (child) {
        rule.children.push_back(std::move(*child));
      } else {
        good = false;
      }
    });
    if (!good || r.failed()) return std::nullopt;
    return rule;
  }
  if (auto it = parts.find("not"); it != parts.end()) {
    rule.kind = Rule::Kind::kNot;
    auto child = ParseRule(r, it->second, where + ".not", depth + 1);
    if (!child) return std::nullopt;
    rule.children.push_back(std::move(*child));
    return rule;
  }
  if (auto it = parts.find("match"); it != parts.end()) {
    rule.kind = Rule::Kind::kMatch;
    auto m = ParseMatch(r, it->second, where + ".match");
    if (!m) return std::nullopt;
    rule.match = std::move(*m);
    return rule;
  }
  rule.kind = Rule::Kind::kEmpty;
  return rule;
}

void ParseHook(Reader& r, const YAML::Node& n, size_t index, std::vector<Hook>& out) {
  Hook h;
  h.file = r.file();
  h.line = LineOf(n);
  std::string where = "hook " + std::to_string(index + 1);
  // Find the id first so every message can name the hook.
  if (n.IsMap()) {
    for (const auto& kv : n) {
      if (kv.first.IsScalar() && Lower(kv.first.Scalar()) == "id" && kv.second.IsScalar()) {
        where = "hook `" + kv.second.Scalar() + "`";
      }
    }
  }
  bool ok = r.Map(n, where, [&](const std::string& key, const YAML::Node& v, int line) {
    auto str = [&](std::string& field) {
      if (auto s = r.String(v, where + ": " + key)) field = *s;
    };
    auto flag = [&](bool& field) {
      if (auto b = r.Bool(v, where + ": " + key)) field = *b;
    };
    if (key == "id") {
      str(h.id);
    } else if (key == "execute-command") {
      str(h.execute_command);
    } else if (key == "command-working-directory") {
      str(h.working_dir);
    } else if (key == "response-message") {
      str(h.response_message);
    } else if (key == "incoming-payload-content-type") {
      str(h.content_type);
    } else if (key == "response-headers") {
      r.List(v, where + ": response-headers", [&](const YAML::Node& item, size_t) {
        std::string name, value;
        r.Map(item, where + ": response-headers",
              [&](const std::string& k, const YAML::Node& hv, int kline) {
                if (k == "name") {
                  if (auto s = r.String(hv, where + ": response-headers.name")) name = *s;
                } else if (k == "value") {
                  if (auto s = r.String(hv, where + ": response-headers.value")) value = *s;
                } else {
                  r.Warn(kline, where + ": response-headers: unknown key `" + k + "` ignored");
                }
              });
        if (name.empty()) {
          r.Error(LineOf(item), where + ": response-headers: each needs a `name`");
        } else if (!IsValidResponseHeader(name, value)) {
          r.Error(LineOf(item), where + ": response-headers: `" + name +
                                    "` is not a valid header name, or its value has a line break");
        } else {
          h.response_headers.emplace_back(name, value);
        }
      });
    } else if (key == "success-http-response-code" ||
               key == "trigger-rule-mismatch-http-response-code") {
      if (auto code = r.Int(v, where + ": " + key, 0, 999)) {
        (key[0] == 's' ? h.success_code : h.mismatch_code) = static_cast<int>(*code);
      }
    } else if (key == "http-methods") {
      r.List(v, where + ": http-methods", [&](const YAML::Node& item, size_t) {
        if (auto s = r.String(item, where + ": http-methods")) {
          std::string m = Upper(Trim(*s));
          if (!m.empty()) h.http_methods.push_back(m);
        }
      });
    } else if (key == "include-command-output-in-response") {
      flag(h.capture_output);
    } else if (key == "include-command-output-in-response-on-error") {
      flag(h.capture_output_on_error);
    } else if (key == "trigger-signature-soft-failures") {
      flag(h.soft_signature_failures);
    } else if (key == "parse-parameters-as-json") {
      h.json_parameters = ParseValueRefs(r, v, where + ": " + key);
    } else if (key == "pass-arguments-to-command") {
      h.arguments = ParseValueRefs(r, v, where + ": " + key);
    } else if (key == "pass-environment-to-command") {
      h.environment = ParseValueRefs(r, v, where + ": " + key);
    } else if (key == "pass-file-to-command") {
      h.files = ParseValueRefs(r, v, where + ": " + key);
      for (const ValueRef& f : h.files) {
        std::string env = FileEnvName(f);
        if (!IsPlainFileName(env)) {
          r.Error(f.line, where + ": pass-file-to-command: variable name `" + env +
                              "` is also the temp file's name and must be a plain file name "
                              "(no '/', not '.' or '..')");
        }
      }
    } else if (key == "trigger-rule") {
      if (v && !v.IsNull()) {
        if (auto rule = ParseRule(r, v, where + ": trigger-rule", 0)) {
          h.trigger_rule = std::move(*rule);
        }
      }
    } else if (key == "max-concurrency") {
      if (!v || v.IsNull()) return;
      if (auto c = r.Int(v, where + ": max-concurrency", 1, 100000)) {
        h.max_concurrency = static_cast<int>(*c);
      }
    } else if (key == "retries") {
      if (auto c = r.Int(v, where + ": retries", 0, 1000)) h.retries = static_cast<int>(*c);
    } else if (key == "timeout") {
      if (!v || v.IsNull()) return;
      if (!v.IsScalar()) {
        r.Error(LineOf(v), where + ": timeout: must be a duration such as 30s, 15m, 2h");
        return;
      }
      auto d = base::ParseDuration(v.Scalar(), std::chrono::seconds(1));
      if (!d.ok() || d->count() <= 0) {
        r.Error(LineOf(v), where + ": timeout: must be a duration such as 30s, 15m, 2h" +
                               (d.ok() ? std::string() : " (" + d.status().message() + ")"));
        return;
      }
      h.timeout = *d;
    } else {
      r.Warn(line, where + ": unknown key `" + key + "` ignored");
    }
  });
  if (!ok) return;
  if (h.id.empty()) {
    r.Error(h.line, where + ": `id` is required");
    return;
  }
  if (h.execute_command.empty()) {
    r.Error(h.line, where + ": `execute-command` is required");
    return;
  }
  if (h.capture_output_on_error && !h.capture_output) {
    r.Warn(h.line, where +
                       ": include-command-output-in-response-on-error has no effect without "
                       "include-command-output-in-response");
  }
  out.push_back(std::move(h));
}

// Reads the list of hooks at the top of a file into *hooks; problems go to `r`.
void ParseHookList(Reader& r, YAML::Node root, std::vector<Hook>& hooks) {
  if (!root.IsSequence()) {
    r.Error(LineOf(root), "expected a list of hooks at the top level");
    return;
  }
  ApplyMergeKeys(root, r);
  if (r.failed()) return;
  size_t i = 0;
  std::map<std::string, int> seen;
  for (const YAML::Node& item : root) {
    size_t before = hooks.size();
    ParseHook(r, item, i++, hooks);
    if (hooks.size() > before) {
      const Hook& h = hooks.back();
      auto [it, inserted] = seen.emplace(h.id, h.line);
      if (!inserted) {
        r.Error(h.line,
                "hook id `" + h.id + "` is already defined at line " + std::to_string(it->second));
      }
    }
  }
}

}  // namespace

bool IsValidResponseHeader(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    bool token = std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name.size() <= 200 && name != "." && name != ".." &&
         name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::string FileEnvName(const ValueRef& ref) {
  return ref.envname.empty() ? "HOOK_" + Upper(ref.name) : ref.envname;
}

std::string EnvVarName(const ValueRef& ref) {
  return ref.envname.empty() ? "HOOK_" + ref.name : ref.envname;
}

base::Result<ParsedFile> ParseHooks(std::string_view text, const std::string& file_name) {
  Reader r(file_name);
  ParsedFile out;
  try {
    // What follows the first document (a second list, a stray value) is refused, not ignored.
    std::string whole(text);
    config::DocumentScan scan = config::ScanDocuments(whole);
    if (scan.stuck_line != 0) {
      r.Error(scan.stuck_line, "invalid YAML: unexpected text where a document should begin");
      return r.ToStatus();
    }
    YAML::Node root = YAML::Load(whole);
    if ((!root || root.IsNull()) && scan.second_document_line != 0) {
      r.Error(scan.second_document_line,
              "the hooks are in a second YAML document ('---'), after an empty first one; a "
              "hooks file holds exactly one");
      return r.ToStatus();
    }
    if (!root || root.IsNull()) {
      // As webhook: no hooks from it (a placeholder among several -hooks files), said.
      r.Warn(1, "the file is empty: no hooks from it");
      out.warnings = r.TakeWarnings();
      return out;
    }
    ParseHookList(r, root, out.hooks);
    if (scan.second_document_line != 0) {
      r.Error(scan.second_document_line,
              "a second YAML document (after '---', or a second value after the list); a hooks "
              "file holds exactly one list of hooks");
    }
  } catch (const YAML::Exception& e) {
    r.Error(config::YamlErrorLine(e), config::YamlSyntaxError(text, e));
  }
  if (r.failed()) return r.ToStatus();
  out.warnings = r.TakeWarnings();
  return out;
}

base::Result<ParsedFile> LoadHookFile(const std::string& path, const LoadOptions& options) {
  base::Result<std::string> read = base::ReadWholeFile(path);
  if (!read.ok()) {
    // "… does not exist", "… cannot open: Permission denied", "… cannot read: Is a directory"
    return base::NotFound("cannot read hooks file " + path + ": it " + read.status().message());
  }
  std::string text = std::move(*read);
  if (options.as_template) {
    auto rendered = RenderTemplate(text, path, options.env);
    if (!rendered.ok()) return rendered.status();
    text = std::move(*rendered);
  }
  return ParseHooks(text, path);
}

base::Result<std::shared_ptr<const HookSet>> JoinHooks(std::vector<Hook> hooks) {
  std::map<std::string, std::string> where;  // id -> "file:line"
  for (const Hook& h : hooks) {
    std::string here = h.file + ":" + std::to_string(h.line);
    auto [it, inserted] = where.emplace(h.id, here);
    if (!inserted) {
      return base::InvalidArgument(here + ": hook id `" + h.id + "` is already defined at " +
                                   it->second);
    }
  }
  return std::make_shared<const HookSet>(std::move(hooks));
}

base::Result<LoadedHooks> LoadHookFiles(const std::vector<std::string>& paths,
                                        const LoadOptions& options) {
  std::vector<Hook> all;
  LoadedHooks loaded;
  for (const std::string& path : paths) {
    base::Result<ParsedFile> parsed = LoadHookFile(path, options);
    if (!parsed.ok() && parsed.status().code() == base::Code::kNotFound &&
        options.skip_unreadable) {
      loaded.warnings.push_back(parsed.status().message() + "; skipped");
      continue;
    }
    if (!parsed.ok()) return parsed.status();
    for (Hook& h : parsed->hooks) all.push_back(std::move(h));
    for (std::string& w : parsed->warnings) loaded.warnings.push_back(std::move(w));
  }
  auto joined = JoinHooks(std::move(all));
  if (!joined.ok()) return joined.status();
  loaded.hooks = std::move(*joined);
  return loaded;
}

}  // namespace longhaul::hooks
