// The CLI's commands: clients of the admin API (never of the database). Each prints a result
// to `out` (JSON or a table) and errors to `err`, and returns the process exit code:
// 0 ok, 1 the call failed (error printed), 2 the job ended badly (jobs wait / invoke), 3 it did
// not end in time (jobs wait).
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"

namespace longhaul::cli {

struct AdminTarget {
  std::string base_url = "http://127.0.0.1:8081";
  std::string token;  // bearer token, when the server requires one
  std::string flags;  // the command-line flags that found it ("--admin URL --config F"), or ""
};

// Where the client commands find the admin API: `admin_url` (--admin), else $LONGHAUL_ADMIN,
// else server.admin of the config at `config_path`, which is read when `config_given`
// (--config), or when it exists and neither of the others names the server (its token is not
// for another server); the token from $LONGHAUL_ADMIN_TOKEN, else that config's admin_token
// (with --config, also when the address came from --admin or $LONGHAUL_ADMIN). A config that
// cannot be read, or an https:// URL (the admin API speaks plain HTTP), is kInvalidArgument
// saying why.
base::Result<AdminTarget> TargetFrom(const std::string& admin_url, std::string config_path,
                                     bool config_given, const config::EnvLookup& env);

struct InvokeOptions {
  std::string function;
  std::string data;  // the payload
  bool async = false;
};

int Invoke(const AdminTarget& t, const InvokeOptions& o, std::FILE* out, std::FILE* err);

struct ListOptions {
  std::string function;  // only this function's jobs; empty: all
  std::string state;     // only jobs in this state; empty: all
  std::string cursor;    // the page after this one (printed after a full page); empty: the first
  int limit = 20;
  bool json = false;  // the API's JSON instead of a table
};
// One page of jobs, newest first; when there are more, says how to get the next on err.
int JobsList(const AdminTarget& t, const ListOptions& o, std::FILE* out, std::FILE* err);
int JobsShow(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err);
int JobsRetry(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err);
int JobsCancel(const AdminTarget& t, const std::string& id, std::FILE* out, std::FILE* err);
// Waits until the job is terminal (polling /result?wait=), prints the job; 2 if not succeeded,
// 3 on timeout.
int JobsWait(const AdminTarget& t, const std::string& id, base::Duration timeout, std::FILE* out,
             std::FILE* err);

// "@file" -> the file's bytes; "-" -> stdin; anything else as is. nullopt (and a message on
// err) when the file cannot be read.
std::optional<std::string> ReadData(const std::string& arg, std::FILE* err);

}  // namespace longhaul::cli
