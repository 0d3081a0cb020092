// Black-box tests of the ingest path and execution against the real binary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

int CountLines(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  int n = 0;
  while (std::getline(f, line)) ++n;
  return n;
}

// A handler that appends "<label>\n" to $OUT, then blocks until the file $GATE exists. It
// gives up when the test's directory is gone, so a killed server leaves no process behind.
std::string GatedFunction(const std::string& name, const TempDir& dir, int concurrency = 4,
                          const std::string& label = "$LONGHAUL_JOB_ID") {
  return "  " + name +
         ":\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"echo " +
         label + " >> " + dir.File("out.txt") + "; while [ ! -f " + dir.File("gate") +
         " ]; do [ -d " + dir.path() +
         " ] || exit 1; sleep 0.02; done; cat\"]\n"
         "    concurrency: " +
         std::to_string(concurrency) +
         "\n"
         "    retries: 0\n";
}

TEST(IngestE2E, AckComesBeforeTheWorkEndsAndTheResultIsKept) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  auto r = server.Post("/hook", "hello");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 202);
  std::string id = JsonField(r->body, "id");
  ASSERT_FALSE(id.empty()) << r->body;
  EXPECT_EQ(r->Header("X-Longhaul-Job-Id"), id);
  EXPECT_NE(r->Header("Location").find("/jobs/" + id), std::string::npos);
  EXPECT_NE(JsonField(r->body, "status_url").find("/jobs/" + id), std::string::npos);

  // The work has not finished: it waits for the gate we have not opened yet.
  ASSERT_FALSE(server.WaitForJobState(id, "running").empty());
  Touch(scratch.File("gate"));
  std::string job = server.WaitForJobState(id, "succeeded");
  ASSERT_FALSE(job.empty());
  auto result = server.AdminGet("/jobs/" + id + "/result");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "hello");
}

TEST(IngestE2E, AnAckSurvivesKillNine) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  auto r = server.Post("/hook", "payload-1");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 202);
  std::string id = JsonField(r->body, "id");
  server.Kill();  // right after the ack

  Touch(scratch.File("gate"));
  server.Start();
  std::string job = server.WaitForJobState(id, "succeeded");
  ASSERT_FALSE(job.empty()) << server.Log();
  auto result = server.AdminGet("/jobs/" + id + "/result");
  EXPECT_EQ(result->body, "payload-1");
}

TEST(IngestE2E, DuplicateKeyRunsOnceAndReturnsTheSameJob) {
  TempDir scratch;
  Touch(scratch.File("gate"));
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /tg\n"
                       "    function: work\n"
                       "    ack_status: 200\n"
                       "    ack_body: \"\"\n"
                       "    idempotency_key: {json: /update_id, required: true}\n");
  server.Start();
  std::string update = R"({"update_id": 1001, "message": {"text": "hi"}})";
  auto first = server.Post("/tg", update);
  auto second = server.Post("/tg", update);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "");
  EXPECT_EQ(second->status, 200);
  std::string id = first->Header("X-Longhaul-Job-Id");
  EXPECT_EQ(second->Header("X-Longhaul-Job-Id"), id);
  EXPECT_EQ(second->Header("X-Longhaul-Duplicate"), "true");
  ASSERT_FALSE(server.WaitForJobState(id, "succeeded").empty());

  // A different update runs; after it has, the duplicate has still run only once.
  auto other = server.Post("/tg", R"({"update_id": 1002})");
  ASSERT_FALSE(server.WaitForJobState(other->Header("X-Longhaul-Job-Id"), "succeeded").empty());
  EXPECT_EQ(CountLines(scratch.File("out.txt")), 2);
  auto list = server.AdminGet("/jobs?function=work");
  EXPECT_EQ(list->body.find(id), list->body.rfind(id)) << "one job for the duplicate";
}

TEST(IngestE2E, MissingRequiredKeyIs400AndNothingIsStored) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /tg\n"
                       "    function: work\n"
                       "    idempotency_key: {json: /update_id, required: true}\n");
  server.Start();
  auto r = server.Post("/tg", R"({"message": {}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("/update_id"), std::string::npos) << r->body;
  auto notjson = server.Post("/tg", "update_id=5");
  EXPECT_EQ(notjson->status, 400);
  EXPECT_NE(notjson->body.find("needs a JSON body"), std::string::npos) << notjson->body;
  auto list = server.AdminGet("/jobs");
  EXPECT_EQ(JsonField(list->body, "jobs"), "[]");
}

