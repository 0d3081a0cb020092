#include "hooks/hooks_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "hooks/rules.h"
#include "testing/temp_dir.h"

namespace longhaul::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// As upstream's test/hooks.json.tmpl writes it: YAML flow syntax ("or": [...] as a list item)
// inside a .json file, tabs for indentation.
constexpr char kJsonWithYamlFlow[] = R"([
	{
		"id": "github",
		"execute-command": "/usr/bin/deploy",
		"command-working-directory": "/srv",
		"response-message": "Deploying",
		"http-methods": [" post ", "put"],
		"pass-arguments-to-command": [
			{"source": "payload", "name": "head_commit.id"},
			{"source": "string", "name": "--fast"}
		],
		"pass-environment-to-command": [{"source": "payload", "name": "ref", "envname": "REF"}],
		"trigger-rule": {
			"and": [
				"or": [
					{"match": {"type": "payload-hmac-sha1", "secret": "mysecret",
					           "parameter": {"source": "header", "name": "X-Hub-Signature"}}},
					{"match": {"type": "payload-hmac-sha256", "secret": "mysecret",
					           "parameter": {"source": "header", "name": "X-Hub-Signature-256"}}}
				],
				{"match": {"type": "value", "value": "refs/heads/master",
				           "parameter": {"source": "payload", "name": "ref"}}}
			]
		}
	}
]
)";

