// Reading adnanh/webhook hooks files. A file is a YAML document (JSON is read as YAML, so YAML
// syntax inside a .json file loads, as upstream) whose top level is a list of hooks. As
// upstream: keys match case-insensitively, unknown keys are ignored (reported as warnings),
// unquoted YAML 1.1 booleans in string fields read as "true"/"false".
// Stricter than upstream, so mistakes show at start instead of on a request: an unknown value
// source, match type or `request` name, an invalid regex or CIDR, a hook without `id` or
// `execute-command`, a duplicate id, and a pass-file-to-command variable name that is not a
// plain file name are errors.
// Thread-safety: pure functions (LoadHookFiles reads files). yaml-cpp throws; every exception is
// caught here and becomes a Status with the file and line.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "hooks/hook.h"

namespace longhaul::hooks {

struct ParsedFile {
  std::vector<Hook> hooks;
  std::vector<std::string> warnings;  // "FILE:LINE: unknown key `x` ignored"
};

// Parses one file's text. Errors: kInvalidArgument with one "FILE:LINE: what is wrong" line per
// problem (at most 20), e.g. "hooks.json:12: hook `deploy`: unknown match type `regexp`".
base::Result<ParsedFile> ParseHooks(std::string_view text, const std::string& file_name);

// Renders a hooks file as a Go text/template (`-template`), with the functions
//   getenv "NAME"      the variable's value, "" when unset
//   js VALUE           VALUE escaped for a JavaScript/JSON string (as Go's `js`)
//   cat "PATH"         the file's contents, trailing newline removed; "" when unreadable
//   credential "NAME"  $CREDENTIALS_DIRECTORY/NAME as `cat`, else getenv NAME
// and string literals, pipelines (`getenv "X" | js`), parenthesised calls, `{{- -}}` trimming
// and `{{/* comments */}}`. Anything else (actions, variables, `.`) is kInvalidArgument naming
// the line.
base::Result<std::string> RenderTemplate(std::string_view text, const std::string& file_name,
                                         const config::EnvLookup& env);

// Whether a response header can be sent as given: `name` is a non-empty HTTP token, `value`
// has no CR, LF or NUL (which would split the response).
bool IsValidResponseHeader(std::string_view name, std::string_view value);

// Is `name` usable as the name of a file in a directory: non-empty, no '/', no NUL, not "." or
// "..", at most 200 bytes.
bool IsPlainFileName(std::string_view name);

// The variable name of a pass-file-to-command value: envname, else "HOOK_" + upper-cased name.
std::string FileEnvName(const ValueRef& ref);
// The variable name of a pass-environment-to-command value: envname, else "HOOK_" + name.
std::string EnvVarName(const ValueRef& ref);

struct LoadOptions {
  bool as_template = false;  // -template
  config::EnvLookup env;     // for getenv; may be empty (all unset)
  // A file that cannot be read is a warning and is skipped, as webhook does at its start (it
  // stops only when no hook loads); else an error.
  bool skip_unreadable = false;
};

struct LoadedHooks {
  std::shared_ptr<const HookSet> hooks;
  std::vector<std::string> warnings;
};

// Reads, renders (LoadOptions::as_template) and parses one file. Errors: kNotFound naming an
// unreadable file; kInvalidArgument for parse errors.
base::Result<ParsedFile> LoadHookFile(const std::string& path, const LoadOptions& options);

// The hooks of several files, in order, as one set. Errors: kInvalidArgument for an id defined
// twice ("b.yaml:3: hook id `deploy` is already defined at a.json:2").
base::Result<std::shared_ptr<const HookSet>> JoinHooks(std::vector<Hook> hooks);

// Reads, renders and parses every file, in order, and joins their hooks. Errors: kNotFound
// naming an unreadable file; kInvalidArgument for parse errors or an id defined twice
// ("b.yaml:3: hook id `deploy` is already defined at a.json:2").
base::Result<LoadedHooks> LoadHookFiles(const std::vector<std::string>& paths,
                                        const LoadOptions& options);

}  // namespace longhaul::hooks
