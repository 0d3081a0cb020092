#include "base/pid_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

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

}  // namespace
}  // namespace longhaul::base
