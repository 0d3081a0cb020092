#include "testing/server_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>
#include <thread>

namespace longhaul::testing {

ServerProcess::ServerProcess(std::string config_body, std::string server_extra)
    : server_extra_(std::move(server_extra)) {
  WriteConfig(config_body);
}

ServerProcess::~ServerProcess() { Kill(); }

void ServerProcess::WriteConfig(const std::string& config_body) {
  std::ofstream f(config_path());
  f << "server:\n"
    << "  listen: 127.0.0.1:0\n"
    << "  admin: 127.0.0.1:0\n"
    << "  data_dir: " << dir_.File("data") << "\n"
    << "  node_id: test-node\n"
    << server_extra_ << config_body;
}

void ServerProcess::Start() { StartArgs({"serve", "--config", config_path()}); }

void ServerProcess::StartWebhook(const std::vector<std::string>& args) {
  // `args` after the defaults: a flag given again takes its last value, as in webhook.
  std::vector<std::string> all = {"webhook", "-ip",         "127.0.0.1", "-port",          "0",
                                  "-admin",  "127.0.0.1:0", "-data-dir", dir_.File("data")};
  all.insert(all.end(), args.begin(), args.end());
  StartArgs(all);
}

namespace {

// Forks and execs the binary with `args`, stdout and stderr appended to the given files.
pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path) {
  std::vector<std::string> argv_storage = {LONGHAUL_BINARY};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    FILE* out = freopen(out_path.c_str(), "a", stdout);
    FILE* err = freopen(err_path.c_str(), "a", stderr);
    (void)out;
    (void)err;
    execv(LONGHAUL_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

int ServerProcess::RunToExit(const std::vector<std::string>& args, std::string* out,
                             std::string* err) {
  std::string out_path = dir_.File("run-stdout.txt");
  std::string err_path = dir_.File("run-stderr.txt");
  std::ofstream(out_path, std::ios::trunc);
  std::ofstream(err_path, std::ios::trunc);
  pid_t pid = Spawn(args, out_path, err_path);
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  for (auto [path, dest] : {std::pair{&out_path, out}, std::pair{&err_path, err}}) {
    if (dest == nullptr) continue;
    std::ifstream f(*path);
    std::stringstream ss;
    ss << f.rdbuf();
    *dest = ss.str();
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::StartArgs(const std::vector<std::string>& args) {
  std::string out_path = dir_.File("stdout.txt");
  std::string err_path = dir_.File("stderr.txt");
  pid_ = Spawn(args, out_path, err_path);
  ASSERT_GE(pid_, 0);
  // The ready line: "longhaul ready listen=127.0.0.1:P admin=127.0.0.1:Q".
  bool ready = Eventually(
      [&] {
        std::ifstream f(out_path);
        std::string line, last;
        while (std::getline(f, line)) {
          if (line.rfind("longhaul ready", 0) == 0) last = line;
        }
        if (last.empty()) {
          int status = 0;
          if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;  // exited: reported below
          }
          return false;
        }
        auto port_after = [&](const std::string& key) {
          size_t p = last.find(key);
          size_t colon = last.find(' ', p);
          std::string hp =
              last.substr(p + key.size(),
                          colon == std::string::npos ? std::string::npos : colon - p - key.size());
          return std::stoi(hp.substr(hp.rfind(':') + 1));
        };
        port_ = port_after("listen=");
        admin_port_ = port_after("admin=");
        return true;
      },
      std::chrono::seconds(30));
  ASSERT_TRUE(ready && pid_ > 0) << "server did not start; log:\n" << Log();
  // Truncate stdout so a restart's ready line is the only one.
  std::ofstream(out_path, std::ios::trunc);
}

void ServerProcess::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return WaitForExit();
}

int ServerProcess::WaitForExit() {
  if (pid_ <= 0) return -1;
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::Log() const {
  std::ifstream f(dir_.File("stderr.txt"));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

base::Result<http::ClientResponse> ServerProcess::Post(
    const std::string& path, const std::string& body,
    std::vector<std::pair<std::string, std::string>> headers) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = public_url() + path;
  req.body = body;
  req.headers = std::move(headers);
  req.timeout = std::chrono::seconds(120);
  return http::Fetch(req);
}

base::Result<http::ClientResponse> ServerProcess::Request(
    const std::string& method, const std::string& path, const std::string& body,
    std::vector<std::pair<std::string, std::string>> headers) {
  http::ClientRequest req;
  req.method = method;
  req.url = public_url() + path;
  req.body = body;
  req.headers = std::move(headers);
  req.timeout = std::chrono::seconds(120);
  return http::Fetch(req);
}

base::Result<http::ClientResponse> ServerProcess::AdminGet(const std::string& path) {
  http::ClientRequest req;
  req.url = admin_url() + path;
  req.timeout = std::chrono::seconds(120);
  return http::Fetch(req);
}

base::Result<http::ClientResponse> ServerProcess::AdminPost(
    const std::string& path, const std::string& body,
    std::vector<std::pair<std::string, std::string>> headers) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = admin_url() + path;
  req.body = body;
  req.headers = std::move(headers);
  req.timeout = std::chrono::seconds(120);
  return http::Fetch(req);
}

std::string ServerProcess::WaitForJobState(const std::string& id, const std::string& state,
                                           std::chrono::seconds timeout) {
  std::string body;
  bool ok = Eventually(
      [&] {
        auto r = AdminGet("/jobs/" + id);
        if (!r.ok() || r->status != 200) return false;
        body = r->body;
        return JsonField(body, "state") == state;
      },
      timeout);
  return ok ? body : "";
}

std::string JsonField(const std::string& json, const std::string& key) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return "";
  auto* f = v.as_object().if_contains(key);
  if (f == nullptr) return "";
  if (f->is_string()) return std::string(f->get_string());
  return boost::json::serialize(*f);
}

std::string JsonAt(const std::string& json, std::string_view pointer) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec) return "";
  const boost::json::value* f = v.find_pointer(pointer, ec);
  if (f == nullptr) return "";
  return f->is_string() ? std::string(f->get_string()) : boost::json::serialize(*f);
}

bool Eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace longhaul::testing
