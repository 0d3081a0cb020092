#include "lambda/environment.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <system_error>

namespace longhaul::lambda {
namespace fs = std::filesystem;

namespace {

bool Inherited(std::string_view name) {
  for (std::string_view prefix : {"AWS_", "_X_AMZN_", "LAMBDA_"}) {
    if (name.substr(0, prefix.size()) == prefix) {
      return false;
    }
  }
  return name != "_HANDLER";
}

std::string Absolute(const std::string& path, const std::string& base) {
  fs::path p(path);
  if (p.is_relative()) {
    p = fs::path(base) / p;
  }
  return p.lexically_normal().string();
}

std::string CurrentDir() {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  return ec ? std::string("/") : cwd.string();
}

}  // namespace

std::vector<std::string> RuntimeArgv(const config::LambdaRuntime& lambda) {
  if (!lambda.bootstrap.empty()) {
    return {lambda.bootstrap};
  }
  std::vector<std::string> argv = lambda.command;
  argv.push_back(lambda.handler);
  return argv;
}

std::string FunctionRegion(const config::Function& fn) {
  auto it = fn.environment.find("AWS_REGION");
  if (it != fn.environment.end() && !it->second.empty()) {
    return it->second;
  }
  return std::string(kDefaultRegion);
}

std::string FunctionArn(const config::Function& fn) {
  return "arn:aws:lambda:" + FunctionRegion(fn) + ":" + std::string(kAccountId) +
         ":function:" + fn.name;
}

std::string TaskRoot(const config::Function& fn) {
  std::string cwd = CurrentDir();
  if (fn.working_dir.empty()) {
    return cwd;
  }
  return Absolute(fn.working_dir, cwd);
}

std::vector<std::string> BuildEnvironment(const config::Function& fn,
                                          const EnvironmentInputs& inputs) {
  std::map<std::string, std::string> env;
  for (const std::string& entry : inputs.base) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || !Inherited(std::string_view(entry).substr(0, eq))) {
      continue;
    }
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  std::string region = FunctionRegion(fn);
  env["AWS_REGION"] = region;
  env["AWS_DEFAULT_REGION"] = region;
  if (inputs.access_key) {
    // A session token would be signed along and is not part of this key.
    env["AWS_ACCESS_KEY_ID"] = inputs.access_key->id;
    env["AWS_SECRET_ACCESS_KEY"] = inputs.access_key->secret;
  } else {
    env["AWS_ACCESS_KEY_ID"] = kAccessKeyId;
    env["AWS_SECRET_ACCESS_KEY"] = kSecretAccessKey;
    // Only beside the placeholder key: a key of the function's own `environment` (real
    // credentials for other AWS services) would be sent with a token that is not its own.
    if (!fn.environment.contains("AWS_ACCESS_KEY_ID")) env["AWS_SESSION_TOKEN"] = kSessionToken;
  }
  if (!inputs.endpoint_url.empty()) {
    env["AWS_ENDPOINT_URL_LAMBDA"] = inputs.endpoint_url;
  }
  env["TZ"] = ":UTC";
  for (const auto& [name, value] : fn.environment) {
    env[name] = value;
  }

  const config::LambdaRuntime& lambda = fn.lambda;
  std::string task_root = TaskRoot(fn);
  std::string program = RuntimeArgv(lambda).front();
  std::string runtime_dir = task_root;
  if (program.find('/') != std::string::npos) {
    runtime_dir = fs::path(Absolute(program, task_root)).parent_path().string();
  }
  env["AWS_LAMBDA_FUNCTION_NAME"] = fn.name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = kVersion;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(lambda.memory_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + fn.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = inputs.log_stream;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_RUNTIME_API"] = inputs.runtime_api;
  env["_HANDLER"] = lambda.handler;
  env["LAMBDA_TASK_ROOT"] = task_root;
  env["LAMBDA_RUNTIME_DIR"] = runtime_dir;

  std::vector<std::string> out;
  out.reserve(env.size());
  for (auto& [name, value] : env) {
    out.push_back(name + "=" + value);
  }
  return out;
}

bool IsReservedVariable(std::string_view name) {
  static constexpr std::string_view kReserved[] = {"AWS_LAMBDA_FUNCTION_NAME",
                                                   "AWS_LAMBDA_FUNCTION_VERSION",
                                                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                   "AWS_LAMBDA_LOG_GROUP_NAME",
                                                   "AWS_LAMBDA_LOG_STREAM_NAME",
                                                   "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                   "AWS_LAMBDA_RUNTIME_API",
                                                   "_HANDLER",
                                                   "LAMBDA_TASK_ROOT",
                                                   "LAMBDA_RUNTIME_DIR"};
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

std::string LogStreamName(int64_t unix_ms, uint64_t a, uint64_t b) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
  char hex[40];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return std::string(date) + "/[" + std::string(kVersion) + "]" + hex;
}

std::string WithheldNames(const std::vector<std::string>& base,
                          const std::vector<std::string>& inherited) {
  std::string names;
  auto kept = inherited.begin();
  for (const std::string& entry : base) {
    if (kept != inherited.end() && *kept == entry) {
      ++kept;
    } else {
      names += entry.substr(0, entry.find('=')) + '\0';
    }
  }
  return names;
}

std::string ProcessKey(const config::Function& fn, const std::string& endpoint_url,
                       const std::optional<config::AccessKey>& access_key,
                       std::string_view withheld) {
  std::string key;
  auto add = [&key](std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  };
  for (const std::string& arg : RuntimeArgv(fn.lambda)) {
    add(arg);
  }
  add("|");
  for (const auto& [name, value] : fn.environment) {
    add(name);
    add(value);
  }
  add("|");
  add(fn.working_dir);
  add(fn.lambda.handler);
  add(std::to_string(fn.lambda.memory_mb));
  add(endpoint_url);
  add(access_key ? access_key->id : "");
  add(withheld);
  return key;
}

}  // namespace longhaul::lambda
