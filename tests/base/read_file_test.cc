#include "base/read_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/temp_dir.h"

namespace longhaul::base {
namespace {

TEST(ReadWholeFile, ReadsAnyBytesAndSaysWhyNot) {
  testing::TempDir dir;
  const std::string bytes("a\0b\xff\n", 5);
  std::ofstream(dir.File("f"), std::ios::binary) << bytes;
  Result<std::string> read = ReadWholeFile(dir.File("f"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, bytes);

  Result<std::string> missing = ReadWholeFile(dir.File("nope"));
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "does not exist");
  // A directory opens, but is no text: an error, never an empty file.
  Result<std::string> directory = ReadWholeFile(dir.path());
  EXPECT_EQ(directory.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(directory.status().message(), "cannot read: Is a directory");
  Result<std::string> large = ReadWholeFile(dir.File("f"), 4);
  EXPECT_EQ(large.status().code(), Code::kPayloadTooLarge);
}

}  // namespace
}  // namespace longhaul::base
