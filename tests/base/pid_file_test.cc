#include "base/pid_file.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testing/temp_dir.h"

namespace longhaul::base {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A file nobody holds is stale, whatever process it names: taken over.
TEST(PidFile, AStaleFileIsTakenOver) {
  testing::TempDir dir;
  const std::string path = dir.File("pid");
  std::ofstream(path) << getppid() << "\n";
  {
    auto mine = PidFile::Create(path);
    ASSERT_TRUE(mine.ok()) << mine.status().ToString();
    EXPECT_EQ(Read(path), std::to_string(getpid()) + "\n");
  }
  std::ifstream in(path);
  EXPECT_FALSE(in.good()) << "the file is removed at its end";
}

// A file held by a running instance is refused, and left as it is: its holder still serves.
TEST(PidFile, AHeldFileIsRefusedAndLeftAlone) {
  testing::TempDir dir;
  const std::string path = dir.File("pid");
  auto first = PidFile::Create(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  {
    auto second = PidFile::Create(path);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(second.status().message().find("is held by process " + std::to_string(getpid())),
              std::string::npos)
        << second.status().message();
  }
  EXPECT_EQ(Read(path), std::to_string(getpid()) + "\n");
}

// webhook's own file (it takes no lock) while that webhook runs is refused, as webhook refuses
// (QA: a switch from webhook overwrote it); the process is found by its program's name.
TEST(PidFile, ARunningWebhooksFileIsRefused) {
  testing::TempDir dir;
  const std::string webhook = dir.File("webhook");  // a sleep by that name
  std::filesystem::copy_file("/bin/sleep", webhook);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execl(webhook.c_str(), "webhook", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::string path = dir.File("pid");
  std::ofstream(path) << child << "\n";
  // exec replaces the name once it has run: wait for that, not for a time.
  const std::string comm = "/proc/" + std::to_string(child) + "/comm";
  for (int i = 0; i < 100000 && Read(comm) != "webhook\n"; ++i) ::sched_yield();
  auto refused = PidFile::Create(path);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("(webhook), which is running"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(Read(path), std::to_string(child) + "\n");
}

}  // namespace
}  // namespace longhaul::base
