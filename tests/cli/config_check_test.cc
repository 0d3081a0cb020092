#include "cli/config_check.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "testing/temp_dir.h"

namespace longhaul::cli {
namespace {

// What `longhaul check` prints: `out` and `err` as text.
struct Checked {
  int status = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(FILE* f) {
  std::rewind(f);
  std::string text;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
  std::fclose(f);
  return text;
}

Checked RunCheck(const std::string& path) {
  FILE* out = std::tmpfile();
  FILE* err = std::tmpfile();
  Checked c;
  c.status = Check(
      path, [](const std::string&) { return std::nullopt; }, out, err);
  c.out = ReadAll(out);
  c.err = ReadAll(err);
  return c;
}

TEST(Check, WarnsAboutProgramsAndWorkingDirsThatAreNotThere) {
  testing::TempDir dir;
  std::ofstream(dir.File("run.sh")) << "#!/bin/sh\n";
  ::chmod(dir.File("run.sh").c_str(), 0755);
  std::ofstream(dir.File("plain.txt")) << "not a program\n";
  const std::string path = dir.File("longhaul.yaml");
  std::ofstream(path) << "functions:\n"
                         "  good: {runtime: command, command: [run.sh], environment: {PATH: " +
                             dir.path() +
                             "}}\n"
                             "  shell: {runtime: command, command: [sh, -c, 'true'],\n"
                             "         on_success: {url: \"http://127.0.0.1:9/done\"}}\n"
                             "  typo: {runtime: command, command: [./rnu.sh], working_dir: " +
                             dir.path() +
                             "}\n"
                             "  plain: {runtime: command, command: [" +
                             dir.File("plain.txt") +
                             "]}\n"
                             "  nodir: {runtime: command, command: [sh], working_dir: " +
                             dir.File("missing") +
                             "}\n"
                             "  boot: {runtime: lambda, bootstrap: " +
                             dir.File("bootstrap") +
                             ", environment: {_HANDLER: x.y, APP_MODE: fast}}\n"
                             "  fwd: {runtime: http, url: \"http://127.0.0.1:9\"}\n"
                             "  lost: {runtime: command, command: [no-such-program-here]}\n";
  Checked c = RunCheck(path);
  EXPECT_EQ(c.status, 0) << c.err;
  // The functions the file defines: not shell's url destination, which the loader adds.
  EXPECT_EQ(c.out, path + ": ok (8 functions, 0 routes)\n");
  // Each at its function's line, naming the program once.
  EXPECT_NE(c.err.find(path + ":5: warning: functions.typo: program " + dir.path() +
                       "/./rnu.sh: No such file or directory\n"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find(path + ":6: warning: functions.plain: program " + dir.File("plain.txt") +
                       ": not executable\n"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find(path + ":7: warning: functions.nodir: working_dir " + dir.File("missing") +
                       ": No such file or directory\n"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find(path + ":8: warning: functions.boot: program " + dir.File("bootstrap")),
            std::string::npos)
      << c.err;
  // A Lambda function cannot set the runtime's reserved variables: said, not silently dropped.
  EXPECT_NE(c.err.find(path + ":8: warning: functions.boot: environment._HANDLER is set by the "
                              "runtime, as in Lambda: this value is not used\n"),
            std::string::npos)
      << c.err;
  EXPECT_EQ(c.err.find("APP_MODE"), std::string::npos) << c.err;
  EXPECT_NE(
      c.err.find(path + ":10: warning: functions.lost: program no-such-program-here: not found "
                        "in the PATH ("),
      std::string::npos)
      << c.err;
  for (const char* fine : {"functions.good", "functions.shell", "functions.fwd"}) {
    EXPECT_EQ(c.err.find(fine), std::string::npos) << c.err;
  }
}

// Slack gives up after 3 s and sends the delivery again, GitHub after 10 s and marks it failed:
// a route of theirs that waits as long or longer for the result is warned about (QA: Slack
// retried every request).
TEST(Check, WarnsAboutARouteThatWaitsLongerThanItsSenderDoes) {
  testing::TempDir dir;
  const std::string path = dir.File("longhaul.yaml");
  std::ofstream(path) << "functions:\n"
                         "  fn: {runtime: command, command: [sh, -c, 'true']}\n"
                         "routes:\n"
                         "  - {path: /slack, function: fn, provider: slack, secret: s, ack: auto}\n"
                         "  - {path: /gh, function: fn, provider: github, secret: s, ack: sync,\n"
                         "     wait: 9s}\n"
                         "  - {path: /edge, function: fn, provider: slack, secret: s, ack: sync,\n"
                         "     wait: 3s}\n"
                         "  - {path: /slow, function: fn, provider: github, secret: s, ack: sync,\n"
                         "     wait: 1m}\n"
                         "  - {path: /async, function: fn, provider: slack, secret: s}\n"
                         "  - {path: /plain, function: fn, ack: sync}\n";
  Checked c = RunCheck(path);
  EXPECT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.err.find(path + ":4: warning: routes /slack: ack: auto waits up to 30s, but slack "
                              "gives up after 3s and sends the delivery again: set wait below 3s "
                              "(the answer must reach it in time), or use ack: async\n"),
            std::string::npos)
      << c.err;
  // Its whole limit is too long: the answer comes just after it.
  EXPECT_NE(c.err.find(path + ":7: warning: routes /edge: ack: sync waits up to 3s, but slack"),
            std::string::npos)
      << c.err;
  EXPECT_NE(c.err.find(path + ":9: warning: routes /slow: ack: sync waits up to 1m, but github "
                              "gives up after 10s and marks the delivery failed (it is not sent "
                              "again): set wait below 10s"),
            std::string::npos)
      << c.err;
  for (const char* fine : {"/gh", "/async", "/plain"}) {
    EXPECT_EQ(c.err.find(std::string("routes ") + fine + ":"), std::string::npos) << c.err;
  }
}

TEST(Check, AConfigErrorFailsTheCheck) {
  testing::TempDir dir;
  const std::string path = dir.File("bad.yaml");
  std::ofstream(path) << "functions:\n  f: {runtime: nope}\n";
  Checked c = RunCheck(path);
  EXPECT_EQ(c.status, 1);
  EXPECT_EQ(c.out, "");
  EXPECT_NE(c.err.find("bad.yaml:2:"), std::string::npos) << c.err;
}

}  // namespace
}  // namespace longhaul::cli
