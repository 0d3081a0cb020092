#include "cli/pretty_json.h"

#include <gtest/gtest.h>

namespace longhaul::cli {
namespace {

TEST(PrettyJson, IndentsMembersAndElements) {
  EXPECT_EQ(PrettyJson(R"({"id":"01J","attempts":2,"result":{"headers":{},"body":"a\nb"},)"
                       R"("tags":[1,[],{"k":null}]})"),
            "{\n"
            "  \"id\": \"01J\",\n"
            "  \"attempts\": 2,\n"
            "  \"result\": {\n"
            "    \"headers\": {},\n"
            "    \"body\": \"a\\nb\"\n"
            "  },\n"
            "  \"tags\": [\n"
            "    1,\n"
            "    [],\n"
            "    {\n"
            "      \"k\": null\n"
            "    }\n"
            "  ]\n"
            "}");
}

TEST(PrettyJson, TextThatIsNotJsonStaysAsItIs) {
  EXPECT_EQ(PrettyJson("not json {"), "not json {");
  EXPECT_EQ(PrettyJson("\"s\""), "\"s\"");
}

}  // namespace
}  // namespace longhaul::cli