TEST(IngestE2E, OversizedBodyIs413AndUnknownRouteIs404) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n"
                           "  - path: /items/{id}\n"
                           "    function: work\n",
                       "  body_limit: 1KiB\n");
  server.Start();
  auto big = server.Post("/hook", std::string(2048, 'x'));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 413);
  auto missing = server.Post("/nope", "x");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(JsonField(JsonField(missing->body, "error"), "message"), "no route for /nope");
  // A parameter is one segment: the 404 says why an encoded slash found no route.
  auto slash = server.Post("/items/group%2Fproject", "x");
  EXPECT_EQ(slash->status, 404);
  EXPECT_NE(slash->body.find("a {param} never matches an encoded slash"), std::string::npos)
      << slash->body;
  auto nul_param = server.Post("/items/a%00b", "x");
  EXPECT_EQ(nul_param->status, 404);
  EXPECT_NE(nul_param->body.find("a path parameter never holds a NUL byte, %00"), std::string::npos)
      << nul_param->body;
  // A command could never get a NUL in its environment: refused, not acknowledged.
  auto nul = server.Post("/hook?a=1&x=b%00c", "x");
  EXPECT_EQ(nul->status, 400);
  EXPECT_NE(nul->body.find("query parameter 'x' holds a NUL byte (%00)"), std::string::npos)
      << nul->body;
  http::ClientRequest get;
  get.url = server.public_url() + "/hook";
  auto wrong_method = http::Fetch(get);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->Header("Allow"), "POST");
  EXPECT_EQ(JsonField(server.AdminGet("/jobs")->body, "jobs"), "[]");
}

TEST(IngestE2E, PerKeyOrderHoldsWhileOtherKeysRun) {
  TempDir scratch;
  // Chat "a" messages block on the gate; chat "b" does not.
  ServerProcess server(
      "functions:\n"
      "  chat:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"read -r line; echo start $line >> " +
      scratch.File("out.txt") + "; case $line in a*) while [ ! -f " + scratch.File("gate") +
      " ]; do [ -d " + scratch.path() +
      " ] || exit 1; sleep 0.02; done;; esac; echo end $line >> " + scratch.File("out.txt") +
      "\"]\n"
      "    concurrency: 4\n"
      "routes:\n"
      "  - path: /msg\n"
      "    function: chat\n"
      "    ordering_key: {header: X-Chat}\n");
  server.Start();
  auto a1 = server.Post("/msg", "a1\n", {{"X-Chat", "a"}});
  auto a2 = server.Post("/msg", "a2\n", {{"X-Chat", "a"}});
  auto b1 = server.Post("/msg", "b1\n", {{"X-Chat", "b"}});
  std::string a1_id = JsonField(a1->body, "id"), a2_id = JsonField(a2->body, "id"),
              b1_id = JsonField(b1->body, "id");
  // b1 finishes while a1 is still running, and a2 waits behind a1.
  ASSERT_FALSE(server.WaitForJobState(b1_id, "succeeded").empty());
  ASSERT_FALSE(server.WaitForJobState(a1_id, "running").empty());
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + a2_id)->body, "state"), "queued");
  Touch(scratch.File("gate"));
  ASSERT_FALSE(server.WaitForJobState(a2_id, "succeeded").empty());
  std::string out = ReadFile(scratch.File("out.txt"));
  EXPECT_LT(out.find("end a1"), out.find("start a2")) << out;
}

