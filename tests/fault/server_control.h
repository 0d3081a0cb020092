// ServerControl: runs the real longhaul binary for the fault harness, one "generation" at a time.
// Each start writes the config (the function's GEN environment variable = the generation, so
// every execution line says which process ran it), sends stdout to gen-N.out and stderr to
// gen-N.log in the work dir, and waits for the ready line. Kill() is a machine crash: the server
// is frozen (SIGSTOP), its function processes are SIGKILLed, then the server; the harness is a
// child subreaper, so anything left behind becomes its child and is found, killed and reaped.
// Thread-safety: one controlling thread; port()/admin_port() read after Start() returned.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace longhaul::fault {

class ServerControl {
 public:
  // `config_template` is the whole YAML with "@GEN@" where the generation number goes.
  ServerControl(std::string binary, std::string work_dir, std::string config_template);
  ~ServerControl();  // kills a running server

  // Makes this process a child subreaper (PR_SET_CHILD_SUBREAPER). Call once, before Start().
  static bool BecomeSubreaper();

  // Starts generation `gen` and waits (up to `timeout`) for the ready line. Returns "" or what
  // went wrong (with the log's tail).
  std::string Start(int gen, std::chrono::seconds timeout = std::chrono::seconds(60));
  // Has the server exited by itself? Then fills `how` ("exit 1", "signal 11") and reaps it.
  bool ExitedOnItsOwn(std::string* how);
  // SIGSTOP, SIGKILL the children, SIGKILL, reap, then kill and reap every orphan. Returns how
  // many processes besides the server were reaped.
  int Kill();
  // SIGTERM and wait up to `timeout` (then SIGKILL). Returns the exit code, 128+signal, or -1
  // on timeout.
  int Terminate(std::chrono::seconds timeout);

  uint16_t port() const { return port_; }
  uint16_t admin_port() const { return admin_port_; }
  int gen() const { return gen_; }
  pid_t pid() const { return pid_; }
  std::string config_path() const { return work_dir_ + "/longhaul.yaml"; }
  std::string log_path(int gen) const { return work_dir_ + "/gen-" + std::to_string(gen) + ".log"; }

 private:
  int KillOrphans();

  std::string binary_;
  std::string work_dir_;
  std::string config_template_;
  pid_t pid_ = -1;
  int gen_ = 0;
  uint16_t port_ = 0;
  uint16_t admin_port_ = 0;
};

// The last `max_bytes` of a file ("" when missing).
std::string Tail(const std::string& path, size_t max_bytes = 2000);

}  // namespace longhaul::fault
