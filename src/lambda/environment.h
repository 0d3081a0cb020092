// How a `runtime: lambda` function's runtime process is started: its argv and its environment,
// as Lambda sets them (/work/shared/reference/lambda-contract.md §4), and the function's ARN.
// Thread-safety: pure functions, except that a relative working_dir is resolved against the
// server's current directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/function_key.h"

namespace longhaul::lambda {

inline constexpr std::string_view kDefaultRegion = "us-east-1";
inline constexpr std::string_view kAccountId = "000000000000";
inline constexpr std::string_view kVersion = "$LATEST";

// Placeholder credentials: SDKs insist on having some; longhaul does not check them.
inline constexpr std::string_view kAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kSecretAccessKey = "wJalrXUtnr/K7MDENG/bPxRfiCYEXAMPLEKEY";
inline constexpr std::string_view kSessionToken = "longhaul-local-session-token";

// `bootstrap` model: [bootstrap]. `command` model: command + [handler].
std::vector<std::string> RuntimeArgv(const config::LambdaRuntime& lambda);

// The region the function runs in: its environment's AWS_REGION, else kDefaultRegion.
std::string FunctionRegion(const config::Function& fn);

// "arn:aws:lambda:<region>:000000000000:function:<name>".
std::string FunctionArn(const config::Function& fn);

// The absolute directory the process runs in (LAMBDA_TASK_ROOT): function.working_dir, else
// the server's current directory.
std::string TaskRoot(const config::Function& fn);

struct EnvironmentInputs {
  std::vector<std::string> base;  // the server's environment, "NAME=value"
  std::string runtime_api;        // "127.0.0.1:PORT" of this process's Runtime API
  std::string endpoint_url;       // AWS_ENDPOINT_URL_LAMBDA, e.g. http://127.0.0.1:8081
  std::string log_stream;         // AWS_LAMBDA_LOG_STREAM_NAME of this process
  // The Invoke API's key for functions (config/function_key.h); nullopt: placeholders.
  std::optional<config::AccessKey> access_key;
};

// The names of `base`'s entries that `inherited` (`base` filtered, its order kept) leaves out,
// each ended by '\0': for ProcessKey.
std::string WithheldNames(const std::vector<std::string>& base,
                          const std::vector<std::string>& inherited);

// What a process is started from (its argv, environment, directory, endpoint and key, and the
// names of the server's variables withheld from it as secrets): an idle process from another
// configuration is not reused.
std::string ProcessKey(const config::Function& fn, const std::string& endpoint_url,
                       const std::optional<config::AccessKey>& access_key,
                       std::string_view withheld);

// Returns the process's whole environment as "NAME=value" entries, each name once:
// 1. the server's environment without AWS_*, _X_AMZN_* and LAMBDA_* variables;
// 2. defaults the function's environment may override: AWS_REGION and AWS_DEFAULT_REGION
//    (us-east-1), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (`access_key`, else
//    placeholders), AWS_SESSION_TOKEN (a placeholder; not with `access_key`),
//    AWS_ENDPOINT_URL_LAMBDA (`endpoint_url`, when set), TZ=:UTC;
// 3. function.environment (AWS_REGION there also sets AWS_DEFAULT_REGION unless given too);
// 4. the reserved ones, which it cannot: AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION
//    ($LATEST), AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME (/aws/lambda/NAME),
//    AWS_LAMBDA_LOG_STREAM_NAME, AWS_LAMBDA_INITIALIZATION_TYPE (on-demand),
//    AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR (the directory of
//    the bootstrap or of command[0] when it has a '/', else the task root).
std::vector<std::string> BuildEnvironment(const config::Function& fn,
                                          const EnvironmentInputs& inputs);

// Whether `name` is one of the reserved variables of step 4 above: a function's `environment`
// cannot set it (as in Lambda, which refuses such a key; here `check` and the log warn).
bool IsReservedVariable(std::string_view name);

// A process's log stream name as Lambda makes them: "2024/05/01/[$LATEST]" and 32 hex digits
// (from `a` and `b`, random), the date (UTC) of `unix_ms`.
std::string LogStreamName(int64_t unix_ms, uint64_t a, uint64_t b);

}  // namespace longhaul::lambda
