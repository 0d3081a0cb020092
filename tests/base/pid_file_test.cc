#include "base/pid_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "testing/temp_dir.h"

namespace longhaul::base {
namespace {

TEST(SameProgram, ARunningProgramReplacedOnDiskIsStillThatProgram) {
  EXPECT_TRUE(SameProgram("/usr/bin/longhaul", "/usr/bin/longhaul"));
  EXPECT_TRUE(SameProgram("/usr/bin/longhaul (deleted)", "/usr/bin/longhaul"));
  EXPECT_TRUE(SameProgram("/usr/bin/longhaul", "/usr/bin/longhaul (deleted)"));
  EXPECT_FALSE(SameProgram("/usr/bin/bash", "/usr/bin/longhaul"));
  EXPECT_FALSE(SameProgram("", ""));  // unreadable links name nothing
}

TEST(PidFile, AFileNamingAnotherProgramIsStaleAndTakenOver) {
  testing::TempDir dir;
  const std::string path = dir.File("pid");
  {
    auto mine = PidFile::Create(path);
    ASSERT_TRUE(mine.ok()) << mine.status().ToString();
    // The parent of this test is not this program: its file is stale, and taken over.
    std::ofstream(path) << getppid() << "\n";
    auto again = PidFile::Create(path);
    EXPECT_TRUE(again.ok()) << again.status().ToString();
  }
  std::ifstream in(path);
  EXPECT_FALSE(in.good()) << "the file naming this process is removed at its end";
}

}  // namespace
}  // namespace longhaul::base
