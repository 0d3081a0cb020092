// Orderly stops and reloads of the real binary: SIGTERM drains (no new connections, running work
// gets its grace, queued work stays queued, exit 0), SIGHUP reloads the configuration (new
// routes appear, in-flight requests keep their answer, an invalid file is rejected and the old
// configuration keeps serving).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/raw_conn.h"
#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

// A POST of `body` to `path`, as one raw request.
std::string PostRequest(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

bool CanConnect(int port) {
  RawConn c(port);
  return c.connected();
}

// Logs "start <job>" to out.txt, waits for the gate file, logs "end <job>", echoes its input.
std::string GatedFunction(const TempDir& dir, int concurrency) {
  const std::string out = dir.File("out.txt");
  return "  work:\n"
         "    runtime: command\n"
         "    command: [\"/bin/sh\", \"-c\", \"echo start $LONGHAUL_JOB_ID >> " +
         out + "; while [ ! -f " + dir.File("gate") + " ]; do [ -d " + dir.path() +
         " ] || exit 1; sleep 0.02; done; echo end "
         "$LONGHAUL_JOB_ID >> " +
         out +
         "; cat\"]\n"
         "    concurrency: " +
         std::to_string(concurrency) +
         "\n"
         "    retries: 0\n";
}

TEST(LifecycleE2E, SigtermRefusesNewConnectionsAndGivesRunningWorkItsGrace) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n",
                       "  shutdown_grace: 60s\n");
  server.Start();
  const int port = server.public_port();
  RawConn kept(port);  // opened before the signal, idle during it
  ASSERT_TRUE(kept.connected());
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  std::string queued = JsonField(server.Post("/hook", "q")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty());

  server.Signal(SIGTERM);
  // The listener closes at once, while the running job keeps the process alive.
  EXPECT_TRUE(Eventually([&] { return !CanConnect(port); }, std::chrono::seconds(10)));
  EXPECT_EQ(::kill(server.pid(), 0), 0) << "exited before the running job's grace ran out";
  EXPECT_NE(server.Log().find("server.stopping"), std::string::npos);

  // A request on a connection opened before the signal is still answered, durably, and then
  // that connection is closed.
  ASSERT_TRUE(kept.Send(PostRequest("/hook", "late")));
  std::string late = kept.ReadResponse(std::chrono::seconds(10));
  ASSERT_NE(late.find(" 202 "), std::string::npos) << late;
  EXPECT_NE(late.find("Connection: close"), std::string::npos) << late;
  EXPECT_TRUE(kept.ClosedByPeer(std::chrono::seconds(10)));
  size_t id_at = late.find("\"id\":\"");
  ASSERT_NE(id_at, std::string::npos) << late;
  std::string late_id = late.substr(id_at + 6, 26);

  // The admin API answers through the drain: what runs, and that the server is stopping.
  auto shown = server.AdminGet("/jobs/" + running);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  EXPECT_EQ(JsonField(shown->body, "state"), "running") << shown->body;
  auto health = server.AdminGet("/healthz");
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->status, 503) << health->body;
  EXPECT_NE(health->body.find("stopping"), std::string::npos) << health->body;
  // A synchronous Invoke is refused (nothing would run it now); an Event one is stored for the
  // next start.
  const std::string invoke = "/2015-03-31/functions/work/invocations";
  auto sync = server.AdminPost(invoke, "{}");
  ASSERT_TRUE(sync.ok()) << sync.status().ToString();
  EXPECT_EQ(sync->status, 503) << sync->body;
  EXPECT_EQ(sync->Header("Retry-After"), "1");
  auto event = server.AdminPost(invoke, "{}", {{"X-Amz-Invocation-Type", "Event"}});
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->status, 202) << event->body;
  const std::string event_id = event->Header("X-Longhaul-Job-Id");

  // The running job finishes within its grace; the process exits 0.
  Touch(scratch.File("gate"));
  EXPECT_EQ(server.WaitForExit(), 0) << server.Log();
  std::string out = ReadFile(scratch.File("out.txt"));
  EXPECT_NE(out.find("end " + running), std::string::npos) << out;
  EXPECT_EQ(out.find("start " + queued), std::string::npos) << "queued work ran during the drain";
  EXPECT_EQ(out.find("start " + late_id), std::string::npos) << out;

  // The running job's outcome was recorded before the exit; queued work runs after a restart.
  server.Start();
  std::string job = server.WaitForJobState(running, "succeeded", std::chrono::seconds(1));
  EXPECT_FALSE(job.empty()) << "the finished job was not recorded before the exit";
  EXPECT_EQ(JsonField(job, "attempts"), "1");
  EXPECT_FALSE(server.WaitForJobState(queued, "succeeded").empty()) << server.Log();
  EXPECT_FALSE(server.WaitForJobState(late_id, "succeeded").empty()) << server.Log();
  EXPECT_FALSE(server.WaitForJobState(event_id, "succeeded").empty()) << server.Log();
  out = ReadFile(scratch.File("out.txt"));
  EXPECT_EQ(out.find("start " + running), out.rfind("start " + running)) << "ran twice: " << out;
}

