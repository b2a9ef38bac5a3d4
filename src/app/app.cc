#include "app/app.h"

#include <filesystem>

#include "domain/schema.h"
#include "store/migrate.h"

namespace civicgrid::app {

std::string DefaultKeyFile(const std::string& db_url) {
  if (db_url.rfind("sqlite:", 0) == 0) {
    std::filesystem::path db(db_url.substr(7));
    return (db.parent_path() / "civicgrid.key").string();
  }
  return "var/civicgrid.key";
}

core::Result<std::unique_ptr<App>> App::Open(const AppOptions& options) {
  store::DbOptions db_options;
  db_options.pool_size = options.pool_size;
  if (options.sqlite_sync == "normal") {
    db_options.sqlite_sync = store::SqliteSync::kNormal;
  } else if (options.sqlite_sync != "full") {
    return core::Error::Invalid("sqlite_sync", "应为 full 或 normal");
  }
  CG_ASSIGN_OR_RETURN(auto db, store::OpenDb(options.db_url, db_options));
  {
    CG_ASSIGN_OR_RETURN(auto conn, db->Acquire());
    CG_ASSIGN_OR_RETURN(auto report, store::Migrate(*conn, domain::Migrations()));
    (void)report;
  }
  std::string key_file =
      options.key_file.empty() ? DefaultKeyFile(options.db_url) : options.key_file;
  CG_ASSIGN_OR_RETURN(core::PiiCipher cipher, core::PiiCipher::LoadOrCreate(key_file));
  std::unique_ptr<App> app(new App(std::move(db), std::move(cipher), options));
  CG_TRY(app->locator_.Reload());
  return app;
}

App::App(std::unique_ptr<store::Db> db, core::PiiCipher cipher, const AppOptions& options)
    : db_(std::move(db)),
      cipher_(std::move(cipher)),
      audit_(clock_),
      accounts_(*db_, clock_, audit_, domain::AccountOptions{options.password}),
      locator_(*db_),
      tree_(*db_, clock_, audit_, [this] { (void)locator_.Reload(); }),
      residents_(*db_, clock_, audit_, cipher_),
      party_(*db_, clock_, audit_, cipher_),
      units_(*db_, clock_, audit_),
      staff_(*db_, clock_, audit_, cipher_),
      service_centers_(*db_, clock_, audit_),
      importer_(*db_, clock_, audit_, residents_, party_, units_, tree_) {}

core::Result<domain::Caller> App::CallerFor(const std::string& username) {
  CG_ASSIGN_OR_RETURN(domain::Caller caller, accounts_.CallerForUsername(username));
  caller.request_id = "cli";
  return caller;
}

}  // namespace civicgrid::app
