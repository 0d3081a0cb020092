#include "runtime/process/child_registry.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "runtime/process/child_process.h"
#include "testing/temp_dir.h"

namespace longhaul::runtime::process {
namespace {

using testing::TempDir;

std::unique_ptr<ChildRegistry> OpenAt(const std::string& path) {
  auto r = ChildRegistry::Open(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : nullptr;
}

ChildProcess SpawnSleep(ChildRegistry* registry) {
  SpawnOptions o;
  o.argv = {"/bin/sleep", "3600"};
  o.registry = registry;
  auto child = ChildProcess::Spawn(o);
  EXPECT_TRUE(child.ok()) << child.status().ToString();
  return std::move(*child);
}

std::string BootId() {
  std::string boot_id;
  std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), boot_id);
  return boot_id;
}

// A table as an earlier run would have left it (the format in docs/on-disk-format.md).
void WriteTable(const std::string& path, const std::string& boot_id,
                const std::vector<std::pair<int32_t, int64_t>>& slots) {
  std::string bytes(64, '\0');
  std::memcpy(bytes.data(), "LHCHILD1", 8);
  std::memcpy(bytes.data() + 8, boot_id.data(), boot_id.size());
  for (const auto& [pid, spawned_at] : slots) {
    char slot[16] = {};
    std::memcpy(slot, &spawned_at, 8);
    std::memcpy(slot + 8, &pid, 4);
    bytes.append(slot, sizeof slot);
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(ChildRegistry, RecordsAChildUntilItIsReaped) {
  TempDir dir;
  auto registry = OpenAt(dir.File("children.tab"));
  ChildProcess first = SpawnSleep(registry.get());
  ChildProcess second = SpawnSleep(registry.get());
  EXPECT_EQ(registry->Recorded(), 2u);
  first.SignalGroup(SIGKILL);
  first.Reap();
  EXPECT_EQ(registry->Recorded(), 1u);
  ChildProcess third = SpawnSleep(registry.get());  // takes the freed slot
  EXPECT_EQ(registry->Recorded(), 2u);
  for (ChildProcess* c : {&second, &third}) {
    c->SignalGroup(SIGKILL);
    c->Reap();
  }
  EXPECT_EQ(registry->Recorded(), 0u);
}

// The child writes its own slot once it leads its group, before its exec: a server killed just
// after the clone leaves it recorded (QA: a job's first attempt, started a moment before a
// kill -9, ran on beside its second). A program that cannot be executed shows the write: its
// child has exited before the parent could learn its pid, yet the slot names it until Release().
TEST(ChildRegistry, AChildRecordsItselfBeforeItsExec) {
  TempDir dir;
  auto registry = OpenAt(dir.File("children.tab"));
  const ChildRecord record = registry->Reserve();
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  char program[] = "/nonexistent/program";
  char* argv[] = {program, nullptr};
  char* envp[] = {nullptr};
  ExecPlan plan;
  plan.program = program;
  plan.argv = argv;
  plan.envp = envp;
  plan.stdout_fd = out[1];
  plan.stderr_fd = out[1];
  plan.record = &record;
  const ExecStart started = StartExec(plan);
  ::close(out[0]);
  ::close(out[1]);
  EXPECT_EQ(started.step, ExecStart::Step::kExec);
  EXPECT_EQ(registry->Recorded(), 1u);
  ChildSlot slot{};
  ASSERT_EQ(::pread(record.fd, &slot, sizeof slot, record.offset), 16);
  EXPECT_EQ(slot.spawned_at, record.spawned_at);
  EXPECT_GT(slot.pid, 1);
  EXPECT_NE(slot.pid, ::getpid());
  registry->Release(record);
  EXPECT_EQ(registry->Recorded(), 0u);
  // A spawn through ChildProcess that fails the same way leaves nothing recorded either.
  SpawnOptions o;
  o.argv = {"/nonexistent/program"};
  o.registry = registry.get();
  EXPECT_FALSE(ChildProcess::Spawn(o).ok());
  EXPECT_EQ(registry->Recorded(), 0u);
}

TEST(ChildRegistry, KillLeftoversStopsTheRecordedGroupAndForgetsIt) {
  TempDir dir;
  auto first_run = OpenAt(dir.File("children.tab"));
  ChildProcess child = SpawnSleep(first_run.get());
  // As the next start would, on the file as the first run left it (a running one holds its
  // data dir's lock: a copy in another dir stands for the file of one that was killed).
  std::filesystem::create_directory(dir.File("next"));
  std::filesystem::copy_file(dir.File("children.tab"), dir.File("next/left.tab"));
  auto next_run = OpenAt(dir.File("next/left.tab"));
  EXPECT_EQ(next_run->Recorded(), 0u);
  EXPECT_EQ(next_run->KillLeftovers(), 1);
  EXPECT_EQ(next_run->KillLeftovers(), 0);
  int status = child.Reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

// A start killed between opening the table and killing the leftovers leaves them recorded for
// the next start.
TEST(ChildRegistry, LeftoversStayRecordedUntilTheyAreKilled) {
  TempDir dir;
  auto first_run = OpenAt(dir.File("children.tab"));
  ChildProcess child = SpawnSleep(first_run.get());
  std::filesystem::create_directory(dir.File("next"));
  std::filesystem::copy_file(dir.File("children.tab"), dir.File("next/left.tab"));
  OpenAt(dir.File("next/left.tab")).reset();  // a start that died before KillLeftovers()
  auto next_run = OpenAt(dir.File("next/left.tab"));
  EXPECT_EQ(next_run->KillLeftovers(), 1);
  int status = child.Reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  // Then the table holds this run's children only.
  next_run.reset();
  EXPECT_EQ(std::filesystem::file_size(dir.File("next/left.tab")), 64u);
}

TEST(ChildRegistry, OneServerPerFile) {
  TempDir dir;
  auto first = OpenAt(dir.File("children.tab"));
  ChildProcess recorded = SpawnSleep(first.get());
  auto second = ChildRegistry::Open(dir.File("children.tab"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by another running longhaul"), std::string::npos)
      << second.status().message();
  EXPECT_EQ(first->Recorded(), 1u) << "the running one's table is untouched";
  recorded.SignalGroup(SIGKILL);
  recorded.Reap();
  // The lock goes with its holder, not with the children started while it held it.
  ChildProcess outliving = SpawnSleep(nullptr);
  first.reset();
  auto after = ChildRegistry::Open(dir.File("children.tab"));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  outliving.SignalGroup(SIGKILL);
  outliving.Reap();
}

TEST(ChildRegistry, KillLeftoversNeverSignalsAProcessThatIsNotTheRecordedOne) {
  TempDir dir;
  const int64_t now = ChildRegistry::Now();
  ChildProcess child = SpawnSleep(nullptr);  // not recorded: the tables below only name it
  const std::string boot_id = BootId();
  // Its pid recorded an hour before it started and an hour after; a pid that does not exist;
  // its pid from another boot; a file that is not a table.
  WriteTable(
      dir.File("times"), boot_id,
      {{child.pid(), now - 3600 * 1000}, {child.pid(), now + 3600 * 1000}, {999999999, now}});
  WriteTable(dir.File("boot"), "00000000-0000-0000-0000-000000000000", {{child.pid(), now}});
  std::ofstream(dir.File("garbage")) << "not a table at all, but long enough to hold a slot or two";
  for (const char* name : {"times", "boot", "garbage"}) {
    auto registry = OpenAt(dir.File(name));
    ASSERT_NE(registry, nullptr);
    EXPECT_EQ(registry->KillLeftovers(), 0) << name;
    EXPECT_EQ(registry->Recorded(), 0u) << name;
  }
  EXPECT_FALSE(child.Exited());
  // The same table naming it at its real start time would kill it: the cases above were real.
  WriteTable(dir.File("right"), boot_id, {{child.pid(), now}});
  EXPECT_EQ(OpenAt(dir.File("right"))->KillLeftovers(), 1);
  int status = child.Reap();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

TEST(ChildRegistry, OpenFailsWithTheReasonWhenTheFileCannotBeOpened) {
  TempDir dir;
  auto r = ChildRegistry::Open(dir.File("missing/children.tab"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(dir.File("missing") + ": No such file or directory"),
            std::string::npos)
      << r.status().message();
}

// The lock is the data dir's: deleting the file (it looks like a cache) lets no second server
// in beside the first (QA: one then ran the first one's running job again, at the same time).
TEST(ChildRegistry, OneServerPerDirEvenWithTheFileDeleted) {
  TempDir dir;
  auto first = OpenAt(dir.File("children.tab"));
  ASSERT_EQ(::unlink(dir.File("children.tab").c_str()), 0);
  auto second = ChildRegistry::Open(dir.File("children.tab"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use by another running longhaul (" + dir.path() +
                                           " is locked)"),
            std::string::npos)
      << second.status().message();
  first.reset();
  EXPECT_TRUE(ChildRegistry::Open(dir.File("children.tab")).ok());
}

}  // namespace
}  // namespace longhaul::runtime::process