TEST(LifecycleE2E, SigtermPastTheGraceRequeuesTheRunningJob) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n",
                       "  shutdown_grace: 300ms\n");
  server.Start();
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty());
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
  EXPECT_NE(server.Log().find("sched.shutdown_cancelling"), std::string::npos) << server.Log();

  Touch(scratch.File("gate"));
  server.Start();
  std::string job = server.WaitForJobState(running, "succeeded");
  ASSERT_FALSE(job.empty()) << server.Log();
  // The attempt the shutdown cut short was given back: it does not count against retries: 0.
  EXPECT_EQ(JsonField(job, "attempts"), "1");
}

// A second SIGTERM (or Ctrl-C) during a long grace stops the running attempts at once; their
// jobs go back to the queue as with any stop.
TEST(LifecycleE2E, ASecondSigtermEndsTheGrace) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n",
                       "  shutdown_grace: 1h\n");
  server.Start();
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty());
  server.Signal(SIGTERM);
  ASSERT_TRUE(Eventually([&] { return server.Log().find("server.stopping") != std::string::npos; }))
      << server.Log();
  EXPECT_EQ(server.Terminate(), 0) << server.Log();  // the second one
  EXPECT_NE(server.Log().find("server.stopping_now"), std::string::npos) << server.Log();
  EXPECT_NE(server.Log().find("sched.requeued"), std::string::npos) << server.Log();
}

// A sync caller waits for a running job while the server stops: with `grace` given, after one
// signal (the grace runs out) or two (a second signal, Ctrl-C twice, cuts the grace but not the
// answers), it gets 503 naming the stored job, which runs after a restart.
void ExpectAWaitingCallerAnsweredAtStop(const std::string& grace, bool second_signal) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n"
                           "    ack: sync\n"
                           "    wait: 10m\n",
                       "  shutdown_grace: " + grace + "\n");
  server.Start();
  base::Result<http::ClientResponse> answer = base::Internal("no answer");
  std::thread caller([&] { answer = server.Post("/hook", "r"); });
  std::string started;
  ASSERT_TRUE(Eventually([&] {
    started = ReadFile(scratch.File("out.txt"));
    return started.rfind("start ", 0) == 0;
  }));
  const std::string id = started.substr(6, started.find('\n') - 6);
  if (second_signal) {
    server.Signal(SIGINT);
    ASSERT_TRUE(Eventually([&] {
      return server.Log().find("server.stopping") != std::string::npos;
    })) << server.Log();
  }
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
  caller.join();
  ASSERT_TRUE(answer.ok()) << answer.status().ToString() << "\n" << server.Log();
  EXPECT_EQ(answer->status, 503) << answer->body;
  EXPECT_EQ(answer->Header("X-Longhaul-Job-Id"), id);
  EXPECT_NE(answer->body.find("the server is stopping"), std::string::npos) << answer->body;

  Touch(scratch.File("gate"));
  server.Start();
  EXPECT_FALSE(server.WaitForJobState(id, "succeeded").empty()) << server.Log();
}

TEST(LifecycleE2E, ASyncCallerStillWaitingAtShutdownGetsAnAnswer) {
  ExpectAWaitingCallerAnsweredAtStop("300ms", /*second_signal=*/false);
}

