#include "lambda/js_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace longhaul::lambda {
namespace {
namespace json = boost::json;

// Numbers come out as a Node.js function's JSON.stringify writes them (Boost.JSON alone writes
// 0.5 as 5E-1).
TEST(JsJson, NumbersAreWrittenAsJavaScriptWritesThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"0.5", "0.5"},
      {"3.0", "3"},
      {"-0.0", "0"},
      {"12345678.9", "12345678.9"},
      {"100", "100"},
      {"-7", "-7"},
      {"18446744073709551615", "18446744073709551615"},
      {"1e20", "100000000000000000000"},
      {"1e21", "1e+21"},
      {"0.000001", "0.000001"},
      {"1e-7", "1e-7"},
      {"1.5e-300", "1.5e-300"},
      {"0.1", "0.1"},
      {"1e400", "null"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(NumberText(json::parse(in)), out) << in;
}

TEST(JsJson, EverythingElseIsAsBoostWritesIt) {
  const json::value v =
      json::parse(R"({"a":[1,0.25,"x\"y\u00e9",true,null,{}],"b":{"c":2.5e-8},"":[]})");
  EXPECT_EQ(StringifyJson(v), R"({"a":[1,0.25,"x\"y)"
                              "\xC3\xA9"
                              R"(",true,null,{}],"b":{"c":2.5e-8},"":[]})");
}

}  // namespace
}  // namespace longhaul::lambda
