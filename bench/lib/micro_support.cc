#include "micro_support.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "base/ids.h"

namespace longhaul::bench {

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/lh-bench-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp " + tmpl + " failed");
  path_ = buf.data();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

const std::string& TelegramUpdate() {
  static const std::string body = [] {
    std::string b =
        R"({"update_id":123456789,"message":{"message_id":4242,"from":{"id":987654321,)"
        R"("is_bot":false,"first_name":"Ada","username":"ada","language_code":"en"},)"
        R"("chat":{"id":987654321,"first_name":"Ada","username":"ada","type":"private"},)"
        R"("date":1700000000,"text":")";
    b.append(1024 - b.size() - 3, 'x');
    b += R"("}})";
    return b;
  }();
  return body;
}

store::NewJob IngestJob(base::TimePoint now, std::string function, std::string ordering_key) {
  store::NewJob job;
  job.id = base::NewJobId(now);
  job.route = "POST /" + function;
  job.function = std::move(function);
  job.ordering_key = std::move(ordering_key);
  job.max_attempts = 3;
  job.created_at = now;
  job.expires_at = now + std::chrono::hours(6);
  job.request.method = "POST";
  job.request.path = job.route.substr(5);
  job.request.remote_addr = "127.0.0.1";
  job.request.headers = {{"Host", "127.0.0.1"},
                         {"Content-Length", std::to_string(TelegramUpdate().size())},
                         {"Content-Type", "application/json"}};
  job.request.body = TelegramUpdate();
  return job;
}

std::unique_ptr<store::sqlite::SqliteStore> OpenStore(benchmark::State& state,
                                                      const ScratchDir& dir, base::Clock& clock) {
  store::sqlite::SqliteOptions options;
  options.path = dir.path() + "/longhaul.db";
  options.clock = &clock;
  auto opened = store::sqlite::SqliteStore::Open(options);
  if (!opened.ok()) {
    state.SkipWithError(opened.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace longhaul::bench
