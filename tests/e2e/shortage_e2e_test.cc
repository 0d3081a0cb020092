// The server out of file descriptors, as when its open-file limit is too low for its load: the
// real binary, whose limit the test lowers (prlimit) once its connections are open, so that no
// new descriptor can be made. A job it cannot start keeps its attempts and runs once it can; a
// synchronous Invoke it cannot start gets a 503 to retry, not the function's error.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <set>
#include <string>

#include "testing/raw_conn.h"
#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

constexpr auto kWait = std::chrono::seconds(30);

std::string Request(const std::string& method, const std::string& path,
                    const std::string& body = "") {
  return method + " " + path +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// One request on an open connection; the whole answer ("" when none came).
std::string Exchange(RawConn& conn, const std::string& request) {
  if (!conn.Send(request)) return "";
  return conn.ReadResponse(kWait);
}

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

// Lowers `pid`'s soft open-file limit to its lowest free descriptor number: every descriptor
// below it is open, so the process can open no new one. Returns the limit it had.
rlimit AllowNoNewFiles(pid_t pid) {
  std::set<int> open;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    open.insert(std::stoi(entry.path().filename().string()));
  }
  int lowest_free = 0;
  while (open.count(lowest_free) > 0) lowest_free++;
  rlimit before{};
  rlimit lowered{};
  EXPECT_EQ(prlimit(pid, RLIMIT_NOFILE, nullptr, &before), 0);
  lowered = before;
  lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
  EXPECT_EQ(prlimit(pid, RLIMIT_NOFILE, &lowered, nullptr), 0);
  return before;
}

TEST(ShortageE2E, WorkTheServerCannotStartWaitsForItWithoutUsingItsAttempts) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers' runtime in the server needs descriptors of its own (to check memory it
  // reports on): out of them, UBSan reports a type error that is not there, and the server stops
  // (as in HostileLimitsE2E). The plain build runs this test.
  GTEST_SKIP() << "not under the sanitizers";
#endif
  ServerProcess server(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/cat\"]\n"
      "    retries: 0\n"
      "  echo:\n"
      "    runtime: lambda\n"
      "    bootstrap: " LONGHAUL_EXAMPLE_BOOTSTRAP
      "\n"
      "routes:\n"
      "  - {path: /work, function: work}\n");
  server.Start();
  // Both connections are open, and answered once, before the limit falls.
  RawConn pub(server.public_port());
  RawConn admin(server.admin_port());
  std::string first = Exchange(pub, Request("POST", "/work", "before"));
  ASSERT_NE(first.find(" 202 "), std::string::npos) << first;
  const std::string first_id = JsonField(Body(first), "id");
  ASSERT_NE(server.WaitForJobState(first_id, "succeeded"), "");
  ASSERT_NE(Exchange(admin, Request("GET", "/jobs/" + first_id)).find(" 200 "), std::string::npos);

  const rlimit before = AllowNoNewFiles(server.pid());
  // Acknowledged (the store's files are open), but the command's pipes cannot be made.
  std::string acked = Exchange(pub, Request("POST", "/work", "during"));
  ASSERT_NE(acked.find(" 202 "), std::string::npos) << acked << server.Log();
  const std::string id = JsonField(Body(acked), "id");
  std::string job;
  ASSERT_TRUE(Eventually([&] {
    job = Body(Exchange(admin, Request("GET", "/jobs/" + id)));
    return JsonField(job, "state") == "retrying";
  })) << job
      << server.Log();
  // retries: 0, and still not dead: the attempt that never started does not count.
  EXPECT_EQ(JsonAt(job, "/attempts"), "0") << job;
  EXPECT_NE(JsonField(job, "last_error").find("RESOURCE_EXHAUSTED"), std::string::npos) << job;

  // A caller that waits is told to come back: nothing ran, so nothing runs twice.
  std::string invoked =
      Exchange(admin, Request("POST", "/2015-03-31/functions/work/invocations", "{}"));
  EXPECT_NE(invoked.find(" 503 "), std::string::npos) << invoked;
  EXPECT_NE(invoked.find("Retry-After: 1"), std::string::npos) << invoked;
  EXPECT_NE(invoked.find("ServiceException"), std::string::npos) << invoked;
  EXPECT_EQ(invoked.find("X-Amz-Function-Error"), std::string::npos) << invoked;
  // So is one whose Lambda runtime cannot be started (its Runtime API endpoint needs files).
  std::string cold =
      Exchange(admin, Request("POST", "/2015-03-31/functions/echo/invocations", "{}"));
  EXPECT_NE(cold.find(" 503 "), std::string::npos) << cold;
  EXPECT_NE(cold.find("Retry-After: 1"), std::string::npos) << cold;
  EXPECT_EQ(cold.find("X-Amz-Function-Error"), std::string::npos) << cold;

  // Once files can be opened again, the job runs: its first and only attempt.
  ASSERT_EQ(prlimit(server.pid(), RLIMIT_NOFILE, &before, nullptr), 0);
  ASSERT_NE(server.WaitForJobState(id, "succeeded"), "") << server.Log();
  job = Body(Exchange(admin, Request("GET", "/jobs/" + id)));
  EXPECT_EQ(JsonAt(job, "/attempts"), "1") << job;
  std::string again =
      Exchange(admin, Request("POST", "/2015-03-31/functions/work/invocations", "{\"n\":2}"));
  EXPECT_NE(again.find(" 200 "), std::string::npos) << again;
  EXPECT_EQ(Body(again), "{\"n\":2}");
  std::string warm =
      Exchange(admin, Request("POST", "/2015-03-31/functions/echo/invocations", "{\"n\":3}"));
  EXPECT_NE(warm.find(" 200 "), std::string::npos) << warm;
  EXPECT_NE(Body(warm).find("\"n\":3"), std::string::npos) << warm;
}

}  // namespace
}  // namespace longhaul::testing
