#include "cli/admin_client.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <chrono>
#include <filesystem>

#include "base/duration.h"
#include "base/read_file.h"
#include "cli/pretty_json.h"
#include "config/admin_access.h"
#include "config/listen.h"
#include "http/client.h"

namespace longhaul::cli {
namespace json = boost::json;
namespace urls = boost::urls;

namespace {

base::Result<http::ClientResponse> Call(
    const AdminTarget& t, const std::string& method, const std::string& path, std::string body = "",
    std::vector<std::pair<std::string, std::string>> headers = {},
    base::Duration timeout = std::chrono::seconds(30)) {
  http::ClientRequest req;
  req.method = method;
  req.url = t.base_url + path;
  req.body = std::move(body);
  req.headers = std::move(headers);
  if (!t.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + t.token);
  req.timeout = timeout;
  return http::Fetch(req);
}

std::string Str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().get_string());
  return json::serialize(it->value());
}

// `s` percent-encoded for a URL path segment or query value.
std::string Escape(std::string_view s) { return urls::encode(s, urls::unreserved_chars); }

// Prints the body of a successful call as is; an error response as "error: …" on err.
int Report(const base::Result<http::ClientResponse>& r, std::FILE* out, std::FILE* err) {
  if (!r.ok()) {
    std::fprintf(err, "error: %s\n", r.status().message().c_str());
    return 1;
  }
  if (r->status >= 400) {
    std::string msg = r->body;
    boost::system::error_code ec;
    auto v = json::parse(r->body, ec);
    if (!ec && v.is_object() && v.as_object().contains("error")) {
      const auto& e = v.as_object().at("error");
      if (e.is_object()) msg = Str(e.as_object(), "message");
    } else if (!ec && v.is_object() && v.as_object().contains("Message")) {
      msg = Str(v.as_object(), "Message");  // the Invoke API answers as Lambda does
    }
    std::fprintf(err, "error: HTTP %d: %s\n", r->status, msg.c_str());
    if (r->status == 401 || r->status == 403) {
      std::fprintf(err,
                   "hint: the admin API wants the server's admin_token (the CLI reads it from "
                   "$LONGHAUL_ADMIN_TOKEN or the --config file); a server with "
                   "lambda_access_keys and no admin_token takes Invoke calls only signed with "
                   "one of those keys (an AWS SDK)\n");
    }
    return 1;
  }
  std::fprintf(out, "%s\n", r->body.c_str());
  return 0;
}

// An answer that came, but not from longhaul's admin API (a proxy's redirect, a public route
// that takes any path): nothing it says is a job's state or a result.
int NotAdminApi(const http::ClientResponse& r, std::FILE* err) {
  std::fprintf(err,
               "error: HTTP %d is not an answer of longhaul's admin API: is --admin (or "
               "LONGHAUL_ADMIN, or the config's server.admin) the admin listener?\n",
               r.status);
  return 1;
}

// Whether `body` is a job as the admin API shows one (an object with its id and state).
bool IsJob(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  return !ec && v.is_object() && !Str(v.as_object(), "id").empty() &&
         !Str(v.as_object(), "state").empty();
}

// Prints a job: indented on a terminal, the API's one line for a pipe (jq, scripts).
void PrintJob(const std::string& body, std::FILE* out) {
  std::fprintf(out, "%s\n", isatty(fileno(out)) ? PrettyJson(body).c_str() : body.c_str());
}

// Report() for a call answered with a job: 200 and the job, or an error.
int ReportJob(const base::Result<http::ClientResponse>& r, std::FILE* out, std::FILE* err) {
  if (!r.ok() || r->status >= 400) return Report(r, out, err);
  if (r->status != 200 || !IsJob(r->body)) return NotAdminApi(*r, err);
  PrintJob(r->body, out);
  return 0;
}

// An empty id would make /jobs/ (the listing) or /jobs//result of the request.
bool MissingId(const std::string& id, std::FILE* err) {
  if (!id.empty()) return false;
  std::fprintf(err, "error: the job id is empty\n");
  return true;
}

