// internal::Connection and Query: what a failed statement says.
#include "store/sqlite/internal/connection.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace longhaul::store::sqlite::internal {
namespace {

// A failed statement is named by its first words only: its whole text (columns, values) would
// reach a sender's 503 body through the store's error.
TEST(Query, AFailedStatementIsNamedByItsFirstWords) {
  testing::TempDir dir;
  ConnectionOptions o;
  o.path = dir.File("t.db");
  o.create = true;
  auto conn = Connection::Open(o);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)->Exec("CREATE TABLE t (id TEXT PRIMARY KEY, secret_column TEXT)").ok());
  ASSERT_TRUE((*conn)->Exec("INSERT INTO t VALUES ('a', 'x')").ok());
  Query q(**conn, "INSERT INTO t (id, secret_column) VALUES (?1, ?2)");
  base::Status s = q.BindText(1, "a").BindText(2, "y").Run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("INSERT INTO t …: ", 0), 0u) << s.ToString();
  EXPECT_EQ(s.message().find("secret_column"), std::string::npos) << s.ToString();
}

// A file that cannot be opened says why, as the system does (SQLite's own words do not: a file
// of another user is "unable to open database file").
TEST(Connection, AnOpenThatFailsSaysWhatTheSystemSaid) {
  testing::TempDir dir;
  ConnectionOptions o;
  o.path = dir.File("missing-dir/t.db");
  o.create = true;
  auto conn = Connection::Open(o);
  ASSERT_FALSE(conn.ok());
  EXPECT_NE(conn.status().message().find("No such file or directory"), std::string::npos)
      << conn.status().ToString();
}

}  // namespace
}  // namespace longhaul::store::sqlite::internal
