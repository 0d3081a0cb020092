// The real binary on a data dir that runs out of space (a small tmpfs): every answer is a 2xx
// for a job that exists and runs, or 503 with Retry-After - never a 2xx for a job that was not
// stored, never a 4xx. When space returns, the server resumes accepting by itself (the store
// reopen loop) and every acknowledged job is intact and runs, also after a restart.
// Needs permission to mount (root / CAP_SYS_ADMIN); skipped otherwise.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "testing/server_process.h"

namespace longhaul::testing {
namespace {

std::set<std::string> Lines(const std::string& path) {
  std::ifstream f(path);
  std::set<std::string> out;
  for (std::string line; std::getline(f, line);) out.insert(line);
  return out;
}

class DiskFullE2E : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Kill();
    if (!mounted_.empty()) ::umount2(mounted_.c_str(), MNT_DETACH);
  }

  // Mounts a tmpfs of `size` on `path` (created if missing). Returns "" or why it cannot.
  std::string MountTmpfs(const std::string& path, const std::string& size) {
    ::mkdir(path.c_str(), 0755);
    const std::string opts = "size=" + size;
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      return std::string(std::strerror(errno));
    }
    mounted_ = path;
    return "";
  }

  std::unique_ptr<ServerProcess> server_;
  std::string mounted_;
};

