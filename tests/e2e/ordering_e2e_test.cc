// Per-key ordering against the real binary: what an operator does to a key's head (cancel,
// retry) lets the jobs behind it go at once, not at the scheduler's next poll.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

TEST(OrderingE2E, CancellingAKeysRetryingHeadRunsTheNextJobAtOnce) {
  ServerProcess server(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"[ \\\"$(cat)\\\" != fail ]\"]\n"
      "    retries: 1\n"
      "    retry_base: 1h\n"
      "    retry_max: 1h\n"
      "routes:\n"
      "  - path: /r\n"
      "    function: work\n"
      "    ordering_key: {header: X-Key}\n",
      "  poll_interval: 1h\n");  // nothing but a wake-up runs the next job within the test
  server.Start();
  auto head = server.Post("/r", "fail", {{"X-Key", "k"}});
  ASSERT_TRUE(head.ok());
  const std::string head_id = JsonField(head->body, "id");
  ASSERT_FALSE(server.WaitForJobState(head_id, "retrying").empty()) << server.Log();
  auto next = server.Post("/r", "ok", {{"X-Key", "k"}});
  ASSERT_TRUE(next.ok());
  const std::string next_id = JsonField(next->body, "id");
  EXPECT_EQ(JsonField(server.AdminGet("/jobs/" + next_id)->body, "state"), "queued");

  auto cancelled = server.AdminPost("/jobs/" + head_id + "/cancel");
  ASSERT_TRUE(cancelled.ok());
  ASSERT_EQ(cancelled->status, 200) << cancelled->body;
  EXPECT_FALSE(server.WaitForJobState(next_id, "succeeded", std::chrono::seconds(30)).empty())
      << server.Log();
}

}  // namespace
}  // namespace longhaul::testing