TEST(LifecycleE2E, ASyncCallerStillWaitingAtASecondSignalGetsAnAnswer) {
  ExpectAWaitingCallerAnsweredAtStop("1h", /*second_signal=*/true);
}

// The pids in `path`, one per line, once there are at least `n` (polling the file).
std::vector<pid_t> WaitForPids(const std::string& path, size_t n) {
  std::vector<pid_t> pids;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    pids.clear();
    std::istringstream lines(ReadFile(path));
    for (pid_t pid = 0; lines >> pid;) pids.push_back(pid);
    if (pids.size() >= n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the condition
  }
  return pids;
}

// Running, or stopped, but neither gone nor a zombie.
// Whether the server's child table (docs/on-disk-format.md) has a slot naming `pid`.
bool RecordsChild(const std::string& table, pid_t pid) {
  std::ifstream in(table, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t at = 64; at + 16 <= bytes.size(); at += 16) {
    int64_t spawned_at = 0;
    int32_t slot_pid = 0;
    std::memcpy(&spawned_at, bytes.data() + at, sizeof spawned_at);
    std::memcpy(&slot_pid, bytes.data() + at + 8, sizeof slot_pid);
    if (spawned_at != 0 && slot_pid == pid) return true;
  }
  return false;
}

bool Alive(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

bool DiesWithin(pid_t pid, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (Alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the condition
  }
  return !Alive(pid);
}

// kill -9 leaves the running job's process behind; the next start stops it before the job runs
// again, so the second attempt never runs beside the first.
// The attempt that runs the job again is told that one was cut short (LONGHAUL_INTERRUPTED),
// and so is GET /jobs/{id} (`interruptions`): the job may have done part of its work.
TEST(LifecycleE2E, ChildrenOfAKilledServerAreStoppedBeforeTheirJobRunsAgain) {
  TempDir scratch;
  const std::string pids = scratch.File("pids");
  const std::string marks = scratch.File("interrupted");
  ServerProcess server(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo $LONGHAUL_INTERRUPTED >> " +
          marks + "; echo $$ >> " + pids +
          "; exec sleep 3600\"]\n"
          "routes:\n"
          "  - path: /hook\n"
          "    function: work\n",
      "  shutdown_grace: 200ms\n");
  server.Start();
  std::string id = JsonField(server.Post("/hook", "x")->body, "id");
  std::vector<pid_t> first = WaitForPids(pids, 1);
  ASSERT_EQ(first.size(), 1u) << server.Log();
  // The child can write its pid before the server has recorded it: wait for the record.
  const std::string table = server.dir().File("data") + "/children.tab";
  auto recorded_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!RecordsChild(table, first[0]) && std::chrono::steady_clock::now() < recorded_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the condition
  }
  ASSERT_TRUE(RecordsChild(table, first[0])) << table;
  server.Kill();
  ASSERT_TRUE(Alive(first[0])) << "the child did not outlive the killed server";

  server.Start();
  EXPECT_TRUE(DiesWithin(first[0], std::chrono::seconds(30)));
  EXPECT_NE(server.Log().find("sched.leftover_children_killed"), std::string::npos) << server.Log();
  std::vector<pid_t> both = WaitForPids(pids, 2);  // the job's next attempt
  ASSERT_EQ(both.size(), 2u) << server.Log();
  EXPECT_TRUE(Alive(both[1]));
  EXPECT_EQ(ReadFile(marks), "0\n1\n");
  auto job = server.AdminGet("/jobs/" + id);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(JsonField(job->body, "interruptions"), "1") << job->body;
  EXPECT_EQ(JsonField(job->body, "attempts"), "1") << "the cut-short attempt is not counted";
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
  EXPECT_TRUE(DiesWithin(both[1], std::chrono::seconds(30)));
}

