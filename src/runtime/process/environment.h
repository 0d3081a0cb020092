// The environment of a command: the server's own, then the function's `environment`, then
// LONGHAUL_* variables describing the job and its request.
// Thread-safety: pure functions, except CurrentEnvironment() which reads `environ` (call it while
// no thread changes the environment, e.g. at startup).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/runtime.h"

namespace longhaul::runtime::process {

// "X-GitHub-Event" -> "X_GITHUB_EVENT": ASCII letters uppercased, every other byte that is not
// a letter or digit becomes '_'.
std::string EnvName(std::string_view name);

// Splits a raw query string into decoded (name, value) pairs, in order: '+' is a space, %XX is
// decoded, a malformed escape is kept as it is, and a part without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> DecodeQuery(std::string_view query);

// A copy of this process's environment as "NAME=value" entries.
std::vector<std::string> CurrentEnvironment();

// `environment` ("NAME=value" entries, as CurrentEnvironment() returns them) as BuildEnvironment
// takes it: entries without a name are dropped and each name appears once (the last of
// duplicates wins). Done once, not per attempt.
std::vector<std::string> InheritableEnvironment(std::vector<std::string> environment);

// `environment` without the entries whose value is one of `config`'s secrets
// (config::Config::IsSecret): `secret: ${GITHUB_SECRET}` must not hand GITHUB_SECRET to every
// function. All of it when `config` is null.
std::vector<std::string> WithoutSecrets(const std::vector<std::string>& environment,
                                        const config::Config* config);

// Returns "NAME=value" entries for one attempt: `base` (from InheritableEnvironment) without
// the config's secrets (WithoutSecrets), then
// `inv.function->environment`, then
//   LONGHAUL_JOB_ID, LONGHAUL_ATTEMPT, LONGHAUL_INTERRUPTED, LONGHAUL_FUNCTION, LONGHAUL_METHOD,
//   LONGHAUL_PATH, LONGHAUL_QUERY (raw), LONGHAUL_REMOTE_ADDR, LONGHAUL_DEADLINE_MS (Unix ms),
//   LONGHAUL_PARAM_<NAME> per path parameter, LONGHAUL_QUERY_<NAME> per query parameter
//   (decoded; none for a value holding a NUL), LONGHAUL_HEADER_<NAME> per request header listed in
//   command.pass_headers (names matched case-insensitively).
// A later entry replaces an earlier one with the same name, except that repeated query
// parameters or headers mapping to one name are joined with ",". Each name appears once.
// Precondition: inv.function is set.
std::vector<std::string> BuildEnvironment(const std::vector<std::string>& base,
                                          const Invocation& inv);

}  // namespace longhaul::runtime::process