TEST(ParseHooks, JsonWithYamlFlowSyntax) {
  auto parsed = ParseHooks(kJsonWithYamlFlow, "hooks.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->hooks.size(), 1u);
  const Hook& h = parsed->hooks[0];
  EXPECT_EQ(h.id, "github");
  EXPECT_EQ(h.file, "hooks.json");
  EXPECT_EQ(h.line, 2);
  EXPECT_EQ(h.execute_command, "/usr/bin/deploy");
  EXPECT_EQ(h.working_dir, "/srv");
  EXPECT_EQ(h.response_message, "Deploying");
  EXPECT_THAT(h.http_methods, ElementsAre("POST", "PUT"));
  ASSERT_EQ(h.arguments.size(), 2u);
  EXPECT_EQ(h.arguments[0].source, ValueRef::Source::kPayload);
  EXPECT_EQ(h.arguments[0].name, "head_commit.id");
  EXPECT_EQ(h.arguments[1].source, ValueRef::Source::kString);
  ASSERT_EQ(h.environment.size(), 1u);
  EXPECT_EQ(h.environment[0].envname, "REF");
  ASSERT_TRUE(h.trigger_rule.has_value());
  const Rule& top = *h.trigger_rule;
  EXPECT_EQ(top.kind, Rule::Kind::kAnd);
  ASSERT_EQ(top.children.size(), 2u);
  EXPECT_EQ(top.children[0].kind, Rule::Kind::kOr);
  ASSERT_EQ(top.children[0].children.size(), 2u);
  EXPECT_EQ(top.children[0].children[0].match.type, MatchRule::Type::kHmacSha1);
  EXPECT_EQ(top.children[0].children[1].match.type, MatchRule::Type::kHmacSha256);
  EXPECT_EQ(top.children[1].match.type, MatchRule::Type::kValue);
  EXPECT_EQ(top.children[1].match.value, "refs/heads/master");
  // Defaults of longhaul's extensions.
  EXPECT_EQ(h.max_concurrency, 4);
  EXPECT_EQ(h.retries, 0);
  EXPECT_EQ(h.timeout, std::chrono::hours(1));
}

TEST(ParseHooks, YamlWithEveryField) {
  constexpr char kYaml[] = R"(
- id: webhook
  execute-command: ./run.sh
  command-working-directory: /tmp
  response-message: I got the payload!
  response-headers:
    - name: Access-Control-Allow-Origin
      value: '*'
  success-http-response-code: 201
  trigger-rule-mismatch-http-response-code: 400
  incoming-payload-content-type: application/json
  include-command-output-in-response: true
  include-command-output-in-response-on-error: yes
  trigger-signature-soft-failures: true
  parse-parameters-as-json:
    - source: payload
      name: payload
  pass-file-to-command:
    - source: entire-payload
      envname: PAYLOAD_FILE
    - source: payload
      name: data
      base64decode: true
  trigger-rule:
    not:
      match:
        type: regex
        regex: "^refs/tags/"
        parameter: {source: payload, name: ref}
  max-concurrency: 2
  timeout: 90s
  retries: 3
)";
  auto parsed = ParseHooks(kYaml, "hooks.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->hooks.size(), 1u);
  const Hook& h = parsed->hooks[0];
  EXPECT_THAT(h.response_headers, ElementsAre(Pair("Access-Control-Allow-Origin", "*")));
  EXPECT_EQ(h.success_code, 201);
  EXPECT_EQ(h.mismatch_code, 400);
  EXPECT_EQ(h.content_type, "application/json");
  EXPECT_TRUE(h.capture_output);
  EXPECT_TRUE(h.capture_output_on_error);
  EXPECT_TRUE(h.soft_signature_failures);
  ASSERT_EQ(h.json_parameters.size(), 1u);
  ASSERT_EQ(h.files.size(), 2u);
  EXPECT_EQ(FileEnvName(h.files[0]), "PAYLOAD_FILE");
  EXPECT_EQ(FileEnvName(h.files[1]), "HOOK_DATA");
  EXPECT_TRUE(h.files[1].base64decode);
  ASSERT_TRUE(h.trigger_rule);
  EXPECT_EQ(h.trigger_rule->kind, Rule::Kind::kNot);
  ASSERT_EQ(h.trigger_rule->children.size(), 1u);
  ASSERT_NE(h.trigger_rule->children[0].match.regex, nullptr);
  EXPECT_EQ(h.max_concurrency, 2);
  EXPECT_EQ(h.timeout, std::chrono::seconds(90));
  EXPECT_EQ(h.retries, 3);
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(ParseHooks, KeysAreCaseInsensitiveAndUnknownKeysAreWarnings) {
  auto parsed =
      ParseHooks(R"([{"ID": "a", "Execute-Command": "/bin/true", "colour": "red"}])", "h.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->hooks[0].id, "a");
  EXPECT_EQ(parsed->hooks[0].execute_command, "/bin/true");
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_THAT(parsed->warnings[0], HasSubstr("h.json:1: hook `a`: unknown key `colour` ignored"));
}

TEST(ParseHooks, Yaml11ScalarsInStringFieldsAsUpstream) {
  constexpr char kYaml[] = R"(
- id: a
  execute-command: /bin/true
  trigger-rule:
    match: {type: value, value: yes, parameter: {source: header, name: X}}
- id: b
  execute-command: /bin/true
  trigger-rule:
    match: {type: value, value: 42, parameter: {source: header, name: X}}
)";
  auto parsed = ParseHooks(kYaml, "h.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->hooks[0].trigger_rule->match.value, "true");
  EXPECT_EQ(parsed->hooks[1].trigger_rule->match.value, "42");
}

// go-yaml applies YAML 1.1 merge keys; yaml-cpp does not: a hook that inherits its
// trigger-rule through `<<` must not lose it (it would then run for anyone).
TEST(ParseHooks, MergeKeysAsGoYaml) {
  constexpr char kYaml[] = R"(
- &guarded
  id: a
  execute-command: /bin/true
  trigger-rule:
    match: {type: value, value: s3cret, parameter: {source: header, name: X-Token}}
- <<: *guarded
  id: b
  execute-command: /bin/echo
- <<: [{id: ignored, response-message: first}, *guarded]
  id: c
- "<<": literal
  id: d
  execute-command: /bin/true
)";
  auto parsed = ParseHooks(kYaml, "h.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->hooks.size(), 4u);
  const Hook& b = parsed->hooks[1];
  EXPECT_EQ(b.id, "b");
  EXPECT_EQ(b.execute_command, "/bin/echo");  // its own key wins
  ASSERT_TRUE(b.trigger_rule.has_value());
  EXPECT_EQ(b.trigger_rule->match.value, "s3cret");
  const Hook& c = parsed->hooks[2];
  EXPECT_EQ(c.id, "c");
  EXPECT_EQ(c.response_message, "first");
  EXPECT_EQ(c.execute_command, "/bin/true");
  EXPECT_TRUE(c.trigger_rule.has_value());
  // A quoted "<<" is an ordinary (unknown) key.
  EXPECT_EQ(parsed->hooks[3].id, "d");
  EXPECT_THAT(parsed->warnings.back(), HasSubstr("unknown key `<<` ignored"));

  auto bad = ParseHooks("- <<: 3\n  id: e\n  execute-command: /bin/true\n", "h.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("h.yaml:1: a merge key (<<) takes a mapping"));
}

TEST(ParseHooks, ErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"- id: a\n", "h.yaml:1: hook `a`: `execute-command` is required"},
      {"- execute-command: /bin/true\n", "h.yaml:1: hook 1: `id` is required"},
      {"- id: a\n  execute-command: x\n- id: a\n  execute-command: y\n",
       "h.yaml:3: hook id `a` is already defined at line 1"},
      {"- id: a\n  execute-command: x\n  pass-arguments-to-command:\n    - source: body\n",
       "h.yaml:4: hook `a`: pass-arguments-to-command[0]: unknown source `body`"},
      {"- id: a\n  execute-command: x\n  trigger-rule:\n    match:\n      type: regexp\n",
       "h.yaml:5: hook `a`: trigger-rule.match: unknown match type `regexp`"},
      {"- id: a\n  execute-command: x\n  trigger-rule:\n    match:\n      type: regex\n"
       "      regex: '(unclosed'\n      parameter: {source: header, name: X}\n",
       "h.yaml:5: hook `a`: trigger-rule.match: regex `(unclosed`"},
      {"- id: a\n  execute-command: x\n  trigger-rule:\n    match:\n      type: "
       "payload-hmac-sha256\n"
       "      secret: ''\n      parameter: {source: header, name: X}\n",
       "`secret` is empty"},
      {"- id: a\n  execute-command: x\n  trigger-rule:\n    match:\n      type: ip-whitelist\n"
       "      ip-range: 10.0.0.0/33\n",
       "invalid CIDR address: 10.0.0.0/33"},
      {"- id: a\n  execute-command: x\n  pass-arguments-to-command:\n"
       "    - {source: request, name: path}\n",
       "source `request` takes name `method` or `remote-addr`"},
      {"- id: a\n  execute-command: x\n  include-command-output-in-response: \"true\"\n",
       "h.yaml:3: hook `a`: include-command-output-in-response: must be true or false"},
      {"- id: a\n  execute-command: x\n  timeout: soon\n", "h.yaml:3: hook `a`: timeout"},
      {"- id: a\n  execute-command: x\n  response-headers:\n    - {name: X, value: "
       "\"a\\r\\nSet-Cookie: x\"}\n",
       "h.yaml:4: hook `a`: response-headers: `X` is not a valid header name, or its value"},
      {"id: a\n", "h.yaml:1: expected a list of hooks"},
      {"- id: [a\n", "h.yaml:"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseHooks(c.text, "h.yaml");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), base::Code::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.want)) << c.text;
  }
}

