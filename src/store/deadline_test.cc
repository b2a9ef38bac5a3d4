// The calling thread's deadline as the store obeys it, on both backends.
#include "store/deadline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/db.h"
#include "store/migrate.h"
#include "store/testing/test_db.h"

namespace civicgrid::store {
namespace {

using namespace std::chrono_literals;
using testing::AllBackends;
using testing::BackendParamName;

// Counts to a billion: minutes of work unless something interrupts it.
constexpr std::string_view kEndlessQuery =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT COUNT(*) FROM c";

DeadlineClock::time_point Passed() { return DeadlineClock::now() - 1ms; }

class DeadlineTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void MakeTable(Connection& conn) {
    ASSERT_TRUE(conn.ExecScript(TranslateDialect("CREATE TABLE item (id {{pk}}, name TEXT)",
                                                 conn.backend()))
                    .ok());
  }
  static int64_t Rows(Connection& conn) {
    return conn.QueryInt("SELECT COUNT(*) FROM item").value();
  }
};

TEST(DeadlineScopeTest, NestedScopesKeepTheEarlierDeadlineAndRestoreOnExit) {
  EXPECT_FALSE(CurrentDeadline().has_value());
  EXPECT_TRUE(CheckDeadline().ok());
  auto late = DeadlineClock::now() + 1h;
  auto early = DeadlineClock::now() + 30min;
  {
    DeadlineScope outer(early);
    {
      DeadlineScope inner(late);
      EXPECT_EQ(CurrentDeadline(), early);
    }
    {
      DeadlineScope past(Passed());
      EXPECT_TRUE(DeadlinePassed());
      EXPECT_EQ(DeadlineMillisLeft(), 0);
      EXPECT_EQ(CheckDeadline().error().code, core::ErrorCode::kUnavailable);
    }
    EXPECT_EQ(CurrentDeadline(), early);
    EXPECT_FALSE(DeadlinePassed());
  }
  EXPECT_FALSE(CurrentDeadline().has_value());
}

TEST_P(DeadlineTest, TransactionPastItsDeadlineDoesNotCommit) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  {
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"late"}).ok());
    DeadlineScope scope(Passed());  // the request ran out of time before committing
    auto committed = tx->Commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error().code, core::ErrorCode::kUnavailable);
  }
  EXPECT_EQ(Rows(**conn), 0);
  // The connection is clean afterwards: the next transaction commits.
  auto tx = Transaction::Begin(**conn);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"in time"}).ok());
  ASSERT_TRUE(tx->Commit().ok());
  EXPECT_EQ(Rows(**conn), 1);
}

TEST_P(DeadlineTest, NothingStartsPastTheDeadline) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  {
    DeadlineScope scope(Passed());
    auto begun = Transaction::Begin(**conn);
    ASSERT_FALSE(begun.ok());
    EXPECT_EQ(begun.error().code, core::ErrorCode::kUnavailable);
    auto inserted = (*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"late"});
    ASSERT_FALSE(inserted.ok());
    EXPECT_EQ(inserted.error().code, core::ErrorCode::kUnavailable);
    EXPECT_FALSE((*conn)->Query("SELECT 1").ok());
  }
  EXPECT_EQ(Rows(**conn), 0);
}

TEST_P(DeadlineTest, LongQueryIsInterruptedAtTheDeadline) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  {
    DeadlineScope scope(DeadlineClock::now() + 100ms);
    auto counted = (*conn)->Query(kEndlessQuery);
    ASSERT_FALSE(counted.ok());
    EXPECT_EQ(counted.error().code, core::ErrorCode::kUnavailable) << counted.error().message;
  }
  // Without a deadline the same connection runs work to the end again.
  EXPECT_EQ(*(*conn)->QueryInt("SELECT COUNT(*) FROM (SELECT 1 UNION ALL SELECT 2) AS two"), 2);
}

TEST_P(DeadlineTest, LongQueryInATransactionIsInterruptedAndNothingCommits) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  {
    DeadlineScope scope(DeadlineClock::now() + 100ms);
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"doomed"}).ok());
    auto counted = (*conn)->Query(kEndlessQuery);
    ASSERT_FALSE(counted.ok());
    EXPECT_EQ(counted.error().code, core::ErrorCode::kUnavailable) << counted.error().message;
    EXPECT_FALSE(tx->Commit().ok());
  }
  EXPECT_EQ(Rows(**conn), 0);
}

TEST_P(DeadlineTest, WaitingForAConnectionEndsAtTheDeadline) {
  DbOptions options;
  options.pool_size = 1;
  bool skipped = false;
  auto t = testing::TestDatabase::Create(GetParam(), options, &skipped);
  if (skipped) GTEST_SKIP();
  ASSERT_NE(t, nullptr);
  auto held = t->db().Acquire();
  ASSERT_TRUE(held.ok());
  DeadlineScope scope(DeadlineClock::now() + 50ms);
  auto second = t->db().Acquire();  // without a deadline this would wait forever
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, core::ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Backends, DeadlineTest, ::testing::ValuesIn(AllBackends()),
                         BackendParamName());

}  // namespace
}  // namespace civicgrid::store
