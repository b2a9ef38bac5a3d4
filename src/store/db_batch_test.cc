// Connection::QueryEach, Defer and Flush on both backends: the same answers
// whether the statements go one by one (SQLite) or in one pipeline
// (PostgreSQL), and a failure anywhere fails the transaction and is reported.
#include <gtest/gtest.h>

#include <optional>

#include "store/db.h"
#include "store/migrate.h"
#include "store/pool.h"
#include "store/testing/test_db.h"

namespace civicgrid::store {
namespace {

using testing::AllBackends;
using testing::BackendParamName;

constexpr const char* kInsert = "INSERT INTO item (name) VALUES ($1)";

class DbBatchTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    t_ = testing::TestDatabase::Create(GetParam(), {}, &skipped_);
    if (skipped_) GTEST_SKIP();
    ASSERT_NE(t_, nullptr);
    auto conn = t_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    pooled_.emplace(std::move(*conn));
    conn_ = &**pooled_;
    ASSERT_TRUE(conn_
                    ->ExecScript(TranslateDialect(
                        "CREATE TABLE item (id {{pk}}, name TEXT NOT NULL UNIQUE)", GetParam()))
                    .ok());
  }

  // The names stored, read on a second connection (what others see).
  std::vector<std::string> StoredNames() {
    auto other = t_->db().Acquire();
    EXPECT_TRUE(other.ok());
    auto rows = (*other)->Query("SELECT name FROM item ORDER BY name");
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    std::vector<std::string> names;
    for (const Row& row : *rows) names.push_back(row.Text("name"));
    return names;
  }

  bool skipped_ = false;
  std::unique_ptr<testing::TestDatabase> t_;
  std::optional<PooledConnection> pooled_;
  Connection* conn_ = nullptr;
};

TEST_P(DbBatchTest, QueryEachReturnsEveryStatementsRowsInOrder) {
  auto tx = Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  auto results = conn_->QueryEach({
      {"INSERT INTO item (name) VALUES ($1), ($2) RETURNING id, name", {"甲", "乙"}},
      {"INSERT INTO item (name) VALUES ($1) RETURNING name", {"丙"}},
      {"SELECT COUNT(*) AS n FROM item", {}},
  });
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 3u);
  ASSERT_EQ((*results)[0].size(), 2u);
  EXPECT_EQ((*results)[0][0].Text("name"), "甲");
  EXPECT_EQ((*results)[0][1].Text("name"), "乙");
  EXPECT_LT((*results)[0][0].Int("id"), (*results)[0][1].Int("id"));
  ASSERT_EQ((*results)[1].size(), 1u);
  EXPECT_EQ((*results)[1][0].Text("name"), "丙");
  EXPECT_EQ((*results)[2][0].Int("n"), 3);  // sees the rows inserted before it
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(StoredNames(), (std::vector<std::string>{"丙", "乙", "甲"}));
}