TEST_F(DiskFullE2E, FullDiskIs503UntilSpaceReturnsAndEveryAckIsKept) {
  TempDir scratch;
  const std::string ran = scratch.File("ran.txt");
  server_ = std::make_unique<ServerProcess>(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"cat > /dev/null; echo $LONGHAUL_JOB_ID >> " +
          ran +
          "\"]\n"
          "    concurrency: 4\n"
          "    retries: 1000\n"
          "    retry_base: 100ms\n"
          "    retry_max: 500ms\n"
          "routes:\n"
          "  - path: /hook\n"
          "    function: work\n",
      // A failed outcome write leaves its job leased; a short lease brings it back soon.
      "  poll_interval: 200ms\n"
      "  lease: 2s\n");
  const std::string data = server_->dir().File("data");
  if (std::string why = MountTmpfs(data, "2m"); !why.empty()) {
    GTEST_SKIP() << "cannot mount a tmpfs on " << data << " (" << why
                 << "): this test needs root or CAP_SYS_ADMIN";
  }
  // The filler leaves the store about 700 KiB: a few hundred 2 KiB jobs.
  const std::string filler = data + "/filler";
  {
    std::ofstream f(filler, std::ios::binary);
    std::string block(64 * 1024, 'f');
    for (int i = 0; i < 20; ++i) f << block;
    ASSERT_TRUE(f.good());
  }
  server_->Start();

  std::set<std::string> acked;
  int refused = 0;
  int consecutive_refused = 0;
  bool saw_unhealthy = false;
  int sent = 0;
  auto send = [&](int i) {
    auto r = server_->Post("/hook", std::to_string(i) + std::string(2048, 'x'));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ++sent;
    if (r->status == 202) {
      std::string id = r->Header("X-Longhaul-Job-Id");
      ASSERT_FALSE(id.empty());
      acked.insert(id);
      consecutive_refused = 0;
      return;
    }
    ASSERT_EQ(r->status, 503) << "neither 2xx nor 503: " << r->body;
    EXPECT_EQ(r->Header("Retry-After"), "1");
    ++refused;
    ++consecutive_refused;
    if (!saw_unhealthy) {
      auto h = server_->AdminGet("/healthz");
      saw_unhealthy = h.ok() && h->status == 503;
    }
  };
  for (int i = 0; consecutive_refused < 20; ++i) {
    ASSERT_LT(i, 5000) << "the store never filled up; log:\n" << server_->Log();
    ASSERT_NO_FATAL_FAILURE(send(i));
  }
  EXPECT_GT(acked.size(), 10u) << "the store filled up before it took anything";
  EXPECT_TRUE(saw_unhealthy) << "/healthz never said 503 while the disk was full";
  EXPECT_NE(server_->Log().find("ingest.store_failed"), std::string::npos);

  // Space returns: the server takes requests again by itself.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  bool resumed = false;
  for (int i = 0; i < 3000 && !resumed; ++i) {
    const size_t before = acked.size();
    ASSERT_NO_FATAL_FAILURE(send(100000 + i));
    resumed = acked.size() > before;
    if (!resumed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(resumed) << "no 2xx after space returned; log:\n" << server_->Log();
  EXPECT_NE(server_->Log().find("store.recovered"), std::string::npos);
  for (int i = 0; i < 20; ++i) {
    ASSERT_NO_FATAL_FAILURE(send(200000 + i));
  }

  // Every acknowledged job runs; nothing that was refused was stored.
  for (const std::string& id : acked) {
    ASSERT_FALSE(server_->WaitForJobState(id, "succeeded").empty())
        << "acknowledged job " << id << " did not run; log:\n"
        << server_->Log();
  }
  auto count_jobs = [&] {
    size_t n = 0;
    std::string cursor;
    for (;;) {
      auto page =
          server_->AdminGet("/jobs?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_TRUE(page.ok() && page->status == 200);
      if (!page.ok()) return n;
      for (size_t p = page->body.find("\"id\""); p != std::string::npos;
           p = page->body.find("\"id\"", p + 1)) {
        ++n;
      }
      cursor = JsonField(page->body, "next_cursor");
      if (cursor.empty()) return n;
    }
  };
  EXPECT_EQ(count_jobs(), acked.size()) << "a refused request was stored (or an ack was lost)";
  EXPECT_EQ(Lines(ran), acked) << "a job ran that was never acknowledged, or an ack never ran";

  // And they are all still there after kill -9.
  server_->Kill();
  server_->Start();
  for (const std::string& id : acked) {
    auto r = server_->AdminGet("/jobs/" + id);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(JsonField(r->body, "state"), "succeeded") << id << ": " << r->body;
  }
  EXPECT_EQ(count_jobs(), acked.size());
  std::printf("disk full: %d sent, %zu acknowledged, %d refused with 503\n", sent, acked.size(),
              refused);
}

// A synchronous Invoke whose job ran but whose outcome the full disk could not take: its caller
// gets 503 naming the job at once, not a timeout once the wait is over; the job does not run
// again, and its outcome is written when space returns.
TEST_F(DiskFullE2E, ACallerWhoseOutcomeCannotBeWrittenGets503NamingTheJob) {
  TempDir scratch;
  const std::string ran = scratch.File("ran.txt");
  const std::string gate = scratch.File("gate");
  server_ = std::make_unique<ServerProcess>(
      "functions:\n"
      "  work:\n"
      "    runtime: command\n"
      "    command: [\"/bin/sh\", \"-c\", \"while [ ! -f " +
      gate + " ]; do sleep 0.02; done; echo $LONGHAUL_JOB_ID >> " + ran +
      "; echo done\"]\n"
      "    timeout: 10m\n"
      "routes: []\n");
  const std::string data = server_->dir().File("data");
  if (std::string why = MountTmpfs(data, "2m"); !why.empty()) {
    GTEST_SKIP() << "cannot mount a tmpfs on " << data << " (" << why
                 << "): this test needs root or CAP_SYS_ADMIN";
  }
  server_->Start();
  base::Result<http::ClientResponse> answer = base::Internal("no answer");
  std::thread caller([&] {
    answer = server_->AdminPost("/2015-03-31/functions/work/invocations", "{}",
                                {{"X-Amz-Log-Type", "Tail"}});
  });
  std::string id;
  EXPECT_TRUE(Eventually([&] {
    auto list = server_->AdminGet("/jobs?state=running");
    id = list.ok() ? JsonAt(list->body, "/jobs/0/id") : "";
    return !id.empty();
  }));
  // Fill the disk, then let the job end.
  const std::string filler = data + "/filler";
  {
    std::ofstream f(filler, std::ios::binary);
    std::string block(16 * 1024, 'f');
    while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  Touch(gate);
  caller.join();
  ASSERT_FALSE(id.empty()) << server_->Log();
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 503) << answer->body;
  EXPECT_EQ(answer->Header("Retry-After"), "1");
  EXPECT_EQ(answer->Header("X-Longhaul-Job-Id"), id);
  EXPECT_EQ(answer->Header("x-amzn-RequestId"), id);
  EXPECT_NE(answer->body.find(id), std::string::npos) << answer->body;

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  EXPECT_FALSE(server_->WaitForJobState(id, "succeeded").empty()) << server_->Log();
  EXPECT_EQ(Lines(ran), std::set<std::string>{id}) << "it ran again";
}

}  // namespace
}  // namespace longhaul::testing
