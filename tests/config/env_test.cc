#include "config/internal/env.h"

#include <gtest/gtest.h>

namespace longhaul::config::internal {
namespace {

std::optional<std::string> Env(const std::string& name) {
  if (name == "A") {
    return "alpha";
  }
  if (name == "EMPTY") {
    return "";
  }
  if (name == "NESTED") {
    return "${A}";
  }
  return std::nullopt;
}

TEST(SubstituteEnv, Replaces) {
  EXPECT_EQ(*SubstituteEnv("x${A}y${EMPTY}z", Env), "xalphayz");
  EXPECT_EQ(*SubstituteEnv("${A}${A}", Env), "alphaalpha");
  EXPECT_EQ(*SubstituteEnv("no refs", Env), "no refs");
}

TEST(SubstituteEnv, ValuesAreNotScannedAgain) {
  EXPECT_EQ(*SubstituteEnv("${NESTED}", Env), "${A}");
}

TEST(SubstituteEnv, Escapes) {
  EXPECT_EQ(*SubstituteEnv("$${A}", Env), "${A}");
  EXPECT_EQ(*SubstituteEnv("$5 $$ $A $", Env), "$5 $$ $A $");
}

TEST(SubstituteEnv, Errors) {
  auto unset = SubstituteEnv("a ${MISSING} b", Env);
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.status().message(), "environment variable MISSING is not set");
  EXPECT_FALSE(SubstituteEnv("${A", Env).ok());
  EXPECT_FALSE(SubstituteEnv("${}", Env).ok());
  EXPECT_FALSE(SubstituteEnv("${A-B}", Env).ok());
  EXPECT_FALSE(SubstituteEnv("${A}", EnvLookup()).ok());  // no lookup: nothing is set
}

}  // namespace
}  // namespace longhaul::config::internal
