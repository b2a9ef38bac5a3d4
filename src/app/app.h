// App: opens the database, migrates it, loads the PII key and wires every
// service. One instance per process; the CLI commands and the server use it.
// Not copyable; services are thread-safe once constructed.
#pragma once

#include <memory>
#include <string>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/account_service.h"
#include "domain/access/audit_log.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/importer.h"
#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/service_centers.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"
#include "store/open.h"

namespace civicgrid::app {

struct AppOptions {
  // sqlite:PATH or postgresql://…
  std::string db_url = "sqlite:var/civicgrid.db";
  // The PII key file; empty: "civicgrid.key" beside a SQLite file, else var/civicgrid.key.
  std::string key_file;
  // Connections in the pool.
  size_t pool_size = 8;
  // SQLite fsync policy: "full" (every acknowledged commit durable) or "normal".
  std::string sqlite_sync = "full";
  // argon2id cost; the demo and tests may lower it.
  core::PasswordOptions password;
};

class App {
 public:
  static core::Result<std::unique_ptr<App>> Open(const AppOptions& options);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // An operator's caller, resolved from an existing account (CLI --as).
  core::Result<domain::Caller> CallerFor(const std::string& username);

  store::Db& db() { return *db_; }
  const core::Clock& clock() const { return clock_; }
  const core::PiiCipher& cipher() const { return cipher_; }
  domain::AuditLog& audit() { return audit_; }
  domain::AccountService& accounts() { return accounts_; }
  domain::OrgTreeService& tree() { return tree_; }
  domain::ResidentService& residents() { return residents_; }
  domain::PartyService& party() { return party_; }
  domain::UnitService& units() { return units_; }
  domain::StaffService& staff() { return staff_; }
  domain::ServiceCenterService& service_centers() { return service_centers_; }
  domain::Importer& importer() { return importer_; }
  domain::GridLocator& locator() { return locator_; }

 private:
  App(std::unique_ptr<store::Db> db, core::PiiCipher cipher, const AppOptions& options);

  std::unique_ptr<store::Db> db_;
  core::SystemClock clock_;
  core::PiiCipher cipher_;
  domain::AuditLog audit_;
  domain::AccountService accounts_;
  domain::GridLocator locator_;
  domain::OrgTreeService tree_;
  domain::ResidentService residents_;
  domain::PartyService party_;
  domain::UnitService units_;
  domain::StaffService staff_;
  domain::ServiceCenterService service_centers_;
  domain::Importer importer_;
};

std::string DefaultKeyFile(const std::string& db_url);

}  // namespace civicgrid::app