TEST(IngestE2E, ConcurrencyLimitHolds) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch, 2) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(JsonField(server.Post("/hook", "x")->body, "id"));
  ASSERT_TRUE(Eventually([&] { return CountLines(scratch.File("out.txt")) >= 2; }));
  // Two run, three wait: the states say so while the gate is closed.
  auto running = server.AdminGet("/jobs?state=running");
  auto queued = server.AdminGet("/jobs?state=queued");
  auto count = [](const std::string& body) {
    size_t n = 0;
    for (size_t p = body.find("\"id\""); p != std::string::npos; p = body.find("\"id\"", p + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count(running->body), 2u);
  EXPECT_EQ(count(queued->body), 3u);
  EXPECT_EQ(CountLines(scratch.File("out.txt")), 2);
  Touch(scratch.File("gate"));
  for (const auto& id : ids) ASSERT_FALSE(server.WaitForJobState(id, "succeeded").empty());
  EXPECT_EQ(CountLines(scratch.File("out.txt")), 5);
}

TEST(IngestE2E, TimeoutKillsTheWholeProcessGroup) {
  TempDir scratch;
  std::string pidfile = scratch.File("grandchild.pid");
  ServerProcess server(
      "functions:\n"
      "  slow:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"sleep 1000 & echo $! > " +
      pidfile +
      "; wait\"]\n"
      "    timeout: 300ms\n"
      "    kill_grace: 200ms\n"
      "    retries: 0\n"
      "routes:\n"
      "  - path: /slow\n"
      "    function: slow\n");
  server.Start();
  std::string id = JsonField(server.Post("/slow", "")->body, "id");
  std::string job = server.WaitForJobState(id, "dead");
  ASSERT_FALSE(job.empty());
  EXPECT_NE(JsonField(job, "last_error").find("timed out"), std::string::npos) << job;
  pid_t grandchild = std::stoi(ReadFile(pidfile));
  EXPECT_TRUE(Eventually([&] { return kill(grandchild, 0) != 0; }));
}

// While a job runs, GET /jobs/{id} shows what its attempt has written so far; its record then
// gets the whole output with the outcome (QA: nothing showed until the job ended).
TEST(IngestE2E, ARunningJobShowsItsOutputSoFar) {
  TempDir scratch;
  const std::string gate = scratch.File("gate");
  ServerProcess server(
      "functions:\n"
      "  long:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo step 1; echo careful >&2; "
      "while [ ! -f " +
      gate +
      " ]; do sleep 0.02; done; echo step 2\"]\n"
      "routes:\n"
      "  - path: /long\n"
      "    function: long\n");
  server.Start();
  std::string id = JsonField(server.Post("/long", "")->body, "id");
  std::string running;
  EXPECT_TRUE(Eventually([&] {
    auto r = server.AdminGet("/jobs/" + id);
    running = r.ok() ? r->body : "";
    return JsonField(running, "stdout_tail") == "step 1\n" &&
           JsonField(running, "stderr_tail") == "careful\n";
  })) << running;
  EXPECT_EQ(JsonField(running, "state"), "running") << running;
  std::ofstream(gate) << "";
  std::string done = server.WaitForJobState(id, "succeeded");
  EXPECT_EQ(JsonField(done, "stdout_tail"), "") << "stdout is the result: " << done;
  EXPECT_NE(done.find("step 1\\nstep 2"), std::string::npos) << done;
  EXPECT_EQ(JsonField(done, "stderr_tail"), "careful\n") << done;
}

TEST(IngestE2E, RetriesThenDeadWithTheLastError) {
  ServerProcess server(
      "functions:\n"
      "  failing:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo broken >&2; exit 3\"]\n"
      "    retries: 2\n"
      "    retry_base: 10ms\n"
      "    retry_max: 20ms\n"
      "routes:\n"
      "  - path: /f\n"
      "    function: failing\n");
  server.Start();
  std::string id = JsonField(server.Post("/f", "")->body, "id");
  std::string job = server.WaitForJobState(id, "dead");
  ASSERT_FALSE(job.empty());
  EXPECT_EQ(JsonField(job, "attempts"), "3");
  EXPECT_NE(JsonField(job, "last_error").find("exit status 3"), std::string::npos) << job;
  EXPECT_NE(JsonField(job, "stderr_tail").find("broken"), std::string::npos) << job;

  // An operator retry runs it again.
  auto retried = server.AdminPost("/jobs/" + id + "/retry");
  EXPECT_EQ(retried->status, 200);
  EXPECT_TRUE(Eventually([&] {
    return JsonField(server.AdminGet("/jobs/" + id)->body, "attempts") == "3" &&
           JsonField(server.AdminGet("/jobs/" + id)->body, "state") == "dead";
  }));
}

// The processes attempts start run at server.job_nice (default 19), or under SCHED_IDLE with
// `job_nice: idle`, so that answering requests comes first when the cores are busy. The server's
// own threads, the attempts' included, keep its priority (the child sets its own before the exec,
// exec_start.h): a lock held by a thread at 19 would keep an I/O thread waiting behind the busy
// jobs.
TEST(IngestE2E, JobsRunAtTheConfiguredNiceness) {
  const std::string functions =
      "functions:\n"
      "  nice:\n"
      "    runtime: command\n"
      "    command: [\"nice\"]\n"  // coreutils: prints its own niceness
      "  policy:\n"
      "    runtime: command\n"
      "    command: [\"cut\", \"-d \", \"-f41\", \"/proc/self/stat\"]\n"  // its scheduling policy
      "  server-threads:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cut -d' ' -f19 /proc/$PPID/task/*/stat | sort -u\"]\n"
      "routes:\n"
      "  - path: /nice\n"
      "    function: nice\n"
      "    ack: sync\n"
      "  - path: /policy\n"
      "    function: policy\n"
      "    ack: sync\n"
      "  - path: /server-threads\n"
      "    function: server-threads\n"
      "    ack: sync\n";
  ServerProcess by_default(functions);
  by_default.Start();
  auto r = by_default.Post("/nice", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "19\n");
  r = by_default.Post("/server-threads", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "0\n");  // every such thread's niceness, once each
  r = by_default.Post("/policy", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "0\n");  // SCHED_OTHER

  ServerProcess configured(functions, "  job_nice: 7\n");
  configured.Start();
  r = configured.Post("/nice", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "7\n");

  ServerProcess idle(functions, "  job_nice: idle\n");
  idle.Start();
  r = idle.Post("/policy", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "5\n");  // SCHED_IDLE (one small process: on a busy machine it waits)
}

TEST(IngestE2E, SyncAutoAndPreferHeaders) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  echo:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"printf '{\\\"statusCode\\\": 201, \\\"headers\\\": "
      "{\\\"X-From\\\": \\\"fn\\\"}, \\\"body\\\": \\\"made\\\"}'\"]\n" +
      GatedFunction("gated", scratch) +
      "routes:\n"
      "  - path: /sync\n"
      "    function: echo\n"
      "    ack: sync\n"
      "  - path: /auto\n"
      "    function: gated\n"
      "    ack: auto\n"
      "    wait: 200ms\n"
      "  - path: /auto-quiet\n"
      "    function: gated\n"
      "    ack: auto\n"
      "    wait: 200ms\n"
      "    ack_status: 200\n"
      "    ack_body: \"\"\n"
      "  - path: /sync-key\n"
      "    function: echo\n"
      "    ack: sync\n"
      "    idempotency_key: {header: X-Key}\n"
      "  - path: /async-key\n"
      "    function: echo\n"
      "    idempotency_key: {header: X-Key}\n");
  server.Start();
  auto sync = server.Post("/sync", "{}");
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(sync->status, 201);
  EXPECT_EQ(sync->body, "made");
  EXPECT_EQ(sync->Header("X-From"), "fn");

  auto async = server.Post("/sync", "{}", {{"Prefer", "respond-async"}});
  EXPECT_EQ(async->status, 202);
  EXPECT_EQ(async->Header("Preference-Applied"), "respond-async");
  // Several Prefer fields read as one list (RFC 7240).
  auto two_fields =
      server.Post("/sync", "{}", {{"Prefer", "handling=lenient"}, {"Prefer", "respond-async"}});
  EXPECT_EQ(two_fields->status, 202);
  EXPECT_EQ(two_fields->Header("Preference-Applied"), "respond-async");

  // A re-delivery to a sync route gets the first job's outcome, marked as a duplicate.
  auto first = server.Post("/sync-key", "{}", {{"X-Key", "k1"}});
  auto again = server.Post("/sync-key", "{}", {{"X-Key", "k1"}});
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(first->Header("X-Longhaul-Duplicate"), "");
  EXPECT_EQ(again->status, 201);
  EXPECT_EQ(again->Header("X-Longhaul-Job-Id"), first->Header("X-Longhaul-Job-Id"));
  EXPECT_EQ(again->Header("X-Longhaul-Duplicate"), "true");
  // Another request with the same key (a guessed order number) does not get that result.
  auto guessed = server.Post("/sync-key", R"({"other":1})", {{"X-Key", "k1"}});
  EXPECT_EQ(guessed->status, 409);
  EXPECT_EQ(guessed->body.find("made"), std::string::npos) << guessed->body;

  // On an async route Prefer: wait shows a caller its own job's outcome, but a duplicate only
  // its acknowledgement: the first job is another sender's.
  auto own = server.Post("/async-key", "{}", {{"X-Key", "k2"}, {"Prefer", "wait=30"}});
  EXPECT_EQ(own->status, 201);
  EXPECT_EQ(own->body, "made");
  auto other = server.Post("/async-key", "{}", {{"X-Key", "k2"}, {"Prefer", "wait=30"}});
  EXPECT_EQ(other->status, 202);
  EXPECT_EQ(other->Header("X-Longhaul-Job-Id"), own->Header("X-Longhaul-Job-Id"));
  EXPECT_EQ(other->body.find("made"), std::string::npos) << other->body;

  // When the wait runs out, an auto route acknowledges as its ack_status and ack_body say.
  auto quiet = server.Post("/auto-quiet", "x");
  EXPECT_EQ(quiet->status, 200);
  EXPECT_EQ(quiet->body, "");
  EXPECT_FALSE(quiet->Header("X-Longhaul-Job-Id").empty());

  // The gated function outlives the route's wait: 202 with the job URL, and it keeps running.
  auto pending = server.Post("/auto", "x");
  EXPECT_EQ(pending->status, 202);
  std::string id = pending->Header("X-Longhaul-Job-Id");
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + id)->body, "state"), "running");
  Touch(scratch.File("gate"));
  ASSERT_FALSE(server.WaitForJobState(id, "succeeded").empty());
  // Now it finishes within the wait, so the auto route answers with the result itself.
  auto done = server.Post("/auto", "quick", {{"Prefer", "wait=30"}});
  EXPECT_EQ(done->status, 200);
  EXPECT_EQ(done->body, "quick");
}

