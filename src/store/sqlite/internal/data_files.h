// The data dir's files: the directory made private to this user, the database file 0600
// (every request is in it). SqliteStore::Open calls both before SQLite opens the database.
// Thread-safety: pure functions of the file system.
#pragma once

#include <filesystem>
#include <string>

#include "base/status.h"

namespace longhaul::store::sqlite::internal {

// Creates `dir` and missing parents, private to this user (0700: requests and their secrets are
// stored there); fsyncs the parent of each directory it created so the new entries survive a
// power loss (SQLite syncs the directory of the files it creates itself).
base::Status MakeDirectories(const std::filesystem::path& dir);

// The database file, created if missing, and its WAL and WAL index if there, readable by this
// user alone (0600): they hold every request. SQLite gives the WAL and index it creates the
// database file's mode. Files of an older version (0644) are tightened too.
base::Status MakePrivate(const std::string& db);

}  // namespace longhaul::store::sqlite::internal
