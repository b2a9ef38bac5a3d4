#include "store/testing/test_db.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

namespace civicgrid::store::testing {
namespace {

std::string RandomSuffix() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 12; ++i) out.push_back(kChars[gen() % 36]);
  return out;
}

std::string PgUrl(const std::string& name) {
  std::string tmpl = std::getenv("CIVICGRID_TEST_PG");
  size_t pos = tmpl.find("{db}");
  return tmpl.replace(pos, 4, name);
}

Status AdminExec(const std::string& sql) {
  CG_ASSIGN_OR_RETURN(auto admin, OpenDb(PgUrl("postgres"), DbOptions{.pool_size = 1}));
  CG_ASSIGN_OR_RETURN(auto conn, admin->Acquire());
  return conn->ExecScript(sql);
}

}  // namespace

std::vector<Backend> AllBackends() { return {Backend::kSqlite, Backend::kPostgres}; }

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

std::unique_ptr<TestDatabase> TestDatabase::Create(Backend backend, const DbOptions& options,
                                                   bool* skipped) {
  std::unique_ptr<TestDatabase> t(new TestDatabase());
  t->backend_ = backend;
  if (backend == Backend::kSqlite) {
    t->dir_ = (std::filesystem::temp_directory_path() / ("cg-test-" + RandomSuffix())).string();
    std::filesystem::create_directories(t->dir_);
    t->sqlite_path_ = t->dir_ + "/test.db";
    t->url_ = "sqlite:" + t->sqlite_path_;
  } else {
    const char* tmpl = std::getenv("CIVICGRID_TEST_PG");
    if (tmpl == nullptr || std::string(tmpl).find("{db}") == std::string::npos) {
      const char* skip = std::getenv("CIVICGRID_SKIP_PG");
      if (skip != nullptr && std::string(skip) == "1" && skipped != nullptr) {
        *skipped = true;
        return nullptr;
      }
      ADD_FAILURE() << "CIVICGRID_TEST_PG is not set: run through `make test` "
                       "(scripts/with-postgres) or set CIVICGRID_SKIP_PG=1";
      return nullptr;
    }
    t->pg_name_ = "cg_" + RandomSuffix();
    auto created = AdminExec("CREATE DATABASE " + t->pg_name_);
    if (!created.ok()) {
      ADD_FAILURE() << "cannot create test database: " << created.error().message;
      return nullptr;
    }
    t->url_ = PgUrl(t->pg_name_);
  }
  auto db = OpenDb(t->url_, options);
  if (!db.ok()) {
    ADD_FAILURE() << "cannot open " << t->url_ << ": " << db.error().message;
    return nullptr;
  }
  t->db_ = std::move(db).value();
  return t;
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (!pg_name_.empty()) (void)AdminExec("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
}

}  // namespace civicgrid::store::testing