// On PostgreSQL a transaction's BEGIN waits for its first statement and goes
// in the same round trip: a read transaction of one query is two round trips,
// not three; one with no statement at all is one. What it reads and writes is
// the same, and a rollback before anything was sent sends nothing.
TEST_P(DbBatchTest, ABeginGoesWithTheTransactionsFirstStatement) {
  const bool pg = GetParam() == Backend::kPostgres;
  // Prepared once first (a statement's first use prepares it: a round trip).
  ASSERT_TRUE(conn_->Execute(kInsert, {"甲"}).ok());
  ASSERT_TRUE(conn_->QueryInt("SELECT COUNT(*) FROM item").ok());
  const int64_t start = conn_->round_trips();
  {
    auto tx = Transaction::Begin(*conn_, TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    EXPECT_EQ(conn_->round_trips(), start) << "nothing sent yet";
    ASSERT_TRUE(conn_->Execute(kInsert, {"丙"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(conn_->round_trips() - start, pg ? 2 : 0);
  const int64_t read = conn_->round_trips();
  {
    auto tx = Transaction::Begin(*conn_, TxMode::kRead);
    ASSERT_TRUE(tx.ok());
    auto n = conn_->QueryInt("SELECT COUNT(*) FROM item");
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(*n, 2);
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(conn_->round_trips() - read, pg ? 2 : 0);
  const int64_t empty = conn_->round_trips();
  {
    auto tx = Transaction::Begin(*conn_, TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(conn_->round_trips() - empty, pg ? 1 : 0);
  const int64_t undone = conn_->round_trips();
  {
    auto tx = Transaction::Begin(*conn_, TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
  }  // rolled back unsent
  EXPECT_EQ(conn_->round_trips(), undone);
  // Outside a transaction again: a deferred statement runs at once.
  ASSERT_TRUE(conn_->Defer(kInsert, {"乙"}).ok());
  EXPECT_EQ(StoredNames(), (std::vector<std::string>{"丙", "乙", "甲"}));
}

TEST_P(DbBatchTest, DeferredStatementsRunBeforeTheNextStatementAndCommit) {
  auto tx = Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(conn_->Defer(kInsert, {"甲"}).ok());
  ASSERT_TRUE(conn_->Defer(kInsert, {"乙"}).ok());
  auto seen = conn_->QueryInt("SELECT COUNT(*) FROM item");
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(*seen, 2);
  ASSERT_TRUE(conn_->Defer(kInsert, {"丙"}).ok());
  ASSERT_TRUE(tx->Commit().ok());  // sends 丙 with the COMMIT
  EXPECT_EQ(StoredNames(), (std::vector<std::string>{"丙", "乙", "甲"}));
}

TEST_P(DbBatchTest, ADeferredFailureIsReportedAndFailsTheTransaction) {
  ASSERT_TRUE(conn_->Execute(kInsert, {"甲"}).ok());
  {
    auto tx = Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(conn_->Defer(kInsert, {"乙"}).ok());
    // A duplicate: SQLite refuses it here, PostgreSQL with the next call.
    core::Status dup = conn_->Defer(kInsert, {"甲"});
    core::Status later = dup.ok() ? conn_->Flush() : dup;
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.error().code, core::ErrorCode::kConflict);
    EXPECT_TRUE(conn_->Flush().ok());  // nothing waits any more
  }                                    // rolled back
  EXPECT_EQ(StoredNames(), std::vector<std::string>{"甲"});
  // The connection goes on working.
  auto tx = Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(conn_->Defer(kInsert, {"丁"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(StoredNames(), (std::vector<std::string>{"丁", "甲"}));
}

TEST_P(DbBatchTest, AFailureInsideQueryEachStopsItAndIsReported) {
  ASSERT_TRUE(conn_->Execute(kInsert, {"甲"}).ok());
  {
    auto tx = Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok());
    auto results = conn_->QueryEach({{kInsert, {"乙"}}, {kInsert, {"甲"}}, {kInsert, {"丙"}}});
    ASSERT_FALSE(results.ok());
    EXPECT_EQ(results.error().code, core::ErrorCode::kConflict);
  }  // rolled back, as after any failed statement
  EXPECT_EQ(StoredNames(), std::vector<std::string>{"甲"});
  auto rows = conn_->Query("SELECT name FROM item");  // usable again
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->size(), 1u);
}

TEST_P(DbBatchTest, ACommitAfterADeferredFailureFails) {
  ASSERT_TRUE(conn_->Execute(kInsert, {"甲"}).ok());
  {
    auto tx = Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(conn_->Defer(kInsert, {"乙"}).ok());
    if (conn_->Defer(kInsert, {"甲"}).ok()) {  // PostgreSQL: still unsent
      core::Status committed = tx->Commit();
      ASSERT_FALSE(committed.ok());
      EXPECT_EQ(committed.error().code, core::ErrorCode::kConflict);
    }
  }
  EXPECT_EQ(StoredNames(), std::vector<std::string>{"甲"});
}

TEST_P(DbBatchTest, RollbackDropsDeferredStatements) {
  {
    auto tx = Transaction::Begin(*conn_);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(conn_->Defer(kInsert, {"甲"}).ok());
  }  // rolled back
  auto tx = Transaction::Begin(*conn_);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(conn_->Execute(kInsert, {"乙"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(StoredNames(), std::vector<std::string>{"乙"});
}

TEST_P(DbBatchTest, OutsideATransactionDeferRunsAtOnce) {
  ASSERT_TRUE(conn_->Defer(kInsert, {"甲"}).ok());
  EXPECT_EQ(StoredNames(), std::vector<std::string>{"甲"});
  core::Status dup = conn_->Defer(kInsert, {"甲"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
}

INSTANTIATE_TEST_SUITE_P(Backends, DbBatchTest, ::testing::ValuesIn(AllBackends()),
                         BackendParamName());

}  // namespace
}  // namespace civicgrid::store