// A sync caller whose wait runs out is told where its job is: still queued (behind the running
// one, the gate closed), not "running".
TEST(IngestE2E, ASyncTimeoutSaysTheJobIsQueued) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("gated", scratch, 1) +
                       "routes:\n"
                       "  - {path: /async, function: gated}\n"
                       "  - {path: /sync, function: gated, ack: sync, wait: 100ms}\n");
  server.Start();
  std::string first = JsonField(server.Post("/async", "first")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(first, "running").empty());
  auto late = server.Post("/sync", "second");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->status, 504);
  EXPECT_NE(late->body.find("it is queued and runs later"), std::string::npos) << late->body;
  Touch(scratch.File("gate"));
}

// One whose job is retrying learns why its last attempt failed (QA: a sync caller waited out
// the whole wait to learn nothing of the upstream's 500).
TEST(IngestE2E, ASyncTimeoutSaysWhyTheJobIsRetrying) {
  ServerProcess server(
      "functions:\n"
      "  flaky: {runtime: command, command: [/bin/sh, -c, 'exit 3'], retries: 2, retry_base: 1h,\n"
      "          retry_max: 1h}\n"
      "routes:\n"
      "  - {path: /sync, function: flaky, ack: sync, wait: 1s}\n");
  server.Start();
  auto late = server.Post("/sync", "x");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->status, 504);
  EXPECT_NE(late->body.find("it is retrying and runs later (attempt 1 of 3 failed: UNKNOWN: exit "
                            "status 3): http://"),
            std::string::npos)
      << late->body;
  // The log names the route and when the retry runs (an hour on).
  const std::string id = late->Header("X-Longhaul-Job-Id");
  EXPECT_TRUE(Eventually([&] {
    return server.Log().find(
               "warn job.retrying job=" + id +
               " function=flaky route=\"POST /sync\" attempt=1 error=\"UNKNOWN: exit status "
               "3\" output=\"\" next_run_at=20") != std::string::npos;
  })) << server.Log();
}