// As webhook: what follows the first list is refused, not dropped without a word, at the line
// where it starts; found without YAML::LoadAll, which never returns on a stray ','.
TEST(ParseHooks, ASecondDocumentIsRefusedAtItsLine) {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"[{\"id\":\"a\",\"execute-command\":\"/bin/true\"}]\n---\n"
       "[{\"id\":\"b\",\"execute-command\":\"/bin/true\"}]\n",
       "h.yaml:3: a second YAML document (after '---', or a second value after the list); a "
       "hooks file holds exactly one list of hooks"},
      {"- id: a\n  execute-command: x\n---\n- id: b\n  execute-command: y\n",
       "h.yaml:4: a second YAML document"},
      {"- id: a\n  execute-command: x\n---\n---\n# b\n- id: b\n  execute-command: y\n",
       "h.yaml:6: a second YAML document"},
      {"---\n---\n- id: a\n  execute-command: x\n",
       "h.yaml:3: the hooks are in a second YAML document ('---'), after an empty first one"},
      {"[{\"id\":\"a\",\"execute-command\":\"/bin/true\"}]\n"
       "[{\"id\":\"b\",\"execute-command\":\"/bin/true\"}]\n",
       "h.yaml:2: "},
      // The first list's own problems are still reported.
      {"- id: a\n---\n- id: b\n  execute-command: y\n",
       "h.yaml:1: hook `a`: `execute-command` is required\nh.yaml:3: a second YAML document"},
      {",\n", "h.yaml:1: invalid YAML"},
      {"- id: a\n  execute-command: /bin/echo\n  response-message: \"hello\n- id: b\n",
       "h.yaml:3: invalid YAML: the quoted value that starts here has no closing \""},
      {"- id: a\n  execute-command: x\n---\n,\n", "h.yaml:4: invalid YAML"},
      // Any syntax error says so, and a tab in the indentation is named.
      {"a:\n\tb: 1\n",
       "h.yaml:2: invalid YAML: illegal map value (this line is indented with a tab"},
      {"- id: a\n\texecute-command: x\n", "h.yaml:2: invalid YAML: illegal tab when looking for"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseHooks(c.text, "h.yaml");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), base::Code::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.want)) << c.text;
  }
}

