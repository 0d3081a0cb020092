// Fuzzes `longhaul webhook`'s hook handling (src/hooks/): the hooks-file parser, then for a
// request (the hostile part) what the webhook front decides (dispatch.h: request values from
// headers, query and a JSON/form/XML/multipart body, then the trigger-rule engine with value,
// regex, HMAC, IP whitelist and Scalr rules) and, for a triggered hook, the command plan built
// when the job runs (hook_runtime.h: argv, environment, files). Input, so seeds are readable
// (fuzz/corpus/hooks_rules/):
//   a hooks file (YAML or JSON)
//   a line "@@@@"
//   the request, as fuzz/request_text.h reads it (request line, headers, blank line, body)
// The request is tried at its own path and at the path of each of the first hooks.
// Besides "no crash": a plan never names a file outside its private directory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/request_text.h"
#include "hooks/dispatch.h"
#include "hooks/hook_runtime.h"
#include "hooks/hooks_file.h"
#include "hooks/request_values.h"
#include "hooks/translate.h"

namespace {

namespace hooks = longhaul::hooks;
constexpr std::string_view kSeparator = "\n@@@@\n";
constexpr size_t kMaxHooksTried = 4;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "hooks_rules_fuzz: property violated: %s\n", what);
    abort();
  }
}

void DecideAndPlan(const hooks::HookSet& set, const hooks::WebhookOptions& options,
                   const longhaul::store::Request& req) {
  const longhaul::base::TimePoint now = longhaul::base::FromUnixMs(1704067200000);
  hooks::Dispatch d = hooks::Decide(set, options, req, now);
  if (d.kind != hooks::Dispatch::Kind::kTrigger) return;
  Check(d.hook != nullptr, "a trigger names its hook");
  (void)hooks::TriggeredAnswer(*d.hook, options);
  // When the job runs, the values are parsed again from the stored request.
  auto values = hooks::ParseRequest(req, *d.hook);
  if (!values.ok()) return;
  auto plan = hooks::PlanCommand(*d.hook, *values);
  if (!plan.ok()) return;
  Check(!plan->argv.empty(), "argv[0] is the command");
  for (const auto& file : plan->files) {
    Check(hooks::IsPlainFileName(file.env_name), "files stay in their private directory");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t sep = text.find(kSeparator);
  std::string_view file = text.substr(0, sep);
  std::string_view request =
      sep == std::string_view::npos ? std::string_view() : text.substr(sep + kSeparator.size());

  auto parsed = hooks::ParseHooks(file, "hooks.yaml");
  if (!parsed.ok()) {
    Check(parsed.status().code() == longhaul::base::Code::kInvalidArgument, "parse errors");
    return 0;
  }
  hooks::HookSet set(parsed->hooks);
  hooks::WebhookOptions options;
  longhaul::store::Request req = longhaul::fuzz::ParseRequestText(request);
  DecideAndPlan(set, options, req);
  for (size_t i = 0; i < set.hooks().size() && i < kMaxHooksTried; ++i) {
    req.path = hooks::HookPath(options.url_prefix, set.hooks()[i].id);
    DecideAndPlan(set, options, req);
  }
  return 0;
}