// An ack: auto route is asynchronous once its wait ran out (the caller was answered 202; the
// gate is closed until then): its outcome goes to on_success; one whose caller had the answer
// sends no record.
TEST(IngestE2E, AnAutoRouteAnswered202SendsItsRecord) {
  TempDir scratch;
  const std::string records = scratch.File("records.txt");
  ServerProcess server("functions:\n" + GatedFunction("gated", scratch, 1) +
                       "    on_success: {function: recorder}\n"
                       "  recorder:\n"
                       "    runtime: command\n"
                       "    command: [\"/bin/sh\", \"-c\", \"cat >> " +
                       records + "; echo >> " + records +
                       "\"]\n"
                       "    concurrency: 1\n"
                       "routes:\n"
                       "  - path: /auto\n"
                       "    function: gated\n"
                       "    ack: auto\n"
                       "    wait: 100ms\n");
  server.Start();
  Touch(scratch.File("gate"));
  // Waits as long as it takes (the gate is open): the caller gets the outcome.
  auto waited = server.Post("/auto", "answered", {{"Prefer", "wait=600"}});
  ASSERT_TRUE(waited.ok());
  ASSERT_EQ(waited->status, 200) << waited->body;
  std::filesystem::remove(scratch.File("gate"));
  auto late = server.Post("/auto", "late");
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->status, 202) << late->body;
  Touch(scratch.File("gate"));
  std::string text;
  ASSERT_TRUE(Eventually([&] {
    text = ReadFile(records);
    return text.find("\"Success\"") != std::string::npos;
  })) << server.Log();
  // The records run in order: the first job's would have come first.
  EXPECT_EQ(text.find("\"requestContext\""), text.rfind("\"requestContext\"")) << text;
  EXPECT_NE(text.find(JsonField(late->body, "id")), std::string::npos) << text;
}

