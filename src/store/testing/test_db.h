// Test support: a fresh, empty database per test on each backend.
//
// SQLite databases are files in a temp directory. PostgreSQL databases are
// created in the throwaway cluster that scripts/with-postgres starts; it
// exports CIVICGRID_TEST_PG, a libpq URL with "{db}" where the database name
// goes. Without it PostgreSQL cases fail loudly, unless CIVICGRID_SKIP_PG=1
// is set for a quick local run of one binary.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/open.h"

namespace civicgrid::store::testing {

std::vector<Backend> AllBackends();
std::string BackendName(Backend backend);
// A gtest name generator for TEST_P suites parameterised by Backend.
struct BackendParamName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    return BackendName(info.param);
  }
};

class TestDatabase {
 public:
  // Creates the database; fails the current test (and returns null) when the
  // backend is unavailable. Sets `*skipped` when PG is explicitly skipped.
  static std::unique_ptr<TestDatabase> Create(Backend backend, const DbOptions& options = {},
                                              bool* skipped = nullptr);
  ~TestDatabase();

  Db& db() { return *db_; }
  const std::string& url() const { return url_; }
  // The SQLite file (empty for PostgreSQL).
  const std::string& sqlite_path() const { return sqlite_path_; }
  Backend backend() const { return backend_; }

 private:
  TestDatabase() = default;
  Backend backend_ = Backend::kSqlite;
  std::string url_;
  std::string sqlite_path_;
  std::string dir_;
  std::string pg_name_;
  std::unique_ptr<Db> db_;
};

}  // namespace civicgrid::store::testing

// Skips the test body when the database could not be made (the failure or
// skip is already recorded).
#define CG_TEST_DB(var, backend)                                                             \
  bool var##_skipped = false;                                                                \
  auto var = ::civicgrid::store::testing::TestDatabase::Create(backend, {}, &var##_skipped); \
  if (var##_skipped) GTEST_SKIP() << "PostgreSQL skipped (CIVICGRID_SKIP_PG=1)";             \
  ASSERT_NE(var, nullptr)
