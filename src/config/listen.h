// Listen addresses ("host:port") as written in the config and on the command line.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"

namespace longhaul::config {

// Parses "host:port": "0.0.0.0:8080", "[::1]:8080" (IPv6 in brackets), "localhost:0". The host
// must be an IPv4 or IPv6 address literal, or "localhost", which is read as 127.0.0.1; host names
// are not resolved. The port is 0..65535; 0 asks the OS for a free port.
// Returns kInvalidArgument saying what is wrong.
base::Result<Listen> ParseListen(std::string_view text);

// "host:port", with the host in brackets when it is an IPv6 address.
std::string FormatListen(const Listen& listen);

}  // namespace longhaul::config