// As a config file: a '---' with nothing after it, at the start or the end, is no second list.
TEST(ParseHooks, AnEmptyDocumentMarkerIsNoSecondDocument) {
  for (const char* text : {"- id: a\n  execute-command: x\n---\n",
                           "---\n- id: a\n  execute-command: x\n...\n---\n# later\n"}) {
    auto parsed = ParseHooks(text, "h.yaml");
    ASSERT_TRUE(parsed.ok()) << text << parsed.status().message();
    ASSERT_EQ(parsed->hooks.size(), 1u);
    EXPECT_EQ(parsed->hooks[0].id, "a");
  }
}

// As webhook: an empty file (a placeholder) gives no hooks, with a warning, not a failed start.
TEST(ParseHooks, AnEmptyFileHasNoHooks) {
  for (const char* text : {"", "# nothing yet\n"}) {
    auto parsed = ParseHooks(text, "h.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_TRUE(parsed->hooks.empty());
    ASSERT_EQ(parsed->warnings.size(), 1u);
    EXPECT_THAT(parsed->warnings[0], HasSubstr("h.yaml:1: the file is empty: no hooks from it"));
  }
}

TEST(ParseHooks, FileVariableNamesMustBePlainFileNames) {
  for (const char* env : {"../../etc/cron.d/x", "a/b", "..", "."}) {
    std::string text =
        "- id: a\n  execute-command: x\n  pass-file-to-command:\n"
        "    - {source: raw-request-body, envname: '" +
        std::string(env) + "'}\n";
    auto parsed = ParseHooks(text, "h.yaml");
    ASSERT_FALSE(parsed.ok()) << env;
    EXPECT_THAT(parsed.status().message(), HasSubstr("h.yaml:4: hook `a`: pass-file-to-command"));
  }
  // The default name comes from `name`, upper-cased: a '/' there is refused too.
  auto parsed = ParseHooks(
      "- id: a\n  execute-command: x\n  pass-file-to-command:\n"
      "    - {source: payload, name: a/b}\n",
      "h.yaml");
  EXPECT_FALSE(parsed.ok());
  EXPECT_TRUE(IsPlainFileName("HOOK_ROOT.0.K"));
  EXPECT_FALSE(IsPlainFileName(std::string("a\0b", 3)));
}

TEST(ParseHooks, RuleShapes) {
  auto parsed = ParseHooks(
      "- id: a\n  execute-command: x\n  trigger-rule: {}\n"
      "- id: b\n  execute-command: x\n  trigger-rule: {and: []}\n",
      "h.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->hooks[0].trigger_rule->kind, Rule::Kind::kEmpty);
  EXPECT_EQ(parsed->hooks[1].trigger_rule->kind, Rule::Kind::kAnd);
  EXPECT_TRUE(parsed->hooks[1].trigger_rule->children.empty());
}

TEST(EnvNames, Defaults) {
  ValueRef r;
  r.name = "head_commit.timestamp";
  EXPECT_EQ(EnvVarName(r), "HOOK_head_commit.timestamp");
  EXPECT_EQ(FileEnvName(r), "HOOK_HEAD_COMMIT.TIMESTAMP");
  r.envname = "TS";
  EXPECT_EQ(EnvVarName(r), "TS");
  EXPECT_EQ(FileEnvName(r), "TS");
}

config::EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(RenderTemplate, GetenvAndFriends) {
  auto env = MapEnv({{"SECRET", "s3cr\"et"}, {"NAME", "deploy"}});
  auto out =
      RenderTemplate(R"({"id": "{{ getenv "NAME" }}", "secret": "{{ getenv "SECRET" | js }}", )"
                     R"("x": "{{ js (getenv "MISSING") }}{{/* a comment */}}"})",
                     "h.json", env);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, R"({"id": "deploy", "secret": "s3cr\"et", "x": ""})");

  auto trimmed = RenderTemplate("a  \n  {{- \"b\" -}}  \n c", "t", env);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(*trimmed, "abc");

  auto js = RenderTemplate(R"({{ js "<a href='x'>&=\n" }})", "t", env);
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(*js, R"(\u003Ca href\u003D\'x\'\u003E\u0026\u003D\u000A)");
}

