// Fuzzes config::LoadConfigText on arbitrary YAML: any text must load or fail with a Status,
// never crash, throw, overflow or loop. ${NAME} resolves to fixed values (some unset).
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/duration.h"
#include "config/config.h"

namespace {

std::optional<std::string> FixedEnv(const std::string& name) {
  if (name == "SECRET") return std::string("s3cret");
  if (name == "PORT") return std::string("8080");
  if (name == "EMPTY") return std::string();
  if (name == "TIMEOUT") return std::string("30s");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = longhaul::config::LoadConfigText(text, "fuzz.yaml", FixedEnv);
  if (loaded.ok()) {
    // What the server does next with a valid config: format durations back for messages.
    const longhaul::config::Config& c = **loaded;
    (void)longhaul::base::FormatDuration(c.server.header_timeout);
    for (const auto& fn : c.functions) (void)longhaul::base::FormatDuration(fn.timeout);
  }
  return 0;
}