// The HOST[:PORT] of an admin URL: a port, when given, is 1..65535 (a resolver would take
// 99999 modulo 65536, and reach another port); an IPv6 address is in brackets; no path.
base::Status CheckAuthority(std::string_view authority) {
  const std::string bad = "the admin address " + std::string(authority) + " ";
  if (authority.empty()) return base::InvalidArgument("the admin address is empty");
  if (authority.find('/') != std::string_view::npos) {
    return base::InvalidArgument(bad + "has a path: give http://HOST:PORT");
  }
  size_t host_end = authority.front() == '[' ? authority.find(']') + 1 : authority.rfind(':');
  if (host_end == 0) return base::InvalidArgument(bad + "has no closing ]");
  if (authority.front() != '[' && host_end != std::string_view::npos &&
      authority.substr(0, host_end).find(':') != std::string_view::npos) {
    return base::InvalidArgument(bad + "needs an IPv6 address in brackets: [::1]:PORT");
  }
  if (host_end == std::string_view::npos || host_end == authority.size()) return base::Status::Ok();
  if (authority[host_end] != ':') return base::InvalidArgument(bad + "is not HOST:PORT");
  std::string_view port = authority.substr(host_end + 1);
  const bool digits =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
    return base::InvalidArgument(bad + "has port '" + std::string(port) +
                                 "', not a number from 1 to 65535");
  }
  return base::Status::Ok();
}

}  // namespace

std::optional<std::string> ReadData(const std::string& arg, std::FILE* err) {
  if (arg != "-" && (arg.empty() || arg[0] != '@')) return arg;
  const std::string from = arg == "-" ? "standard input" : arg.substr(1);
  base::Result<std::string> data =
      arg == "-" ? base::ReadWholeFd(STDIN_FILENO) : base::ReadWholeFile(from);
  if (!data.ok()) {
    std::fprintf(err, "error: %s: %s\n", from.c_str(), data.status().message().c_str());
    return std::nullopt;
  }
  return std::move(*data);
}

base::Result<AdminTarget> TargetFrom(const std::string& admin_url, std::string config_path,
                                     bool config_given, const config::EnvLookup& env) {
  if (!config_given &&
      (!admin_url.empty() || env("LONGHAUL_ADMIN") || !std::filesystem::exists(config_path))) {
    config_path.clear();
  }
  AdminTarget t;
  t.base_url.clear();  // the default comes last
  if (auto token = env("LONGHAUL_ADMIN_TOKEN")) t.token = *token;
  if (!admin_url.empty()) {
    t.base_url = admin_url;
  } else if (auto url = env("LONGHAUL_ADMIN")) {
    t.base_url = *url;
  }
  // The config gives what the flags and environment left open: the address, the token.
  if (!admin_url.empty()) t.flags = "--admin " + admin_url;
  if (!config_path.empty() && (t.base_url.empty() || t.token.empty())) {
    t.flags += (t.flags.empty() ? "--config " : " --config ") + config_path;
    auto access = config::ReadAdminAccess(config_path, env, t.base_url.empty(), t.token.empty());
    if (!access.ok()) {
      return base::InvalidArgument("cannot take the admin address or token from the config: " +
                                   access.status().message());
    }
    const config::Listen& a = access->admin;
    std::string host = a.host == "0.0.0.0" ? "127.0.0.1" : a.host == "::" ? "::1" : a.host;
    if (t.base_url.empty() && a.port == 0) {
      return base::InvalidArgument(
          "server.admin in " + config_path +
          " has port 0 (any free port): give --admin with the address the server printed");
    }
    if (t.base_url.empty())
      t.base_url = "http://" + config::FormatListen(config::Listen{host, a.port});
    if (t.token.empty()) t.token = access->token;
  }
  if (t.base_url.empty()) t.base_url = AdminTarget{}.base_url;
  if (t.base_url.starts_with("https://")) {
    return base::InvalidArgument(
        "the admin API speaks plain HTTP: use http://HOST:PORT or HOST:PORT, not " + t.base_url);
  }
  if (!t.base_url.starts_with("http://") && t.base_url.find("://") != std::string::npos) {
    return base::InvalidArgument("the admin API is reached at http://HOST:PORT or HOST:PORT, not " +
                                 t.base_url);
  }
  if (!t.base_url.starts_with("http://")) t.base_url = "http://" + t.base_url;
  while (t.base_url.ends_with('/')) t.base_url.pop_back();
  LH_RETURN_IF_ERROR(CheckAuthority(t.base_url.substr(std::string_view("http://").size())));
  return t;
}

int Invoke(const AdminTarget& t, const InvokeOptions& o, std::FILE* out, std::FILE* err) {
  auto r = Call(t, "POST", "/2015-03-31/functions/" + Escape(o.function) + "/invocations", o.data,
                {{"X-Amz-Invocation-Type", o.async ? "Event" : "RequestResponse"}},
                std::chrono::hours(24));
  if (!r.ok() || r->status >= 400) {
    if (r.ok() && r->status == 404) {
      std::fprintf(err, "error: no function named %s\n", o.function.c_str());
      return 1;
    }
    return Report(r, out, err);
  }
  // The Invoke API names every invocation; a sync one answers 200, an Event 202.
  if (r->Header("x-amzn-RequestId").empty() || r->status != (o.async ? 202 : 200)) {
    return NotAdminApi(*r, err);
  }
  std::string id = r->Header("X-Longhaul-Job-Id");
  if (o.async) {
    std::fprintf(out, "%s\n", id.c_str());
    return 0;
  }
  // The result as it is (audio, images: any bytes); a terminal gets the line ended.
  std::fwrite(r->body.data(), 1, r->body.size(), out);
  if (isatty(fileno(out)) && !r->body.empty() && r->body.back() != '\n') std::fputc('\n', out);
  if (!r->Header("X-Amz-Function-Error").empty()) {
    std::fprintf(err, "job %s failed\n", id.c_str());
    return 2;
  }
  return 0;
}

