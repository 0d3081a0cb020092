// What the CLI needs of a config file: the admin listener's address and its token. Read alone,
// so that a config whose other values name variables only the server's environment holds (a
// route's `secret: ${GITHUB_SECRET}`) still gives them to an operator's shell.
// Thread-safety: pure function; thread-safe when `env` is.
#pragma once

#include <string>

#include "base/status.h"
#include "config/config.h"

namespace longhaul::config {

struct AdminAccess {
  Listen admin = Server{}.admin;  // server.admin, or its default
  std::string token;              // server.admin_token, "" when unset
};

// server.admin and server.admin_token of the config at `path`, with ${NAME} substituted from
// `env` in those two values only. Errors: kNotFound for a missing file; kInvalidArgument with
// "FILE:LINE: what is wrong" for invalid YAML, an unset variable or a bad address.
// Only the keys asked for (`address`, `token`) are read; the other keeps its default.
base::Result<AdminAccess> ReadAdminAccess(const std::string& path, const EnvLookup& env,
                                          bool address = true, bool token = true);

}  // namespace longhaul::config
