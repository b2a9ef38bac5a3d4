#include "store/migrate.h"

#include <gtest/gtest.h>

#include "store/testing/test_db.h"

namespace civicgrid::store {
namespace {

using testing::AllBackends;
using testing::BackendParamName;

std::vector<Migration> TwoMigrations() {
  return {
      {2, "add qty", "ALTER TABLE thing ADD COLUMN qty BIGINT", ""},
      {1, "create", "CREATE TABLE thing (id {{pk}}, name {{text}} NOT NULL, raw {{blob}})", ""},
  };
}

class MigrateTest : public ::testing::TestWithParam<Backend> {};

TEST_P(MigrateTest, AppliesInOrderOnceAndRecordsVersions) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto report = Migrate(**conn, TwoMigrations());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->from_version, 0);
  EXPECT_EQ(report->to_version, 2);
  EXPECT_EQ(report->applied.size(), 2u);
  auto again = Migrate(**conn, TwoMigrations());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(*SchemaVersion(**conn), 2);
  EXPECT_TRUE((*conn)->Execute("INSERT INTO thing (name, qty) VALUES ('a', 1)").ok());
}

// Branches that each added a migration can reach a database out of order: one that got 3 before
// 2 must still get 2, not skip it for being below its newest version.
TEST_P(MigrateTest, AppliesAMissingVersionBelowTheNewest) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  std::vector<Migration> all = {
      {1, "create", "CREATE TABLE thing (id {{pk}}, name {{text}} NOT NULL)", ""},
      {2, "other", "CREATE TABLE other (id {{pk}})", ""},
      {3, "add qty", "ALTER TABLE thing ADD COLUMN qty BIGINT", ""},
  };
  ASSERT_TRUE(Migrate(**conn, {all[0], all[2]}).ok());
  EXPECT_FALSE((*conn)->Query("SELECT COUNT(*) FROM other").ok());
  auto report = Migrate(**conn, all);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->applied.size(), 1u);
  EXPECT_EQ(report->applied[0], "2 other");
  EXPECT_EQ(report->to_version, 3);
  EXPECT_TRUE((*conn)->Query("SELECT COUNT(*) FROM other").ok());
  EXPECT_TRUE(Migrate(**conn, all)->applied.empty());
}

TEST_P(MigrateTest, RefusesDatabaseNewerThanBinary) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(Migrate(**conn, TwoMigrations()).ok());
  std::vector<Migration> older = {TwoMigrations()[1]};
  auto refused = Migrate(**conn, older);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(refused.error().message.find("升级"), std::string::npos);
}

TEST_P(MigrateTest, FailedMigrationLeavesNothingBehind) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  std::vector<Migration> bad = {
      {1, "create", "CREATE TABLE thing (id {{pk}}, name TEXT)", ""},
      {2, "half", "CREATE TABLE other (id {{pk}}); INSERT INTO no_such_table VALUES (1)", ""},
  };
  auto report = Migrate(**conn, bad);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*SchemaVersion(**conn), 1);
  // "other" was created inside the failed migration's transaction: it must be gone.
  EXPECT_FALSE((*conn)->Query("SELECT COUNT(*) FROM other").ok());
}

TEST(TranslateDialectTest, UnindexedColumnIsUnaryPlusOnSqliteAndCoalesceOnPostgres) {
  const std::string sql = "SELECT 1 WHERE {{unindexed:t.state}} = $1 AND {{unindexed:t.path}} < $2";
  EXPECT_EQ(TranslateDialect(sql, Backend::kSqlite),
            "SELECT 1 WHERE +t.state = $1 AND +t.path < $2");
  EXPECT_EQ(TranslateDialect(sql, Backend::kPostgres),
            "SELECT 1 WHERE COALESCE(t.state, '') = $1 AND COALESCE(t.path, '') < $2");
}

TEST_P(MigrateTest, UnindexedColumnComparesLikeTheColumn) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(Migrate(**conn, TwoMigrations()).ok());
  ASSERT_TRUE((*conn)->Execute("INSERT INTO thing (name, qty) VALUES ('b', 1), ('c', 2)").ok());
  auto rows = (*conn)->Query(
      "SELECT qty FROM thing t WHERE {{unindexed:t.name}} >= $1 AND {{unindexed:t.name}} < $2",
      {std::string("c"), std::string("d")});
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Int("qty"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrateTest, ::testing::ValuesIn(AllBackends()),
                         BackendParamName());

}  // namespace
}  // namespace civicgrid::store
