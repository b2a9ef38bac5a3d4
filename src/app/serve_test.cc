// serve's defaults: the interactive lane's workers per backend.
#include "app/serve.h"

#include <gtest/gtest.h>

namespace civicgrid::app {
namespace {

// SQLite keeps max(4, 2 × cores); PostgreSQL runs cores + 1 (at least 3), so
// fewer reader backends share the database's CPU with the intake writer's.
TEST(ServeDefaults, PostgresRunsFewerInteractiveWorkersThanSqlite) {
  EXPECT_EQ(InteractiveWorkers(store::Backend::kSqlite, 1), 4u);
  EXPECT_EQ(InteractiveWorkers(store::Backend::kSqlite, 2), 4u);
  EXPECT_EQ(InteractiveWorkers(store::Backend::kSqlite, 8), 16u);
  EXPECT_EQ(InteractiveWorkers(store::Backend::kPostgres, 1), 3u);
  EXPECT_EQ(InteractiveWorkers(store::Backend::kPostgres, 2), 3u);
  EXPECT_EQ(InteractiveWorkers(store::Backend::kPostgres, 8), 9u);
  // A count asked for (--workers) is taken as it is, on either backend.
  EXPECT_EQ(InteractiveWorkersOr(7, store::Backend::kPostgres), 7u);
  EXPECT_EQ(InteractiveWorkersOr(2, store::Backend::kSqlite), 2u);
  EXPECT_GE(InteractiveWorkersOr(0, store::Backend::kPostgres), 3u);
}

}  // namespace
}  // namespace civicgrid::app
