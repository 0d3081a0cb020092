#include "runtime/process/output_capture.h"

#include <gtest/gtest.h>

#include <string>

namespace longhaul::runtime::process {
namespace {

TEST(HeadCapture, KeepsTheFirstBytes) {
  HeadCapture head(5);
  head.Append("abc");
  EXPECT_FALSE(head.truncated());
  head.Append("defg");
  head.Append("hij");
  EXPECT_TRUE(head.truncated());
  EXPECT_EQ(head.Take(), "abcde");
}

TEST(HeadCapture, ExactlyTheLimitIsNotTruncated) {
  HeadCapture head(3);
  head.Append("abc");
  head.Append("");
  EXPECT_FALSE(head.truncated());
  EXPECT_EQ(head.Take(), "abc");
}

TEST(TailCapture, KeepsTheLastBytes) {
  TailCapture tail(5);
  for (char c = 'a'; c <= 'z'; ++c) {
    tail.Append(std::string(1, c));
  }
  EXPECT_TRUE(tail.truncated());
  EXPECT_EQ(tail.Take(), "vwxyz");
}

TEST(TailCapture, BigAppendsAndSmallOutput) {
  TailCapture tail(4);
  tail.Append("ab");
  EXPECT_FALSE(tail.truncated());
  tail.Append("0123456789");
  tail.Append("x");
  EXPECT_TRUE(tail.truncated());
  EXPECT_EQ(tail.Take(), "789x");

  TailCapture small(10);
  small.Append("hi");
  EXPECT_FALSE(small.truncated());
  EXPECT_EQ(small.Take(), "hi");

  TailCapture none(0);
  none.Append("dropped");
  EXPECT_EQ(none.Take(), "");
}

}  // namespace
}  // namespace longhaul::runtime::process
