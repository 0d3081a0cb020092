// The webhook-compatible front: what a request gets before anything is stored (health check,
// unknown hook, method refused, rules not satisfied, rule errors) and how a triggered hook's
// answer looks, with adnanh/webhook's status codes and body texts:
//   GET / (any method)             200 "OK"
//   path outside the URL prefix    404 "404 page not found\n" (Go's router)
//   unknown hook id                404 "Hook not found."
//   method not allowed             405, empty body
//   multipart body unparsable      500 "Error occurred while parsing multipart form."
//   rule evaluation error          500 "Error occurred while evaluating hook rules."
//   rules not satisfied            trigger-rule-mismatch-http-response-code (200)
//                                  "Hook rules were not satisfied."
//   triggered                      success-http-response-code (200), response-message, after
//                                  the job is stored; with include-command-output-in-response
//                                  the output once the job ended (see OutputAnswer)
// The -header headers are on every answer from the method check on (and on GET /); a hook's
// response-headers only when it triggers. A status Go does not know becomes 200.
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "base/clock.h"
#include "hooks/hook.h"
#include "hooks/translate.h"
#include "store/job.h"

namespace longhaul::hooks {

struct Dispatch {
  enum class Kind {
    kAnswer,   // answer with `answer`; store and run nothing
    kTrigger,  // store a job for `hook` (its route is `path`), then answer
  };
  Kind kind = Kind::kAnswer;
  store::Response answer;
  const Hook* hook = nullptr;  // the hook the path named, when there is one
  std::string path;            // kTrigger: the hook's route path (HookPath)
  std::string event;           // for the log: "hook.triggered", "hook.not_found", ...
  std::string detail;          // for the log: why (rule error, payload parse problem)
};

// Decides for `req` (received at `now`). `hooks` must outlive the result (it points into it).
Dispatch Decide(const HookSet& hooks, const WebhookOptions& options, const store::Request& req,
                base::TimePoint now);

// The answer of a triggered hook that does not wait for its command.
store::Response TriggeredAnswer(const Hook& hook, const WebhookOptions& options);

// The answer of a hook with include-command-output-in-response once its job is `job`:
//   succeeded              success code, the combined output
//   failed/dead/cancelled  500 with the output when include-command-output-in-response-on-error
//                          is set, else "Error occurred while executing the hook's command.
//                          Please check your logs for more details." (text/plain)
//   still queued/running   504 "Timed out waiting for the hook's command; job <id> goes on."
store::Response OutputAnswer(const Hook& hook, const WebhookOptions& options,
                             const store::Job& job);

// Adds the -header headers (replacing same-named ones).
void AddGlobalHeaders(const WebhookOptions& options, store::Headers& headers);

// `code` if Go's net/http knows it as a final status, else 200 (0 is 200; so is an interim
// 1xx: Go sends it, then 200 with the body).
int KnownStatus(int code);

// A Content-Type for `body` as Go's http.DetectContentType would give for text: HTML and XML
// documents are recognised, anything with binary bytes is application/octet-stream, the rest is
// "text/plain; charset=utf-8". "" for an empty body.
std::string SniffContentType(std::string_view body);

}  // namespace longhaul::hooks