TEST(IngestE2E, CancelKillsARunningJob) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  std::string id = JsonField(server.Post("/hook", "x")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(id, "running").empty());
  // A parameter cancel does not take (a --force that is not there) does nothing but say so.
  auto forced = server.AdminPost("/jobs/" + id + "/cancel?force=1");
  EXPECT_EQ(forced->status, 400);
  EXPECT_NE(forced->body.find("unknown parameter 'force': this takes none"), std::string::npos)
      << forced->body;
  EXPECT_EQ(server.AdminPost("/jobs/" + id + "/retry?now=1")->status, 400);
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + id)->body, "state"), "running");
  auto c = server.AdminPost("/jobs/" + id + "/cancel");
  EXPECT_EQ(c->status, 200);
  EXPECT_EQ(JsonField(c->body, "state"), "cancelled");
  auto ended = server.AdminGet("/jobs/" + id + "/result");
  EXPECT_EQ(ended->status, 502);
  EXPECT_EQ(JsonField(ended->body, "error"), "cancelled") << ended->body;
  auto again = server.AdminPost("/jobs/" + id + "/cancel");
  EXPECT_EQ(again->status, 409);
  // The log says who ended it, as it does for the other final states.
  EXPECT_TRUE(Eventually([&] {
    return server.Log().find("job.cancelled job=" + id +
                             " function=work route=\"POST /hook\" by=\"the admin API\"") !=
           std::string::npos;
  })) << server.Log();
  EXPECT_EQ(server.AdminGet("/jobs/NOTAJOB")->status, 404);
  auto unknown = server.AdminGet("/jobs/" + id + "?foo=1");
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(unknown->body.find("unknown parameter 'foo': this takes none"), std::string::npos)
      << unknown->body;
  // As the user typed it, and why: 26 characters, but with an O.
  auto unlike = server.AdminGet("/jobs/O1M97A606Q1R0S6Z9FNX03MK%20Y");
  EXPECT_EQ(unlike->status, 404);
  EXPECT_NE(unlike->body.find("no job O1M97A606Q1R0S6Z9FNX03MK Y (a job id is 26 characters, "
                              "digits and letters other than I, L, O and U)"),
            std::string::npos)
      << unlike->body;
  // A listing's filters are checked: a typo lists nothing rather than everything.
  auto typo = server.AdminGet("/jobs?status=cancelled");
  EXPECT_EQ(typo->status, 400);
  EXPECT_NE(typo->body.find("unknown parameter 'status': use function, state, limit or cursor"),
            std::string::npos)
      << typo->body;
  EXPECT_EQ(server.AdminGet("/jobs?state=cancelled&limit=5&function=work&cursor=")->status, 200);
  auto routes = server.AdminGet("/routes?function=work");
  EXPECT_EQ(routes->status, 400);
  EXPECT_NE(routes->body.find("unknown parameter 'function': this takes none"), std::string::npos)
      << routes->body;
  // A second state would be ignored: refused instead, as an unknown one on /result is.
  auto twice = server.AdminGet("/jobs?state=dead&state=running");
  EXPECT_EQ(twice->status, 400);
  EXPECT_NE(twice->body.find("parameter 'state' is given more than once"), std::string::npos)
      << twice->body;
  auto result = server.AdminGet("/jobs/" + id + "/result?wiat=5s");
  EXPECT_EQ(result->status, 400);
  EXPECT_NE(result->body.find("unknown parameter 'wiat': use wait"), std::string::npos)
      << result->body;
}

// What a cancelled command wrote until then stays with its job: how far did it get?
TEST(IngestE2E, ACancelledJobKeepsItsOutput) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  encode:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo frame-100 >&2; echo partial; "
      "touch " +
      scratch.File("started") +
      "; sleep 30\"]\n"
      "routes:\n"
      "  - path: /encode\n"
      "    function: encode\n");
  server.Start();
  std::string id = JsonField(server.Post("/encode", "x")->body, "id");
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(scratch.File("started")); },
                         std::chrono::seconds(30)));
  EXPECT_EQ(server.AdminPost("/jobs/" + id + "/cancel")->status, 200);
  std::string job;
  EXPECT_TRUE(Eventually(
      [&] {
        job = server.AdminGet("/jobs/" + id)->body;
        return JsonField(job, "stderr_tail") == "frame-100\n";
      },
      std::chrono::seconds(30)))
      << job;
  EXPECT_EQ(JsonField(job, "stdout_tail"), "partial\n");
  EXPECT_EQ(JsonField(job, "state"), "cancelled");
}

TEST(IngestE2E, SigtermLeavesQueuedWorkQueued) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch, 1) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n",
                       "  shutdown_grace: 100ms\n");
  server.Start();
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  std::string queued = JsonField(server.Post("/hook", "q")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty());
  EXPECT_EQ(server.Terminate(), 0);
  Touch(scratch.File("gate"));
  server.Start();
  ASSERT_FALSE(server.WaitForJobState(running, "succeeded").empty()) << server.Log();
  ASSERT_FALSE(server.WaitForJobState(queued, "succeeded").empty());
}

TEST(AdminE2E, TokenIsRequiredWhenConfigured) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n",
                       "  admin_token: s3cret\n");
  server.Start();
  auto anonymous = server.AdminGet("/jobs");
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ(anonymous->status, 401);
  http::ClientRequest wrong;
  wrong.url = server.admin_url() + "/jobs";
  wrong.headers = {{"Authorization", "Bearer nope"}};
  EXPECT_EQ(http::Fetch(wrong)->status, 401);
  http::ClientRequest right = wrong;
  right.headers = {{"Authorization", "Bearer s3cret"}};
  EXPECT_EQ(http::Fetch(right)->status, 200);
  right.headers = {{"Authorization", "bearer s3cret"}};  // the scheme is case-insensitive
  EXPECT_EQ(http::Fetch(right)->status, 200);
  right.headers = {{"Authorization", "Bearer   s3cret"}};  // one or more spaces
  EXPECT_EQ(http::Fetch(right)->status, 200);
  // Health checks need no token: they learn only whether the store can write.
  EXPECT_EQ(server.AdminGet("/healthz")->status, 200);
  // The CLI takes the token from --config also when --admin names the address (with admin: :0
  // it must be named).
  std::string cli = std::string(LONGHAUL_BINARY) + " jobs list --admin " + server.admin_url() +
                    " --config " + server.config_path() + " > /dev/null 2> " +
                    scratch.File("cli.txt");
  EXPECT_EQ(std::system(cli.c_str()), 0) << ReadFile(scratch.File("cli.txt"));
}

