#include "runtime/process/child_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/process/child_process.h"
#include "testing/temp_dir.h"

namespace longhaul::runtime::process {
namespace {

using testing::TempDir;

std::unique_ptr<ChildRegistry> OpenIn(const TempDir& dir) {
  auto r = ChildRegistry::Open(dir.File("children"));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : nullptr;
}

size_t Entries(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

ChildProcess SpawnSleep(ChildRegistry* registry) {
  SpawnOptions o;
  o.argv = {"/bin/sleep", "3600"};
  o.stdin_pipe = false;
  o.registry = registry;
  auto child = ChildProcess::Spawn(o);
  EXPECT_TRUE(child.ok()) << child.status().ToString();
  return std::move(*child);
}

TEST(ChildRegistry, RecordsAChildUntilItIsReaped) {
  TempDir dir;
  auto registry = OpenIn(dir);
  ChildProcess child = SpawnSleep(registry.get());
  EXPECT_TRUE(std::filesystem::is_symlink(registry->dir() + "/" + std::to_string(child.pid())));
  child.SignalGroup(SIGKILL);
  child.Reap();
  EXPECT_EQ(Entries(registry->dir()), 0u);
}

TEST(ChildRegistry, KillLeftoversStopsTheRecordedGroupAndForgetsIt) {
  TempDir dir;
  auto first_run = OpenIn(dir);
  ChildProcess child = SpawnSleep(first_run.get());
  // As the next start would, on the same directory.
  auto next_run = OpenIn(dir);
  EXPECT_EQ(next_run->KillLeftovers(), 1);
  EXPECT_EQ(Entries(next_run->dir()), 0u);
  int status = child.Reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

TEST(ChildRegistry, KillLeftoversNeverSignalsAProcessThatIsNotTheRecordedOne) {
  TempDir dir;
  auto registry = OpenIn(dir);
  ChildProcess child = SpawnSleep(nullptr);  // not recorded: entries below only name it
  const std::string pid = std::to_string(child.pid());
  std::string boot_id;
  std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot_id);
  const int64_t now = ChildRegistry::Now();
  // Its pid recorded an hour before it started, and (in a second registry) an hour after; a
  // pid from another boot; a pid that does not exist; garbage.
  ASSERT_EQ(symlink((boot_id + " " + std::to_string(now - 3600 * 1000)).c_str(),
                    (registry->dir() + "/" + pid).c_str()),
            0);
  std::filesystem::create_directories(dir.File("other"));
  ASSERT_EQ(symlink((boot_id + " " + std::to_string(now + 3600 * 1000)).c_str(),
                    (dir.File("other") + "/" + pid).c_str()),
            0);
  std::filesystem::create_directories(dir.File("boot"));
  ASSERT_EQ(symlink(("00000000-0000-0000-0000-000000000000 " + std::to_string(now)).c_str(),
                    (dir.File("boot") + "/" + pid).c_str()),
            0);
  ASSERT_EQ(symlink((boot_id + " " + std::to_string(now)).c_str(),
                    (registry->dir() + "/999999999").c_str()),
            0);
  std::ofstream(registry->dir() + "/not-a-pid") << "x";
  EXPECT_EQ(registry->KillLeftovers(), 0);
  EXPECT_EQ(Entries(registry->dir()), 0u);
  for (const char* name : {"other", "boot"}) {
    auto more = ChildRegistry::Open(dir.File(name));
    ASSERT_TRUE(more.ok());
    EXPECT_EQ((*more)->KillLeftovers(), 0) << name;
  }
  EXPECT_FALSE(child.Exited());
  child.SignalGroup(SIGKILL);
  child.Reap();
}

}  // namespace
}  // namespace longhaul::runtime::process
