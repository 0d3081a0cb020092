// Callers that wait for a job's result (a sync route, Prefer: wait, GET /jobs/{id}/result?wait=,
// a synchronous Invoke) against the real binary: a caller that hangs up frees its connection
// while the job runs on, so callers that gave up cannot lock out everyone else.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "testing/raw_conn.h"
#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n' ? 1 : 0;
  return n;
}

TEST(WaitsE2E, ACallerThatHangsUpFreesItsConnection) {
  TempDir scratch;
  const std::string out = scratch.File("out.txt");
  ServerProcess server(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"echo start >> " +
          out + "; while [ ! -f " + scratch.File("gate") + " ]; do [ -d " + scratch.path() +
          " ] || exit 1; sleep 0.02; done; echo done\"]\n"
          "    concurrency: 8\n"
          "routes:\n"
          "  - path: /sync\n"
          "    function: work\n"
          "    ack: sync\n"
          "    wait: 10m\n"
          "  - path: /hook\n"
          "    function: work\n",
      "  max_connections: 2\n");
  server.Start();
  // Both connections wait for their jobs, then their clients give up.
  for (size_t i = 1; i <= 2; ++i) {
    auto caller = std::make_unique<RawConn>(server.public_port());
    ASSERT_TRUE(caller->Send("POST /sync HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx"));
    ASSERT_TRUE(Eventually([&] { return CountLines(ReadFile(out)) == i; })) << server.Log();
    caller.reset();
  }
  // Their slots come back: a new sender is served, not told 503 until the jobs end.
  int status = 0;
  EXPECT_TRUE(Eventually([&] {
    auto r = server.Post("/hook", "y");
    status = r.ok() ? r->status : 0;
    return status == 202;
  })) << "last status "
      << status << "\n"
      << server.Log();
  // The jobs of the callers that left run on to their end.
  std::ofstream(scratch.File("gate")) << "go";
  auto page = server.AdminGet("/jobs?state=succeeded");
  EXPECT_TRUE(Eventually([&] {
    page = server.AdminGet("/jobs?state=succeeded&limit=10");
    return page.ok() && JsonAt(page->body, "/jobs/2/id") != "";
  })) << (page.ok() ? page->body : page.status().ToString());
}

// A client that half-closes after its request (`nc -N`) looks like one that hung up: it is told,
// truthfully, that its job was accepted and runs on, not a timeout that did not happen.
TEST(WaitsE2E, AHalfClosedCallerGetsTheJobAccepted) {
  TempDir scratch;
  ServerProcess server(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"while [ ! -f " +
      scratch.File("gate") + " ]; do [ -d " + scratch.path() +
      " ] || exit 1; sleep 0.02; done; echo done\"]\n"
      "routes:\n"
      "  - path: /sync\n"
      "    function: work\n"
      "    ack: sync\n"
      "    wait: 10m\n");
  server.Start();
  RawConn caller(server.public_port());
  ASSERT_TRUE(caller.Send("POST /sync HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx"));
  caller.CloseSending();
  const std::string answer = caller.ReadResponse(std::chrono::seconds(30));
  EXPECT_EQ(answer.rfind("HTTP/1.1 202 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"status_url\""), std::string::npos) << answer;
  std::ofstream(scratch.File("gate")) << "go";
}

}  // namespace
}  // namespace longhaul::testing