TEST(AdminE2E, AWrongMethodIs405WithAllow) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  std::string id = JsonField(server.Post("/hook", "x")->body, "id");
  struct Case {
    const char* method;
    std::string path;
    const char* allow;
  };
  for (const Case& c :
       {Case{"DELETE", "/jobs/" + id, "GET, HEAD"}, Case{"GET", "/jobs/" + id + "/cancel", "POST"},
        Case{"POST", "/healthz", "GET, HEAD"},
        Case{"GET", "/2015-03-31/functions/work/invocations", "POST"}}) {
    http::ClientRequest req;
    req.method = c.method;
    req.url = server.admin_url() + c.path;
    auto r = http::Fetch(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 405) << c.method << " " << c.path;
    EXPECT_EQ(r->Header("Allow"), c.allow) << c.method << " " << c.path;
  }
  http::ClientRequest head;
  head.method = "HEAD";
  head.url = server.admin_url() + "/healthz";
  EXPECT_EQ(http::Fetch(head)->status, 200);
  EXPECT_EQ(server.AdminGet("/nope")->status, 404);
}

TEST(AdminE2E, HealthzAndCliJobsCommands) {
  TempDir scratch;
  Touch(scratch.File("gate"));
  ServerProcess server("functions:\n" + GatedFunction("work", scratch) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  EXPECT_EQ(server.AdminGet("/healthz")->status, 200);
  std::string id = JsonField(server.Post("/hook", "from-cli-test")->body, "id");
  std::string cli = std::string(LONGHAUL_BINARY) + " jobs wait " + id + " --admin " +
                    server.admin_url() + " > " + scratch.File("cli.txt");
  EXPECT_EQ(std::system(cli.c_str()), 0);
  EXPECT_EQ(JsonField(ReadFile(scratch.File("cli.txt")), "state"), "succeeded");
  std::string invoke = std::string(LONGHAUL_BINARY) + " invoke work --data hello --admin " +
                       server.admin_url() + " > " + scratch.File("invoke.txt");
  EXPECT_EQ(std::system(invoke.c_str()), 0);
  EXPECT_EQ(ReadFile(scratch.File("invoke.txt")), "hello");  // the result as it is
  std::string list = std::string(LONGHAUL_BINARY) + " jobs list --admin " + server.admin_url() +
                     " > " + scratch.File("list.txt");
  EXPECT_EQ(std::system(list.c_str()), 0);
  EXPECT_NE(ReadFile(scratch.File("list.txt")).find(id), std::string::npos);
  std::string bad = std::string(LONGHAUL_BINARY) + " jobs show NOPE --admin " + server.admin_url() +
                    " 2> " + scratch.File("err.txt");
  EXPECT_NE(std::system(bad.c_str()), 0);
  EXPECT_NE(ReadFile(scratch.File("err.txt")).find("HTTP 404"), std::string::npos);
  // An id in lower case or percent-encoded is the same job; one that is no id is cut short.
  std::string lower = id;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(server.AdminGet("/jobs/" + lower)->status, 200);
  EXPECT_EQ(server.AdminGet("/jobs/%" + std::to_string(30 + (id[0] - '0')) + id.substr(1))->status,
            200);
  auto long_id = server.AdminGet("/jobs/" + std::string(5000, 'x'));
  EXPECT_EQ(long_id->status, 404);
  EXPECT_LT(long_id->body.size(), 300u) << long_id->body;
}

// `jobs wait` goes by the job's state, not by the status its function answered with (202 or
// 500 from a function that succeeded), and takes its timeout as a duration (a bare number:
// seconds); `jobs list` shows a job whose body is not UTF-8; a client command whose config cannot
// be read says so instead of calling a default address.
TEST(AdminE2E, CliWaitsOnTheJobStateAndNamesABadConfig) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  answer:\n"
      "    runtime: command\n"
      "    command: [\"/bin/cat\"]\n" +
      GatedFunction("gated", scratch) +
      "routes:\n"
      "  - path: /answer\n"
      "    function: answer\n"
      "  - path: /gated\n"
      "    function: gated\n");
  server.Start();
  for (const char* status : {"202", "500"}) {
    std::string id = JsonField(
        server.Post("/answer", std::string(R"({"statusCode":)") + status + R"(,"body":"b"})")->body,
        "id");
    std::string cli = std::string(LONGHAUL_BINARY) + " jobs wait " + id + " --timeout " +
                      (status[0] == '2' ? "60" : "1m") + " --admin " + server.admin_url() + " > " +
                      scratch.File("wait.txt");
    EXPECT_EQ(std::system(cli.c_str()), 0) << status;
    EXPECT_EQ(JsonField(ReadFile(scratch.File("wait.txt")), "state"), "succeeded") << status;
  }

  std::string binary_id = JsonField(server
                                        .Post("/answer", std::string("a\xff\xfe"
                                                                     "b"))
                                        ->body,
                                    "id");
  ASSERT_FALSE(server.WaitForJobState(binary_id, "succeeded").empty());
  std::string list = std::string(LONGHAUL_BINARY) + " jobs list --admin " + server.admin_url() +
                     " > " + scratch.File("list.txt");
  EXPECT_EQ(std::system(list.c_str()), 0);
  std::string table = ReadFile(scratch.File("list.txt"));
  EXPECT_NE(table.find(binary_id), std::string::npos) << table;
  EXPECT_EQ(table.find('{'), std::string::npos) << "the raw JSON, not the table: " << table;

  // Three jobs, two to a page: the first page says how to get the second, which has the third.
  std::string page = std::string(LONGHAUL_BINARY) + " jobs list --limit 2 --admin " +
                     server.admin_url() + " 2> " + scratch.File("more.txt");
  EXPECT_EQ(std::system(page.c_str()), 0);
  std::string more = ReadFile(scratch.File("more.txt"));
  // The hint is the command for the next page: the same server, filters and page size.
  const std::string hint =
      "more: longhaul jobs list --admin " + server.admin_url() + " --limit 2 --cursor ";
  ASSERT_EQ(more.rfind(hint, 0), 0u) << more;
  std::string next = std::string(LONGHAUL_BINARY) + more.substr(14, more.find('\n') - 14) + " > " +
                     scratch.File("next.txt") + " 2> " + scratch.File("more2.txt");
  EXPECT_EQ(std::system(next.c_str()), 0);
  EXPECT_EQ(CountLines(scratch.File("next.txt")), 2) << "a header and the oldest job";
  EXPECT_EQ(ReadFile(scratch.File("more2.txt")), "");

  // An empty id is not the listing (GET /jobs/).
  std::string empty_id = std::string(LONGHAUL_BINARY) + " jobs show '' --admin " +
                         server.admin_url() + " 2> " + scratch.File("empty.txt");
  EXPECT_EQ(std::system(empty_id.c_str()) >> 8, 1);
  EXPECT_EQ(ReadFile(scratch.File("empty.txt")), "error: the job id is empty\n");

  std::string missing = std::string(LONGHAUL_BINARY) + " jobs list --config " +
                        scratch.File("nope.yaml") + " 2> " + scratch.File("err.txt");
  EXPECT_EQ(std::system(missing.c_str()) >> 8, 1);
  EXPECT_NE(ReadFile(scratch.File("err.txt")).find(scratch.File("nope.yaml")), std::string::npos)
      << ReadFile(scratch.File("err.txt"));

  // A job that does not end in time.
  std::string out;
  std::string err;
  const std::string held = JsonField(server.Post("/gated", "x")->body, "id");
  EXPECT_EQ(
      server.RunToExit({"jobs", "wait", held, "--timeout", "300ms", "--admin", server.admin_url()},
                       &out, &err),
      3);
  EXPECT_NE(err.find("error: job " + held + " did not finish within 300ms (it is "),
            std::string::npos)
      << err;
  EXPECT_EQ(server.RunToExit({"jobs", "wait", held, "--timeout", "soon"}, &out, &err), 1);
  EXPECT_NE(err.find("--timeout: invalid duration 'soon'"), std::string::npos) << err;

  // A ./longhaul.yaml nobody named is not read where --admin names the server (QA: a broken
  // one failed the command, and its admin_token went to whatever server --admin named).
  const std::string cwd = scratch.File("cwd");
  std::filesystem::create_directory(cwd);
  std::ofstream(cwd + "/longhaul.yaml") << "server: [\n";
  std::string named = "cd " + cwd + " && " + std::string(LONGHAUL_BINARY) + " jobs list --admin " +
                      server.admin_url() + " > " + scratch.File("named.txt") + " 2>&1";
  EXPECT_EQ(std::system(named.c_str()) >> 8, 0) << ReadFile(scratch.File("named.txt"));
  std::string unnamed = "cd " + cwd + " && " + std::string(LONGHAUL_BINARY) + " jobs list > " +
                        scratch.File("unnamed.txt") + " 2>&1";
  EXPECT_EQ(std::system(unnamed.c_str()) >> 8, 1) << "./longhaul.yaml is read when nothing else "
                                                     "names the server";
  std::ofstream(scratch.File("gate")) << "";
}

}  // namespace
}  // namespace longhaul::testing
