// FunctionAccessKey: the AWS access key that Lambda functions are given (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY), so that the AWS SDK inside one can call the Invoke API when that API
// authenticates (admin_token or lambda_access_keys set).
// Thread-safety: a pure function.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace longhaul::config {

struct AccessKey {
  std::string id;      // "LHFN" and 16 hex digits
  std::string secret;  // 64 hex digits
};

// Derived from the configured secrets (SHA-256 over them): it changes when they change, is the
// same after a restart, and is written nowhere. It is good for the Invoke API only (SigV4),
// never for the rest of the admin API. nullopt when the Invoke API takes any caller.
std::optional<AccessKey> FunctionAccessKey(const Server& server);

}  // namespace longhaul::config
