#include "base/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace longhaul::base {
namespace {

TEST(Status, NamesItsCodeForLogs) {
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_EQ(ResourceExhausted("no pipes").ToString(), "RESOURCE_EXHAUSTED: no pipes");
}

TEST(Status, TheSystemOutOfSomethingIsAShortage) {
  for (int err : {EAGAIN, ENOMEM, EMFILE, ENFILE, ENOSPC}) {
    EXPECT_TRUE(IsShortage(err)) << err;
    EXPECT_EQ(ShortageOr(err, Code::kUnknown), Code::kResourceExhausted) << err;
  }
  // A missing program or a refused permission is the setup's problem, not a shortage.
  for (int err : {ENOENT, EACCES, ECONNREFUSED, 0}) {
    EXPECT_FALSE(IsShortage(err)) << err;
    EXPECT_EQ(ShortageOr(err, Code::kUnavailable), Code::kUnavailable) << err;
  }
}

TEST(Status, ErrnoTextIsTheSystemsWords) {
  EXPECT_EQ(ErrnoText(ENOENT), "No such file or directory");
  EXPECT_EQ(ErrnoText(EMFILE), "Too many open files");
  EXPECT_FALSE(ErrnoText(0).empty());
}

}  // namespace
}  // namespace longhaul::base
