#include "config/admin_access.h"

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/internal/env.h"
#include "config/listen.h"
#include "config/yaml_documents.h"

namespace longhaul::config {

base::Result<AdminAccess> ReadAdminAccess(const std::string& path, const EnvLookup& env,
                                          bool address, bool token) {
  base::Result<std::string> text = ReadConfigText(path);
  if (!text.ok()) return text.status();
  AdminAccess access;
  try {
    (void)ScanDocuments(*text);  // its syntax checks (an unclosed quote, a control character)
    YAML::Node root = YAML::Load(*text);
    // Not a config at all: the defaults would send the command to whatever server is there.
    if (root.IsNull()) {
      return base::InvalidArgument(path + ":1: the file is empty; expected longhaul's config");
    }
    if (!root.IsMap()) {
      return base::InvalidArgument(path + ":" + std::to_string(root.Mark().line + 1) +
                                   ": expected a mapping with server, functions and routes");
    }
    const YAML::Node server = root["server"];
    if (!server || !server.IsMap()) return access;
    // The value of server.KEY with variables substituted, or nullopt when it is not there.
    auto value = [&](const char* key) -> base::Result<std::optional<std::string>> {
      const YAML::Node node = server[key];
      if (!node || node.IsNull()) return std::optional<std::string>();
      const std::string where =
          path + ":" + std::to_string(node.Mark().line + 1) + ": server." + key + ": ";
      if (!node.IsScalar()) return base::InvalidArgument(where + "expected a string");
      auto substituted = internal::SubstituteEnv(node.Scalar(), env);
      if (!substituted.ok()) return base::InvalidArgument(where + substituted.status().message());
      return std::optional<std::string>(std::move(*substituted));
    };
    auto admin = address ? value("admin") : std::optional<std::string>();
    if (!admin.ok()) return admin.status();
    if (*admin) {
      auto listen = ParseListen(**admin);
      if (!listen.ok()) {
        return base::InvalidArgument(path + ": server.admin: " + listen.status().message());
      }
      access.admin = *listen;
    }
    auto secret = token ? value("admin_token") : std::optional<std::string>();
    if (!secret.ok()) return secret.status();
    if (*secret) access.token = std::move(**secret);
  } catch (const YAML::Exception& e) {
    return base::InvalidArgument(path + ":" + std::to_string(YamlErrorLine(e)) + ": " +
                                 YamlSyntaxError(*text, e));
  }
  return access;
}

}  // namespace longhaul::config
