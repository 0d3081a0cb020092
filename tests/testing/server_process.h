// ServerProcess: runs the real longhaul binary for black-box tests. Writes the given config
// (listen and admin on 127.0.0.1:0, data_dir in a temp dir), starts `longhaul serve`, and
// reads the bound ports from its ready line. HTTP helpers talk to it over loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "testing/temp_dir.h"

namespace longhaul::testing {

class ServerProcess {
 public:
  // `config_body` is the YAML for functions:/routes: (and any extra server: keys given in
  // `server_extra`, indented by the caller as "  key: value\n" lines).
  explicit ServerProcess(std::string config_body, std::string server_extra = "");
  ~ServerProcess();  // SIGKILLs the server if still running

  // Starts the server and waits for its ready line. Fails the test (ASSERT) on error.
  void Start();
  // Starts `longhaul webhook -ip 127.0.0.1 -port 0 -admin 127.0.0.1:0 -data-dir <temp>/data
  // <args>` instead (the config file is not used; `args` may give those flags again, the last
  // value wins) and waits for its ready line.
  void StartWebhook(const std::vector<std::string>& args);
  // Runs `longhaul <args>` to its end; returns its exit status, its stdout in `out` and its
  // stderr in `err` (either may be null).
  int RunToExit(const std::vector<std::string>& args, std::string* out, std::string* err);
  // kill -9 and reap.
  void Kill();
  // SIGTERM and wait for exit; returns the exit status.
  int Terminate();
  // Waits for an exit already asked for (a signal sent before: another SIGTERM would end the
  // shutdown's grace); returns the exit status.
  int WaitForExit();
  void Signal(int sig);
  // Rewrites the config file (same server section) with a new body.
  void WriteConfig(const std::string& config_body);
  // Lines added to the `server:` block by the next WriteConfig (and Start).
  void set_server_extra(std::string extra) { server_extra_ = std::move(extra); }

  base::Result<http::ClientResponse> Post(
      const std::string& path, const std::string& body,
      std::vector<std::pair<std::string, std::string>> headers = {});
  base::Result<http::ClientResponse> Request(
      const std::string& method, const std::string& path, const std::string& body = "",
      std::vector<std::pair<std::string, std::string>> headers = {});
  base::Result<http::ClientResponse> AdminGet(const std::string& path);
  base::Result<http::ClientResponse> AdminPost(
      const std::string& path, const std::string& body = "",
      std::vector<std::pair<std::string, std::string>> headers = {});

  // Polls GET /jobs/{id} until `pred(state)` holds or `timeout` passes; returns the last job
  // JSON body (empty on timeout).
  std::string WaitForJobState(const std::string& id, const std::string& state,
                              std::chrono::seconds timeout = std::chrono::seconds(60));

  std::string public_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string admin_url() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }
  int public_port() const { return port_; }
  int admin_port() const { return admin_port_; }
  const TempDir& dir() const { return dir_; }
  std::string config_path() const { return dir_.File("longhaul.yaml"); }
  // Everything the server wrote to stderr so far (its log).
  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  void StartArgs(const std::vector<std::string>& args);

  TempDir dir_;
  std::string server_extra_;
  pid_t pid_ = -1;
  int port_ = 0;
  int admin_port_ = 0;
};

// A JSON string field of a flat-ish JSON document ("" when absent), for test assertions.
std::string JsonField(const std::string& json, const std::string& key);
// The value at a JSON pointer ("/jobs/0/id") as text: a string's own text, anything else
// serialized ("" when absent or not JSON).
std::string JsonAt(const std::string& json, std::string_view pointer);

// Polls `cond` every 20 ms until it is true or `timeout` passes. Returns the last value.
bool Eventually(const std::function<bool()>& cond,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace longhaul::testing
