#include "runtime/process/environment.h"

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "base/percent_encoding.h"

namespace longhaul::runtime::process {
namespace {

// The variables longhaul sets (the function's own and LONGHAUL_*), by name; values set later
// replace earlier ones unless joined. A handful per job: the inherited environment is merged
// in by BuildEnvironment without going through this map.
class EnvBuilder {
 public:
  void Set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  // Appends to a value set by an earlier Join() in this phase, else replaces.
  void Join(const std::string& name, std::string_view value) {
    auto [it, inserted] = joined_.emplace(name);
    if (inserted) {
      vars_[name] = std::string(value);
    } else {
      vars_[name] += ',';
      vars_[name] += value;
    }
  }
  bool Has(std::string_view name) const { return vars_.find(name) != vars_.end(); }
  void AppendTo(std::vector<std::string>& out) const {
    for (const auto& [name, value] : vars_) {
      std::string& entry = out.emplace_back();
      entry.reserve(name.size() + 1 + value.size());
      entry.append(name).append(1, '=').append(value);
    }
  }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
  std::set<std::string> joined_;
};

std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

std::string EnvName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    bool alnum = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
    out += alnum ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> DecodeQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) {
      continue;
    }
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(base::PercentDecode(part, /*plus_is_space=*/true), std::string());
    } else {
      out.emplace_back(base::PercentDecode(part.substr(0, eq), /*plus_is_space=*/true),
                       base::PercentDecode(part.substr(eq + 1), /*plus_is_space=*/true));
    }
  }
  return out;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    out.emplace_back(*e);
  }
  return out;
}

std::vector<std::string> InheritableEnvironment(std::vector<std::string> environment) {
  std::erase_if(environment, [](const std::string& entry) {
    size_t eq = entry.find('=');
    return eq == std::string::npos || eq == 0;
  });
  auto by_name = [](const std::string& a, const std::string& b) { return NameOf(a) < NameOf(b); };
  std::stable_sort(environment.begin(), environment.end(), by_name);
  std::vector<std::string> out;
  out.reserve(environment.size());
  for (size_t i = 0; i < environment.size(); ++i) {
    bool replaced =
        i + 1 < environment.size() && NameOf(environment[i]) == NameOf(environment[i + 1]);
    if (!replaced) out.push_back(std::move(environment[i]));
  }
  return out;
}

std::vector<std::string> BuildEnvironment(const std::vector<std::string>& base,
                                          const Invocation& inv) {
  const config::Function& fn = *inv.function;
  const store::Request& req = inv.request;
  EnvBuilder env;
  for (const auto& [name, value] : fn.environment) {
    env.Set(name, value);
  }
  env.Set("LONGHAUL_JOB_ID", inv.job_id);
  env.Set("LONGHAUL_ATTEMPT", std::to_string(inv.attempt));
  env.Set("LONGHAUL_INTERRUPTED", std::to_string(inv.interrupted));
  env.Set("LONGHAUL_FUNCTION", fn.name);
  env.Set("LONGHAUL_METHOD", req.method);
  env.Set("LONGHAUL_PATH", req.path);
  env.Set("LONGHAUL_QUERY", req.query);
  env.Set("LONGHAUL_REMOTE_ADDR", req.remote_addr);
  env.Set("LONGHAUL_DEADLINE_MS", std::to_string(base::ToUnixMs(inv.deadline)));
  for (const auto& [name, value] : req.path_params) {
    if (name.empty()) {
      continue;
    }
    env.Join("LONGHAUL_PARAM_" + EnvName(name), value);
  }
  for (const auto& [name, value] : DecodeQuery(req.query)) {
    // An environment cannot carry a NUL (config::CommandRuntime::refuse_nul_query).
    if (name.empty() || value.find('\0') != std::string::npos) {
      continue;
    }
    env.Join("LONGHAUL_QUERY_" + EnvName(name), value);
  }
  std::set<std::string> passed;
  for (const std::string& wanted : fn.command.pass_headers) {
    if (wanted.empty() || !passed.insert(EnvName(wanted)).second) {
      continue;
    }
    for (const auto& [name, value] : req.headers) {
      if (strcasecmp(name.c_str(), wanted.c_str()) == 0) {
        env.Join("LONGHAUL_HEADER_" + EnvName(wanted), value);
      }
    }
  }
  // The inherited entries that nothing above replaces, copied as they are.
  std::vector<std::string> out = WithoutSecrets(base, inv.config.get());
  std::erase_if(out, [&](const std::string& entry) { return env.Has(NameOf(entry)); });
  env.AppendTo(out);
  return out;
}

std::vector<std::string> WithoutSecrets(const std::vector<std::string>& environment,
                                        const config::Config* config) {
  std::vector<std::string> out;
  out.reserve(environment.size() + 16);
  for (const std::string& entry : environment) {
    size_t eq = entry.find('=');
    if (config != nullptr && eq != std::string::npos &&
        (config->IsSecret(std::string_view(entry).substr(eq + 1)) ||
         config->IsSecretVariable(std::string_view(entry).substr(0, eq)))) {
      continue;
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace longhaul::runtime::process
