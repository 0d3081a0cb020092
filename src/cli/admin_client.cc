#include "cli/admin_client.h"

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "base/duration.h"
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

// An empty id would make /jobs/ (the listing) or /jobs//result of the request.
bool MissingId(const std::string& id, std::FILE* err) {
  if (!id.empty()) return false;
  std::fprintf(err, "error: the job id is empty\n");
  return true;
}

}  // namespace

std::optional<std::string> ReadData(const std::string& arg, std::FILE* err) {
  if (arg == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return ss.str();
  }
  if (!arg.empty() && arg[0] == '@') {
    std::ifstream f(arg.substr(1), std::ios::binary);
    if (!f) {
      std::fprintf(err, "error: cannot read %s\n", arg.substr(1).c_str());
      return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  return arg;
}

base::Result<AdminTarget> TargetFrom(const std::string& admin_url, const std::string& config_path,
                                     const config::EnvLookup& env) {
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
  if (!t.base_url.starts_with("http://")) t.base_url = "http://" + t.base_url;
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
  if (o.json || !r.ok() || r->status >= 400) return Report(r, out, err);
  boost::system::error_code ec;
  auto v = json::parse(r->body, ec);
  if (ec || !v.is_object() || !v.as_object()["jobs"].is_array()) {
    std::fprintf(err, "error: GET /jobs did not answer with a list of jobs\n");
    return 1;
  }
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
    std::fprintf(err, "more: %s --cursor %s\n", more.c_str(), next.c_str());
  }
  return 0;
}

int JobsShow(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err) {
  if (MissingId(id, err)) return 1;
  return Report(Call(t, "GET", "/jobs/" + Escape(id)), out, err);
}

int JobsRetry(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err) {
  if (MissingId(id, err)) return 1;
  return Report(Call(t, "POST", "/jobs/" + Escape(id) + "/retry"), out, err);
}

int JobsCancel(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err) {
  if (MissingId(id, err)) return 1;
  return Report(Call(t, "POST", "/jobs/" + Escape(id) + "/cancel"), out, err);
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
    if (!job.ok() || job->status != 200) return Report(job, out, err);
    boost::system::error_code ec;
    auto v = json::parse(job->body, ec);
    if (ec || !v.is_object()) {
      std::fprintf(err, "error: GET /jobs/%s did not answer with a job\n", id.c_str());
      return 1;
    }
    const std::string state = Str(v.as_object(), "state");
    if (state == "succeeded" || state == "failed" || state == "dead" || state == "cancelled") {
      std::fprintf(out, "%s\n", job->body.c_str());
      return state == "succeeded" ? 0 : 2;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(err, "error: job %s did not finish within %s (it is %s)\n", id.c_str(),
                   base::FormatDuration(timeout).c_str(), state.c_str());
      return 1;
    }
  }
}

}  // namespace longhaul::cli
