// Connection::DeferSync and SyncBarrier: the deferred WAL sync the intake
// writer uses (domain/tickets/intake.h).
#include <gtest/gtest.h>

#include <filesystem>

#include "store/db.h"
#include "store/open.h"
#include "store/testing/test_db.h"

namespace civicgrid::store {
namespace {

using testing::AllBackends;
using testing::BackendParamName;

// PRAGMA synchronous of a connection: 1 NORMAL, 2 FULL.
int64_t Synchronous(Connection& conn) { return conn.QueryInt("PRAGMA synchronous").value(); }

class SyncBarrierTest : public ::testing::TestWithParam<Backend> {};

TEST_P(SyncBarrierTest, OnlySqliteWithFullSyncHasABarrier) {
  CG_TEST_DB(t, GetParam());
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto barrier = (*conn)->NewSyncBarrier();
  if (GetParam() == Backend::kPostgres) {
    ASSERT_TRUE(barrier.ok()) << barrier.error().message;
    EXPECT_EQ(*barrier, nullptr) << "PostgreSQL commits are durable when they return";
    EXPECT_TRUE((*conn)->DeferSync(true).ok());
    EXPECT_TRUE((*conn)->healthy());
    return;
  }
  EXPECT_FALSE(barrier.ok() && *barrier) << "no write yet: no WAL file to sync";
  ASSERT_TRUE((*conn)->ExecScript("CREATE TABLE note (id INTEGER PRIMARY KEY)").ok());
  barrier = (*conn)->NewSyncBarrier();
  ASSERT_TRUE(barrier.ok()) << barrier.error().message;
  ASSERT_NE(*barrier, nullptr);
  EXPECT_TRUE((*barrier)->Sync().ok());

  // A database opened with synchronous=NORMAL already gave up the sync at
  // commit: nothing to defer, no barrier.
  auto normal = OpenDb(t->url(), DbOptions{.pool_size = 1, .sqlite_sync = SqliteSync::kNormal});
  ASSERT_TRUE(normal.ok()) << normal.error().message;
  auto other = (*normal)->Acquire();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Synchronous(**other), 1);
  EXPECT_EQ((*other)->NewSyncBarrier().value(), nullptr);
  EXPECT_TRUE((*other)->DeferSync(true).ok());
  EXPECT_EQ(Synchronous(**other), 1);
  EXPECT_TRUE((*other)->healthy());
}

TEST(SqliteSyncBarrierTest, DeferredCommitsAreSeenAndTheSyncComesBackOn) {
  CG_TEST_DB(t, Backend::kSqlite);
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->ExecScript("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)").ok());
  auto barrier = (*conn)->NewSyncBarrier().value();
  ASSERT_NE(barrier, nullptr);
  EXPECT_EQ(Synchronous(**conn), 2);
  EXPECT_EQ((*conn)->QueryInt("PRAGMA wal_autocheckpoint").value(), 1000);
  ASSERT_TRUE((*conn)->DeferSync(true).ok());
  EXPECT_EQ(Synchronous(**conn), 1);
  EXPECT_EQ((*conn)->QueryInt("PRAGMA wal_autocheckpoint").value(), 4000)
      << "the deferred writer checkpoints less often";
  EXPECT_FALSE((*conn)->healthy()) << "a deferred connection must not go back to the pool";
  {
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*conn)->Execute("INSERT INTO note (body) VALUES ($1)", {"入户走访"}).ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  ASSERT_TRUE(barrier->Sync().ok());
  ASSERT_TRUE((*conn)->DeferSync(false).ok());
  EXPECT_EQ(Synchronous(**conn), 2);
  EXPECT_EQ((*conn)->QueryInt("PRAGMA wal_autocheckpoint").value(), 1000);
  EXPECT_TRUE((*conn)->healthy());
  EXPECT_EQ((*conn)->QueryInt("SELECT COUNT(*) FROM note").value(), 1);
}

// A connection handed back while still deferred is dropped, so no pooled
// connection ever commits without syncing by accident.
TEST(SqliteSyncBarrierTest, APooledConnectionLeftDeferredIsNotHandedOutAgain) {
  CG_TEST_DB(t, Backend::kSqlite);
  auto pool = OpenDb(t->url(), DbOptions{.pool_size = 1});
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  {
    auto conn = (*pool)->Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->DeferSync(true).ok());
    EXPECT_EQ(Synchronous(**conn), 1);
  }
  auto again = (*pool)->Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Synchronous(**again), 2) << "the pool must open a fresh connection";
}

// The WAL file is removed when the last connection closes and made again by
// the next one: a barrier syncs whatever file is at the WAL's path now, and
// fails (rather than report a sync that did not happen) when there is none.
TEST(SqliteSyncBarrierTest, ABarrierFollowsTheWalPathAndFailsWithoutAFile) {
  CG_TEST_DB(t, Backend::kSqlite);
  const std::string wal = t->sqlite_path() + "-wal";
  auto conn = t->db().Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->ExecScript("CREATE TABLE note (id INTEGER PRIMARY KEY)").ok());
  auto barrier = (*conn)->NewSyncBarrier().value();
  ASSERT_NE(barrier, nullptr);
  ASSERT_TRUE(barrier->Sync().ok());
  const std::string saved = wal + ".saved";
  std::filesystem::rename(wal, saved);
  EXPECT_FALSE(barrier->Sync().ok()) << "no WAL to sync: not durable, must not say so";
  std::filesystem::copy_file(saved, wal);  // a new file (inode) at the path
  EXPECT_TRUE(barrier->Sync().ok()) << "the file now at the path is opened and synced";
  std::filesystem::remove(wal);
  std::filesystem::rename(saved, wal);  // the connections' own file back in place
}

INSTANTIATE_TEST_SUITE_P(Backends, SyncBarrierTest, ::testing::ValuesIn(AllBackends()),
                         BackendParamName());

}  // namespace
}  // namespace civicgrid::store