int JobsList(const AdminTarget& t, const ListOptions& o, std::FILE* out, std::FILE* err) {
  std::string path = "/jobs?limit=" + std::to_string(o.limit);
  if (!o.function.empty()) path += "&function=" + Escape(o.function);
  if (!o.state.empty()) path += "&state=" + Escape(o.state);
  if (!o.cursor.empty()) path += "&cursor=" + Escape(o.cursor);
  auto r = Call(t, "GET", path);
  if (!r.ok() || r->status >= 400) return Report(r, out, err);
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  if (r->status != 200 || ec || !v.is_object() || !v.as_object()["jobs"].is_array()) {
    return NotAdminApi(*r, err);
  }
  if (o.json) return Report(r, out, err);
  std::fprintf(out, "%-26s  %-20s  %-10s  %-8s  %s\n", "ID", "FUNCTION", "STATE", "ATTEMPTS",
               "CREATED");
  for (const auto& j : v.as_object()["jobs"].as_array()) {
    const auto& job = j.as_object();
    std::fprintf(out, "%-26s  %-20s  %-10s  %-8s  %s\n", Str(job, "id").c_str(),
                 Str(job, "function").c_str(), Str(job, "state").c_str(),
                 Str(job, "attempts").c_str(), Str(job, "created_at").c_str());
  }
  if (std::string next = Str(v.as_object(), "next_cursor"); !next.empty()) {
    // The same listing's next page: the same filters and page size.
    std::string more = "longhaul jobs list" + (t.flags.empty() ? "" : " " + t.flags);
    if (!o.function.empty()) more += " --function " + o.function;
    if (!o.state.empty()) more += " --state " + o.state;
    if (o.limit != ListOptions{}.limit) more += " --limit " + std::to_string(o.limit);
    std::fflush(out);  // the rows first where both go to one place (2>&1)
    std::fprintf(err, "more: %s --cursor %s\n", more.c_str(), next.c_str());
  }
  return 0;
}

int JobsShow(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err) {
  if (MissingId(id, err)) return 1;
  return ReportJob(Call(t, "GET", "/jobs/" + Escape(id)), out, err);
}

int JobsRetry(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err) {
  if (MissingId(id, err)) return 1;
  return ReportJob(Call(t, "POST", "/jobs/" + Escape(id) + "/retry"), out, err);
}

int JobsCancel(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err) {
  if (MissingId(id, err)) return 1;
  return ReportJob(Call(t, "POST", "/jobs/" + Escape(id) + "/cancel"), out, err);
}

int JobsWait(const AdminTarget& t, const std::string& id, base::Duration timeout, std::FILE* out,
             std::FILE* err) {
  if (MissingId(id, err)) return 1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    // In milliseconds: the last second before the deadline is one poll too, not a busy loop.
    const int64_t wait_ms = std::clamp<int64_t>(left.count(), 0, 30000);
    // The long poll returns when the job ends (or the wait runs out). Its status is the job's
    // stored answer, which may be any code (a function that answered 202 or 500 succeeded all
    // the same), so the job's state says whether it ended.
    auto r =
        Call(t, "GET", "/jobs/" + Escape(id) + "/result?wait=" + std::to_string(wait_ms) + "ms", "",
             {}, std::chrono::milliseconds(wait_ms) + std::chrono::seconds(10));
    if (!r.ok()) return Report(r, out, err);
    auto job = Call(t, "GET", "/jobs/" + Escape(id));
    if (!job.ok() || job->status >= 400) return Report(job, out, err);
    if (job->status != 200 || !IsJob(job->body)) return NotAdminApi(*job, err);
    const std::string state = Str(json::parse(job->body).as_object(), "state");
    if (state == "succeeded" || state == "failed" || state == "dead" || state == "cancelled") {
      PrintJob(job->body, out);
      return state == "succeeded" ? 0 : 2;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(err, "error: job %s did not finish within %s (it is %s)\n", id.c_str(),
                   base::FormatDuration(timeout).c_str(), state.c_str());
      return 3;  // not 1: a script tells "wait longer" from "cannot ask" (1)
    }
  }
}

}  // namespace longhaul::cli
