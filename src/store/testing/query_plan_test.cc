// The plan checker must be able to fail: an unindexed filter and an unindexed order are
// flagged, an indexed keyset page passes, on both backends and for both PostgreSQL plan kinds.
#include "store/testing/query_plan.h"

#include <gtest/gtest.h>

#include "store/migrate.h"
#include "store/testing/test_db.h"

namespace civicgrid::store::testing {
namespace {

class QueryPlanTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = TestDatabase::Create(GetParam(), {}, &skipped_);
    if (skipped_) GTEST_SKIP() << "PostgreSQL skipped (CIVICGRID_SKIP_PG=1)";
    ASSERT_NE(db_, nullptr);
    auto conn = db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->ExecScript(TranslateDialect(
                        "CREATE TABLE item (id {{pk}}, name TEXT NOT NULL, qty BIGINT NOT NULL, "
                        "note TEXT); CREATE INDEX item_qty_id ON item (qty, id);",
                        GetParam()))
                    .ok());
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE((*conn)
                      ->Execute("INSERT INTO item (name, qty, note) VALUES ($1, $2, $3)",
                                {"n" + std::to_string(i), int64_t{i % 7}, "x"})
                      .ok());
    }
    ASSERT_TRUE(tx->Commit().ok());
  }

  // Every plan kind of the backend: SQLite has one; PostgreSQL custom and generic.
  std::vector<QueryPlan> Plans(std::string_view sql, const Params& params) {
    std::vector<QueryPlan> out;
    for (bool generic : {false, true}) {
      if (generic && GetParam() == Backend::kSqlite) break;
      auto plan = Explain(db_->db(), sql, params, ExplainOptions{.generic = generic});
      EXPECT_TRUE(plan.ok()) << plan.error().message;
      if (plan.ok()) out.push_back(std::move(plan).value());
    }
    return out;
  }

  bool skipped_ = false;
  std::unique_ptr<TestDatabase> db_;
};

TEST_P(QueryPlanTest, IndexedKeysetPagePasses) {
  auto plans = Plans("SELECT id, name FROM item WHERE qty = $1 AND id > $2 ORDER BY id LIMIT $3",
                     {int64_t{3}, int64_t{10}, int64_t{25}});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) {
    EXPECT_TRUE(IsBoundedWalk(plan, {"item"}));
    EXPECT_TRUE(HasNoFullScan(plan, {"item"}));
    EXPECT_TRUE(HasNoWholeSort(plan));
  }
}

TEST_P(QueryPlanTest, IdRangeWalkWithUnindexedFilterPasses) {
  // Walking the primary key from the cursor and filtering as it goes: bounded by LIMIT.
  auto plans = Plans("SELECT id FROM item i WHERE i.note = $1 AND i.id > $2 ORDER BY i.id LIMIT 5",
                     {"x", int64_t{0}});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) EXPECT_TRUE(IsBoundedWalk(plan, {"item"}));
}

TEST_P(QueryPlanTest, UnindexedFilterWithoutCursorIsAFullScan) {
  auto plans = Plans("SELECT id FROM item WHERE name = $1 LIMIT 5", {"n3"});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) {
    EXPECT_FALSE(HasNoFullScan(plan, {"item"})) << plan.Text();
    EXPECT_FALSE(IsBoundedWalk(plan, {"item"})) << plan.Text();
    // Another table's name is not this one.
    EXPECT_TRUE(HasNoFullScan(plan, {"ite"}));
  }
}

TEST_P(QueryPlanTest, AliasedFullScanIsFound) {
  auto plans = Plans("SELECT x.id FROM item AS x WHERE x.note = $1 LIMIT 5", {"x"});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) EXPECT_FALSE(FullScans(plan, "item").empty()) << plan.Text();
}

TEST_P(QueryPlanTest, OrderByAnUnindexedColumnIsAWholeSort) {
  auto plans = Plans("SELECT id FROM item WHERE qty = $1 ORDER BY name LIMIT 5", {int64_t{2}});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) {
    EXPECT_TRUE(HasNoFullScan(plan, {"item"})) << plan.Text();
    EXPECT_FALSE(HasNoWholeSort(plan)) << plan.Text();
    EXPECT_FALSE(IsBoundedWalk(plan, {"item"}));
  }
}

TEST_P(QueryPlanTest, OrderAcrossSeveralIndexRangesIsAWholeSortOnSqlite) {
  // qty IN (…) reads several ranges of (qty, id): their union is not in id order. SQLite merges
  // them in a temp b-tree (flagged); PostgreSQL, with sorts priced out, walks the primary key in
  // id order and filters (bounded by the LIMIT, passes).
  auto plans = Plans("SELECT id FROM item WHERE qty IN (1, 2) AND id > $1 ORDER BY id LIMIT 5",
                     {int64_t{0}});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) {
    EXPECT_EQ(IsBoundedWalk(plan, {"item"}), GetParam() == Backend::kPostgres) << plan.Text();
  }
}

TEST_P(QueryPlanTest, SortOfALimitedPageIsBoundedOnPostgres) {
  // PostgreSQL shows the Limit under the Sort; SQLite's plan cannot, and flags the sort.
  auto plans = Plans(
      "SELECT p.id FROM (SELECT id, name FROM item WHERE qty = $1 AND id > $2 ORDER BY id "
      "LIMIT 5) p ORDER BY p.name",
      {int64_t{1}, int64_t{0}});
  ASSERT_FALSE(plans.empty());
  for (const auto& plan : plans) {
    EXPECT_TRUE(HasNoFullScan(plan, {"item"})) << plan.Text();
    EXPECT_EQ(HasNoWholeSort(plan), GetParam() == Backend::kPostgres) << plan.Text();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, QueryPlanTest, ::testing::ValuesIn(AllBackends()),
                         BackendParamName());

}  // namespace
}  // namespace civicgrid::store::testing
