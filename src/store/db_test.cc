#include "store/db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/migrate.h"
#include "store/open.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/testing/test_db.h"

namespace civicgrid::store {
namespace {

using testing::AllBackends;
using testing::BackendParamName;

class DbTest : public ::testing::TestWithParam<Backend> {
 protected:
  void MakeTable(Connection& conn) {
    ASSERT_TRUE(conn.ExecScript(TranslateDialect("CREATE TABLE item (id {{pk}}, name TEXT UNIQUE, "
                                                 "qty BIGINT, price {{real}}, data {{blob}})",
                                                 conn.backend()))
                    .ok());
  }
};

TEST_P(DbTest, RoundTripsEveryValueType) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  std::string bytes("\x00\x01\xff\x7f", 4);
  auto id = (*conn)->QueryInt(
      "INSERT INTO item (name, qty, price, data) VALUES ($1, $2, $3, $4) RETURNING id",
      {"固安县'网格\"", int64_t{9007199254740993}, 2.5, Blob{bytes}});
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto row =
      (*conn)->QueryOne("SELECT name, qty, price, data, NULL FROM item WHERE id = $1", {*id});
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->Text(0), "固安县'网格\"");
  EXPECT_EQ(row->Int(1), 9007199254740993);
  EXPECT_DOUBLE_EQ(row->Real(2), 2.5);
  EXPECT_EQ(row->Text(3), bytes);
  EXPECT_TRUE(row->IsNull(4));
  EXPECT_FALSE(row->OptInt(4).has_value());
}

TEST_P(DbTest, DoublesRoundTripExactly) {
  // A coordinate and a tiny reading keep every digit on both backends (PostgreSQL
  // takes parameters as text: six fixed decimals would cut them).
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  for (double v : {116.29499288989494, 0.000000123, -39.5e-12, 1e300}) {
    auto id = (*conn)->QueryInt("INSERT INTO item (price) VALUES ($1) RETURNING id", {v});
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto row = (*conn)->QueryOne("SELECT price FROM item WHERE id = $1", {*id});
    ASSERT_TRUE(row.ok()) << row.error().message;
    EXPECT_EQ(row->Real(0), v);
  }
}

TEST_P(DbTest, DollarInsideStringLiteralIsNotAPlaceholder) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto row = (*conn)->QueryOne("SELECT '$1 costs', $1", {"x"});
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->Text(0), "$1 costs");
  EXPECT_EQ(row->Text(1), "x");
}

TEST_P(DbTest, TransactionRollsBackUnlessCommitted) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  {
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"lost"}).ok());
  }
  {
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"kept"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  auto rows = (*conn)->Query("SELECT name FROM item ORDER BY name");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(0), "kept");
}

TEST_P(DbTest, UniqueViolationIsAConflict) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"a"}).ok());
  auto dup = (*conn)->Execute("INSERT INTO item (name) VALUES ($1)", {"a"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
}

TEST_P(DbTest, WrongParameterCountIsAnError) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  EXPECT_FALSE((*conn)->Query("SELECT $1, $2", {1}).ok());
}

TEST_P(DbTest, QueryPlannedEachRunReadsWhatQueryReadsAndKeepsNoPlan) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  MakeTable(**conn);
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name, qty) VALUES ($1, 7)", {name}).ok());
  }
  const std::string sql =
      "SELECT name, qty, CAST($3 AS {{blob}}) AS b FROM item "
      "WHERE name IN ($1, $2) ORDER BY name";
  const Params params{"a", "c", std::nullopt};
  auto cached = (*conn)->Query(sql, params);
  ASSERT_TRUE(cached.ok()) << cached.error().message;
  auto counted = [&]() -> int64_t {  // PostgreSQL: the connection's prepared statements
    auto n = (*conn)->QueryInt("SELECT COUNT(*) FROM pg_prepared_statements");
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  };
  const bool pg = GetParam() == Backend::kPostgres;
  const int64_t before = pg ? counted() : 0;
  auto each_run = (*conn)->QueryPlannedEachRun(sql + " ", params);  // a text not cached yet
  ASSERT_TRUE(each_run.ok()) << each_run.error().message;
  ASSERT_EQ(each_run->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*each_run)[i].Text("name"), (*cached)[i].Text("name"));
    EXPECT_EQ((*each_run)[i].Int("qty"), 7);
    EXPECT_TRUE((*each_run)[i].IsNull("b"));
  }
  if (pg) {
    EXPECT_EQ(counted(), before) << "planned each run: no prepared statement kept";
  }
  EXPECT_FALSE((*conn)->QueryPlannedEachRun("SELECT $1, $2", {1}).ok());
}

TEST_P(DbTest, ConcurrentLockedIncrementsAreNotLost) {
  CG_TEST_DB(t, GetParam());
  {
    auto conn = t->db().Acquire();
    ASSERT_TRUE(conn.ok());
    MakeTable(**conn);
    ASSERT_TRUE((*conn)->Execute("INSERT INTO item (name, qty) VALUES ('c', 0)").ok());
  }
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kEach; ++j) {
        auto conn = t->db().Acquire();
        auto tx = Transaction::Begin(**conn);
        if (!tx.ok() || !(*conn)->LockKey(42).ok()) {
          ++failures;
          continue;
        }
        auto qty = (*conn)->QueryInt("SELECT qty FROM item WHERE name = 'c'");
        if (!qty.ok() ||
            !(*conn)->Execute("UPDATE item SET qty = $1 WHERE name = 'c'", {*qty + 1}).ok() ||
            !tx->Commit().ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto conn = t->db().Acquire();
  EXPECT_EQ(*(*conn)->QueryInt("SELECT qty FROM item WHERE name = 'c'"), kThreads * kEach);
}

TEST_P(DbTest, PoolHandsOutAtMostPoolSizeConnections) {
  DbOptions options;
  options.pool_size = 2;
  bool skipped = false;
  auto t = testing::TestDatabase::Create(GetParam(), options, &skipped);
  if (skipped) GTEST_SKIP();
  ASSERT_NE(t, nullptr);
  auto a = t->db().Acquire();
  auto b = t->db().Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  std::atomic<bool> got_third{false};
  std::thread waiter([&] {
    auto c = t->db().Acquire();
    got_third = c.ok();
  });
  // Wait until the third Acquire() blocks in the pool (or, were the pool
  // wrong, returns): no sleep, no guess at how long is long enough.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (t->db().waiting() == 0 && !got_third.load() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(t->db().waiting(), 1u);
  EXPECT_FALSE(got_third.load());
  { auto release = std::move(*a); }
  waiter.join();
  EXPECT_TRUE(got_third.load());
}

INSTANTIATE_TEST_SUITE_P(Backends, DbTest, ::testing::ValuesIn(AllBackends()), BackendParamName());

TEST(DbOpenTest, RejectsUnknownUrlScheme) {
  auto db = OpenDb("mysql://x");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().field, "db");
}

TEST(DbOpenTest, UnreachablePostgresIsUnavailable) {
  auto db = OpenDb("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, core::ErrorCode::kUnavailable);
}

TEST(PlaceholderTest, RewritesOnlyOutsideQuotes) {
  EXPECT_EQ(RewritePlaceholders("SELECT $1, '$2', \"$3\", $10"), "SELECT ?1, '$2', \"$3\", ?10");
}

}  // namespace
}  // namespace civicgrid::store