// A command reads the whole request body even when the server is killed before it has read
// any of it: the body is in place before the command starts, not pumped in by the server (a
// killed server's pipe would end after what the kernel buffered, which looks like a whole body).
TEST(LifecycleE2E, ACommandGetsItsWholeBodyEvenWhenTheServerIsKilledMeanwhile) {
  TempDir scratch;
  const std::string pids = scratch.File("pids");
  const std::string counts = scratch.File("counts");
  ServerProcess server(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo $$ >> " +
      pids + "; while [ ! -f " + scratch.File("gate") + " ]; do sleep 0.02; done; wc -c >> " +
      counts +
      "\"]\n"
      "routes:\n"
      "  - path: /hook\n"
      "    function: work\n");
  server.Start();
  const std::string body(3'000'000, 'b');  // far more than a pipe holds
  ASSERT_EQ(server.Post("/hook", body)->status, 202);
  std::vector<pid_t> first = WaitForPids(pids, 1);
  ASSERT_EQ(first.size(), 1u) << server.Log();
  server.Kill();
  ASSERT_TRUE(Alive(first[0])) << "the command did not outlive the killed server";
  std::ofstream(scratch.File("gate")) << "";
  ASSERT_TRUE(DiesWithin(first[0], std::chrono::seconds(30)));
  std::ifstream in(counts);
  std::string count;
  std::getline(in, count);
  EXPECT_EQ(count, "3000000");
}

TEST(LifecycleE2E, ASecondServerOnTheSameDataDirRefusesToStartAndHarmsNothing) {
  TempDir scratch;
  const std::string body = "functions:\n" + GatedFunction(scratch, 1) +
                           "routes:\n"
                           "  - path: /hook\n"
                           "    function: work\n";
  ServerProcess server(body);
  server.Start();
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty()) << server.Log();

  const std::string second = scratch.File("second.yaml");
  std::ofstream(second) << "server:\n"
                           "  listen: 127.0.0.1:0\n"
                           "  admin: 127.0.0.1:0\n"
                           "  data_dir: "
                        << server.dir().File("data")
                        << "\n"
                           "  node_id: test-node\n"
                        << body;
  std::string err;
  EXPECT_EQ(server.RunToExit({"serve", "--config", second}, nullptr, &err), 1);
  EXPECT_NE(err.find("in use by another running longhaul"), std::string::npos) << err;

  // The first server's running job was neither killed nor taken back: it finishes once.
  std::ofstream(scratch.File("gate")) << "";
  std::string job = server.WaitForJobState(running, "succeeded");
  ASSERT_FALSE(job.empty()) << server.Log();
  EXPECT_EQ(JsonField(job, "attempts"), "1");
  EXPECT_EQ(server.Log().find("leftover_children_killed"), std::string::npos) << server.Log();
}

// server.retention: a finished job goes (its status answers 404) once it is older than the
// retention; a job still running stays, however old.
TEST(LifecycleE2E, FinishedJobsAreDeletedAfterTheRetention) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  quick: {runtime: command, command: [/bin/true]}\n" +
          GatedFunction(scratch, 1) +
          "routes:\n"
          "  - {path: /quick, function: quick}\n"
          "  - {path: /work, function: work}\n",
      "  lease: 1s\n  retention: 1ms\n");
  server.Start();
  std::string running = JsonField(server.Post("/work", "w")->body, "id");
  std::string done = JsonField(server.Post("/quick", "q")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty()) << server.Log();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = server.AdminGet("/jobs/" + done);
    ASSERT_TRUE(r.ok());
    status = r->status;
    if (status == 404) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the condition
  }
  EXPECT_EQ(status, 404) << server.Log();
  EXPECT_NE(server.Log().find("store.jobs_purged"), std::string::npos) << server.Log();
  auto kept = server.AdminGet("/jobs/" + running);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->status, 200);
  Touch(scratch.File("gate"));  // lets the command end
}

