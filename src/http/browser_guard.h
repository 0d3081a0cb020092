// Keeps web pages from driving the APIs on loopback (the admin API, the Lambda Runtime API). A
// page open in the operator's browser can send requests to 127.0.0.1 (a form or fetch() POST
// needs no CORS approval to be sent, only to be read), and with a name of its own pointed at
// 127.0.0.1 (DNS rebinding) it can read the answers too. No legitimate client of these APIs is
// a web page: the CLI, the AWS SDKs, Lambda runtimes and curl send no Origin header and call
// them by address.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/types.h"

namespace longhaul::http {

// Why `head` is refused (403), or nullopt: it carries an Origin header (browsers send one with
// every cross-origin POST and fetch); or, unless `any_name` (a token stops a rebinding page,
// which never has it), its Host is a name other than localhost (an IP address is fine).
// `api` names the API in the message ("the admin API"); `remedy` ends the Host's.
std::optional<std::string> BrowserRequestProblem(const RequestHeader& head, bool any_name,
                                                 std::string_view api, std::string_view remedy);

}  // namespace longhaul::http
