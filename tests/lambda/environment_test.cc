#include "lambda/environment.h"

#include <gtest/gtest.h>

#include <map>

namespace longhaul::lambda {
namespace {

std::map<std::string, std::string> AsMap(const std::vector<std::string>& env) {
  std::map<std::string, std::string> out;
  for (const std::string& e : env) {
    size_t eq = e.find('=');
    EXPECT_NE(eq, std::string::npos) << e;
    EXPECT_TRUE(out.emplace(e.substr(0, eq), e.substr(eq + 1)).second) << "twice: " << e;
  }
  return out;
}

config::Function BootstrapFunction() {
  config::Function fn;
  fn.name = "echo";
  fn.kind = config::RuntimeKind::kLambda;
  fn.lambda.bootstrap = "/opt/fn/bin/bootstrap";
  fn.lambda.memory_mb = 256;
  fn.working_dir = "/srv/echo";
  return fn;
}

EnvironmentInputs Inputs() {
  EnvironmentInputs in;
  in.base = {"PATH=/usr/bin:/bin",      "HOME=/root",
             "AWS_PROFILE=prod",        "AWS_SECRET_ACCESS_KEY=real",
             "LAMBDA_TASK_ROOT=/wrong", "_HANDLER=wrong",
             "_X_AMZN_TRACE_ID=x",      "broken"};
  in.runtime_api = "127.0.0.1:40123";
  in.endpoint_url = "http://127.0.0.1:8081";
  in.log_stream = "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef";
  return in;
}

TEST(LambdaEnvironment, HasWhatLambdaSets) {
  auto env = AsMap(BuildEnvironment(BootstrapFunction(), Inputs()));
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "echo");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/echo");
  EXPECT_EQ(env["AWS_LAMBDA_LOG_STREAM_NAME"],
            "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef");
  EXPECT_EQ(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
  EXPECT_EQ(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:40123");
  EXPECT_EQ(env["AWS_REGION"], "us-east-1");
  EXPECT_EQ(env["AWS_DEFAULT_REGION"], "us-east-1");
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"], kAccessKeyId);
  EXPECT_EQ(env["AWS_SECRET_ACCESS_KEY"], kSecretAccessKey);
  EXPECT_EQ(env["AWS_SESSION_TOKEN"], kSessionToken);
  EXPECT_EQ(env["AWS_ENDPOINT_URL_LAMBDA"], "http://127.0.0.1:8081");
  EXPECT_EQ(env["TZ"], ":UTC");
  EXPECT_EQ(env["_HANDLER"], "");
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], "/srv/echo");
  EXPECT_EQ(env["LAMBDA_RUNTIME_DIR"], "/opt/fn/bin");
}

// The function's own credentials (for other AWS services) go without the placeholder session
// token, which would be signed along with them.
TEST(LambdaEnvironment, OwnCredentialsGetNoPlaceholderSessionToken) {
  config::Function fn = BootstrapFunction();
  fn.environment = {{"AWS_ACCESS_KEY_ID", "AKIAOWN"}, {"AWS_SECRET_ACCESS_KEY", "own-secret"}};
  auto env = AsMap(BuildEnvironment(fn, Inputs()));
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"], "AKIAOWN");
  EXPECT_EQ(env["AWS_SECRET_ACCESS_KEY"], "own-secret");
  EXPECT_EQ(env.count("AWS_SESSION_TOKEN"), 0u);
  fn.environment["AWS_SESSION_TOKEN"] = "own-token";
  EXPECT_EQ(AsMap(BuildEnvironment(fn, Inputs()))["AWS_SESSION_TOKEN"], "own-token");
}

TEST(LambdaEnvironment, InheritsTheServersEnvironmentWithoutAwsVariables) {
  auto env = AsMap(BuildEnvironment(BootstrapFunction(), Inputs()));
  EXPECT_EQ(env["PATH"], "/usr/bin:/bin");
  EXPECT_EQ(env["HOME"], "/root");
  EXPECT_EQ(env.count("AWS_PROFILE"), 0u);
  EXPECT_EQ(env.count("_X_AMZN_TRACE_ID"), 0u);
  EXPECT_EQ(env.count("broken"), 0u);
}

TEST(LambdaEnvironment, FunctionEnvironmentOverridesDefaultsButNotReservedNames) {
  config::Function fn = BootstrapFunction();
  fn.environment = {{"AWS_REGION", "eu-west-1"},
                    {"AWS_ACCESS_KEY_ID", "mine"},
                    {"AWS_LAMBDA_FUNCTION_NAME", "spoofed"},
                    {"LAMBDA_TASK_ROOT", "/elsewhere"},
                    {"TZ", "Europe/Paris"},
                    {"GREETING", "hi"}};
  auto env = AsMap(BuildEnvironment(fn, Inputs()));
  EXPECT_EQ(env["AWS_REGION"], "eu-west-1");
  EXPECT_EQ(env["AWS_DEFAULT_REGION"], "eu-west-1");
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"], "mine");
  EXPECT_EQ(env["TZ"], "Europe/Paris");
  EXPECT_EQ(env["GREETING"], "hi");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "echo");
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], "/srv/echo");
  EXPECT_EQ(FunctionArn(fn), "arn:aws:lambda:eu-west-1:000000000000:function:echo");
}

