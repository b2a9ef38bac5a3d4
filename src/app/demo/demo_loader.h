// Loads a DemoPlan into the database through the domain services: the org
// tree with boundaries, party organisations, units and pairings, service
// centres, households, residents, members, staff, and the demo accounts
// (password "civicgrid-demo"). Everything but the accounts goes in one
// transaction, so an interrupted load leaves an empty database behind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/app.h"
#include "app/demo/demo_plan.h"

namespace civicgrid::app::demo {

inline constexpr const char* kDemoPassword = "civicgrid-demo";

struct DemoLoadOptions {
  std::string profile = "guan";
  uint64_t seed = 1;
  double population_scale = 1.0;  // DemoOptions::population_scale
  bool if_empty = false;          // do nothing when the database already has an org tree
  // Days of ticket history ending now (ticket_history.h); 0 loads none.
  int ticket_history_days = 365;
  // Where that history ends; default: the app clock's now (tests fix it).
  std::optional<int64_t> ticket_history_end_ms;
};

struct DemoLoadReport {
  bool skipped = false;  // the database already had data and if_empty was set
  int64_t nodes = 0;
  int64_t residents = 0;
  int64_t party_members = 0;
  int64_t staff = 0;
  int64_t units = 0;
  int64_t tickets = 0;         // of the history
  double county_seconds = 0;   // wall time to make and load the county and accounts
  double history_seconds = 0;  // wall time of the ticket history
};

core::Result<DemoLoadReport> LoadDemo(App& app, const DemoLoadOptions& options);
// Prints the demo accounts that exist in this database (for `make run`).
void PrintDemoAccounts(App& app);

}  // namespace civicgrid::app::demo