// SIGTERM while many requests are in flight: every 2xx is kept and the process exits 0 (no crash
// in teardown while appends are still completing).
TEST(LifecycleE2E, SigtermUnderLoadExitsZeroAndKeepsEveryAck) {
  ServerProcess server(
      "functions:\n"
      "  quick:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat > /dev/null\"]\n"
      "    concurrency: 8\n"
      "routes:\n"
      "  - path: /hook\n"
      "    function: quick\n",
      "  shutdown_grace: 10s\n");
  std::vector<std::string> acked;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    server.Start();
    std::mutex mu;
    std::atomic<int> answered{0};
    std::atomic<int> bad{0};
    std::vector<std::thread> senders;
    for (int t = 0; t < 8; ++t) {
      senders.emplace_back([&] {
        for (;;) {
          auto r = server.Post("/hook", std::string(512, 'x'));
          if (!r.ok()) return;  // the listener is gone, or the process
          if (r->status == 202) {
            std::lock_guard<std::mutex> lock(mu);
            acked.push_back(r->Header("X-Longhaul-Job-Id"));
          } else if (r->status != 503) {
            ++bad;
          }
          ++answered;
        }
      });
    }
    ASSERT_TRUE(Eventually([&] { return answered.load() >= 300; }));
    const int code = server.Terminate();
    for (auto& t : senders) t.join();
    EXPECT_EQ(code, 0) << server.Log().substr(
        server.Log().size() > 3000 ? server.Log().size() - 3000 : 0);
    EXPECT_EQ(bad.load(), 0);
  }
  server.Start();
  for (const std::string& id : acked) {
    ASSERT_FALSE(server.WaitForJobState(id, "succeeded").empty()) << "lost " << id;
  }
}

// A server started with the signals it handles blocked (a supervisor's mask is inherited) still
// reloads on SIGHUP and stops on SIGTERM.
TEST(LifecycleE2E, SignalsBlockedByWhatStartedItAreHeard) {
  TempDir scratch;
  std::ofstream(scratch.File("gate")) << "open";  // the jobs end at once
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                       "routes:\n"
                       "  - path: /a\n"
                       "    function: work\n");
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGHUP);
  sigset_t before;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &blocked, &before), 0);
  server.Start();  // fork and exec from this thread: the server starts with them blocked
  pthread_sigmask(SIG_SETMASK, &before, nullptr);

  server.WriteConfig("functions:\n" + GatedFunction(scratch, 1) +
                     "routes:\n"
                     "  - path: /b\n"
                     "    function: work\n");
  server.Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] {  // without it, the SIGTERM below would not be heard either
    auto r = server.Post("/b", "x");
    return r.ok() && r->status == 202;
  })) << server.Log();
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

TEST(LifecycleE2E, SighupReloadsRoutesKeepsInFlightRequestsAndRejectsABadFile) {
  TempDir scratch;
  const std::string function = GatedFunction(scratch, 4);
  ServerProcess server("functions:\n" + function +
                       "routes:\n"
                       "  - path: /a\n"
                       "    function: work\n"
                       "  - path: /sync\n"
                       "    function: work\n"
                       "    ack: sync\n"
                       "    wait: 60s\n");
  server.Start();
  EXPECT_EQ(server.Post("/b", "x")->status, 404);

  // A request waiting for its result on a route the new file drops.
  base::Result<http::ClientResponse> in_flight = base::Internal("not answered");
  std::thread waiter([&] { in_flight = server.Post("/sync", "in-flight"); });
  ASSERT_TRUE(Eventually([&] {
    auto list = server.AdminGet("/jobs?state=running");
    return list.ok() && list->body.find("\"id\"") != std::string::npos;
  }));

  // The new file also changes a limit that only a restart applies: said, and not applied.
  server.set_server_extra("  body_limit: 1KiB\n");
  server.WriteConfig("functions:\n" + function +
                     "routes:\n"
                     "  - path: /a\n"
                     "    function: work\n"
                     "  - path: /b\n"
                     "    function: work\n");
  server.Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] {
    auto r = server.Post("/b", "x");
    return r.ok() && r->status == 202;
  })) << server.Log();
  EXPECT_NE(server.Log().find("config.reloaded"), std::string::npos);
  EXPECT_NE(server.Log().find("config.restart_needed"), std::string::npos) << server.Log();
  EXPECT_NE(server.Log().find("server.body_limit"), std::string::npos) << server.Log();
  EXPECT_EQ(server.Post("/b", std::string(2048, 'x'))->status, 202);
  // Back to the values it runs with: nothing to restart for (compared with the start, not with
  // the last file).
  server.set_server_extra("");
  server.WriteConfig("functions:\n" + function +
                     "routes:\n"
                     "  - path: /a\n"
                     "    function: work\n"
                     "  - path: /b\n"
                     "    function: work\n");
  server.Signal(SIGHUP);
  auto count = [&](const std::string& what) {
    std::string log = server.Log();
    int n = 0;
    for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_TRUE(Eventually([&] { return count("config.reloaded") == 2; })) << server.Log();
  EXPECT_EQ(count("config.restart_needed"), 1) << server.Log();
  EXPECT_EQ(server.Post("/sync", "x")->status, 404);

  Touch(scratch.File("gate"));
  waiter.join();
  ASSERT_TRUE(in_flight.ok()) << in_flight.status().ToString();
  EXPECT_EQ(in_flight->status, 200);
  EXPECT_EQ(in_flight->body, "in-flight");

  // A file that does not validate: rejected with a log line, the running config stays.
  server.WriteConfig("functions:\n" + function +
                     "routes:\n"
                     "  - path: /c\n"
                     "    function: no-such-function\n");
  server.Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] {
    return server.Log().find("config.reload_rejected") != std::string::npos;
  })) << server.Log();
  EXPECT_EQ(server.Post("/a", "x")->status, 202);
  EXPECT_EQ(server.Post("/b", "x")->status, 202);
  EXPECT_EQ(server.Post("/c", "x")->status, 404);
  EXPECT_EQ(::kill(server.pid(), 0), 0);
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