// What `check` calls reserved is exactly what a function's environment cannot set.
TEST(LambdaEnvironment, TheReservedNamesAreTheOnesNotTaken) {
  const config::Function plain = BootstrapFunction();
  for (const std::string& entry : BuildEnvironment(plain, Inputs())) {
    const std::string name = entry.substr(0, entry.find('='));
    config::Function fn = plain;
    fn.environment = {{name, "mine"}};
    const bool taken = AsMap(BuildEnvironment(fn, Inputs()))[name] == "mine";
    EXPECT_EQ(IsReservedVariable(name), !taken) << name;
  }
  EXPECT_FALSE(IsReservedVariable("GREETING"));
}

TEST(LambdaEnvironment, CommandModelAppendsTheHandler) {
  config::Function fn = BootstrapFunction();
  fn.lambda.bootstrap.clear();
  fn.lambda.command = {"node_modules/.bin/aws-lambda-ric"};
  fn.lambda.handler = "index.handler";
  EXPECT_EQ(RuntimeArgv(fn.lambda),
            (std::vector<std::string>{"node_modules/.bin/aws-lambda-ric", "index.handler"}));
  auto env = AsMap(BuildEnvironment(fn, Inputs()));
  EXPECT_EQ(env["_HANDLER"], "index.handler");
  EXPECT_EQ(env["LAMBDA_RUNTIME_DIR"], "/srv/echo/node_modules/.bin");

  fn.lambda.command = {"npx", "aws-lambda-ric"};
  EXPECT_EQ(RuntimeArgv(fn.lambda),
            (std::vector<std::string>{"npx", "aws-lambda-ric", "index.handler"}));
  EXPECT_EQ(AsMap(BuildEnvironment(fn, Inputs()))["LAMBDA_RUNTIME_DIR"], "/srv/echo");
}

TEST(LambdaEnvironment, NoEndpointUrlMeansNoVariable) {
  EnvironmentInputs in = Inputs();
  in.endpoint_url.clear();
  auto env = AsMap(BuildEnvironment(BootstrapFunction(), in));
  EXPECT_EQ(env.count("AWS_ENDPOINT_URL_LAMBDA"), 0u);
}

TEST(LambdaEnvironment, RelativeWorkingDirIsMadeAbsolute) {
  config::Function fn = BootstrapFunction();
  fn.working_dir = "examples/x";
  std::string root = TaskRoot(fn);
  EXPECT_EQ(root.front(), '/');
  EXPECT_EQ(root.substr(root.size() - 11), "/examples/x");
}

}  // namespace
}  // namespace longhaul::lambda