TEST(RenderTemplate, CatAndCredential) {
  testing::TempDir dir;
  std::ofstream(dir.File("token")) << "from-file\n";
  auto env = MapEnv({{"CREDENTIALS_DIRECTORY", dir.path()}, {"OTHER", "from-env"}});
  auto out = RenderTemplate("{{ cat \"" + dir.File("token") +
                                "\" }} {{ credential \"token\" }} {{ credential \"OTHER\" }} "
                                "{{ cat \"/nonexistent\" }}.",
                            "t", env);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "from-file from-file from-env .");
}

TEST(RenderTemplate, ErrorsNameTheLine) {
  auto out = RenderTemplate("[\n\n  {{ shell \"rm\" }}\n]", "hooks.json", {});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("hooks.json:3: template: function \"shell\""));
  EXPECT_FALSE(RenderTemplate("{{ if true }}x{{ end }}", "t", {}).ok());
  EXPECT_FALSE(RenderTemplate("{{ getenv \"A\" ", "t", {}).ok());
  EXPECT_FALSE(RenderTemplate("{{ getenv }}", "t", {}).ok());
  EXPECT_FALSE(RenderTemplate("{{ . }}", "t", {}).ok());
}

TEST(LoadHookFiles, JoinsFilesAndRefusesDuplicateIds) {
  testing::TempDir dir;
  std::ofstream(dir.File("a.json")) << R"([{"id": "one", "execute-command": "/bin/true"}])";
  std::ofstream(dir.File("b.yaml")) << "- id: two\n  execute-command: /bin/true\n";
  std::ofstream(dir.File("c.yaml")) << "\n- id: one\n  execute-command: /bin/true\n";
  std::ofstream(dir.File("t.json"))
      << R"([{"id": "{{ getenv "HOOK_ID" }}", "execute-command": "/bin/true"}])";

  auto both = LoadHookFiles({dir.File("a.json"), dir.File("b.yaml")}, {});
  ASSERT_TRUE(both.ok()) << both.status().message();
  ASSERT_EQ(both->hooks->hooks().size(), 2u);
  EXPECT_NE(both->hooks->Find("one"), nullptr);
  EXPECT_NE(both->hooks->Find("two"), nullptr);
  EXPECT_EQ(both->hooks->Find("three"), nullptr);

  auto dup = LoadHookFiles({dir.File("a.json"), dir.File("c.yaml")}, {});
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(),
              HasSubstr(dir.File("c.yaml") + ":2: hook id `one` is already defined at " +
                        dir.File("a.json") + ":1"));

  auto missing = LoadHookFiles({dir.File("nope.json")}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), base::Code::kNotFound);
  // As webhook starts: an unreadable file is skipped, with a warning.
  LoadOptions skipping;
  skipping.skip_unreadable = true;
  auto skipped = LoadHookFiles({dir.File("a.json"), dir.File("nope.json")}, skipping);
  ASSERT_TRUE(skipped.ok()) << skipped.status().message();
  EXPECT_EQ(skipped->hooks->hooks().size(), 1u);
  ASSERT_EQ(skipped->warnings.size(), 1u);
  EXPECT_THAT(skipped->warnings[0], HasSubstr(dir.File("nope.json") + ": it does not exist"));

  LoadOptions templ{true, MapEnv({{"HOOK_ID", "from-env"}})};
  auto rendered = LoadHookFiles({dir.File("t.json")}, templ);
  ASSERT_TRUE(rendered.ok()) << rendered.status().message();
  EXPECT_NE(rendered->hooks->Find("from-env"), nullptr);
}

}  // namespace
}  // namespace longhaul::hooks