// A retry of a job whose function the reloaded config dropped is refused: it would only wait.
TEST(LifecycleE2E, RetryOfAJobWhoseFunctionIsGoneIsRefused) {
  TempDir scratch;
  const std::string functions =
      "functions:\n"
      "  keep:\n"
      "    runtime: command\n"
      "    command: [/bin/true]\n";
  ServerProcess server(functions +
                       "  gone:\n"
                       "    runtime: command\n"
                       "    command: [/bin/true]\n"
                       "routes:\n"
                       "  - path: /gone\n"
                       "    function: gone\n");
  server.Start();
  std::string id = JsonField(server.Post("/gone", "x")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(id, "succeeded").empty());
  server.WriteConfig(functions);
  server.Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return server.Log().find("config.reloaded") != std::string::npos; }))
      << server.Log();
  auto r = server.AdminPost("/jobs/" + id + "/retry");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_NE(r->body.find("which the configuration does not have"), std::string::npos) << r->body;
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + id)->body, "state"), "succeeded");
}

// A reload that removes the function of a job running now says so at once: the job waits for
// the function once its attempt ends, as queued ones do.
TEST(LifecycleE2E, AReloadNamesTheRemovedFunctionOfARunningJob) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty());
  server.WriteConfig(
      "functions:\n"
      "  other:\n"
      "    runtime: command\n"
      "    command: [/bin/true]\n");
  server.Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return server.Log().find("config.reloaded") != std::string::npos; }))
      << server.Log();
  EXPECT_NE(server.Log().find("sched.function_missing function=work"), std::string::npos)
      << server.Log();
  Touch(scratch.File("gate"));
}

// A start with jobs queued for a function the config no longer has (renamed, say) says so,
// as does a program that is not there: both would otherwise show only as jobs that never run.
TEST(LifecycleE2E, AStartNamesQueuedWorkWithoutAFunctionAndMissingPrograms) {
  TempDir scratch;
  ServerProcess server("functions:\n" + GatedFunction(scratch, 1) +
                       "routes:\n"
                       "  - path: /hook\n"
                       "    function: work\n");
  server.Start();
  std::string running = JsonField(server.Post("/hook", "r")->body, "id");
  std::string queued = JsonField(server.Post("/hook", "q")->body, "id");
  ASSERT_FALSE(server.WaitForJobState(running, "running").empty());
  EXPECT_EQ(server.Log().find("sched.function_missing"), std::string::npos);
  server.Kill();

  server.WriteConfig(
      "functions:\n"
      "  renamed:\n"
      "    runtime: command\n"
      "    command: [./not-deployed-yet.sh]\n");
  server.Start();
  std::string log = server.Log();
  EXPECT_NE(log.find("sched.function_missing function=work"), std::string::npos) << log;
  EXPECT_NE(log.find("config.warning at=" + server.config_path() +
                     ":7 warning=\"functions.renamed: program "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("not-deployed-yet.sh: No such file or directory"), std::string::npos) << log;
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + queued)->body, "state"), "queued");
}

}  // namespace
}  // namespace longhaul::testing
