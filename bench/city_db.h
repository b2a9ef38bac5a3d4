// A city-tier database written directly with bulk SQL through the store layer
// (for mixed_load_bench): an org tree with grid boundaries, residents in
// households with their PII sealed as ResidentService seals it, party
// organisations and members, units paired with communities, staff, accounts
// for every role, and a year of tickets with their events, escalations and
// number counters; the rate rollups rebuilt by TicketStats::Rebuild.
//
// Fast on purpose: the secondary indexes of the bulk tables are dropped and
// created again afterwards (their DDL read from the catalogue, so indexes
// added by later migrations come back too), rows go in as multi-row INSERTs
// of fixed shape (one cached prepared statement per table), one transaction
// per large batch, ids chosen here so nothing is read back. Accounts share
// one argon2id hash of kCityPassword computed once (logins verify it as any
// other). Deterministic for a given tier and end instant. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "app/app.h"
#include "core/error.h"

namespace civicgrid::bench {

inline constexpr const char* kCityPassword = "city-bench-pw";

struct CityTier {
  std::string name;  // "city" or "small"
  int counties = 8;
  int streets_per_county = 10;
  int communities_per_street = 10;
  int grids_per_community = 6;
  int buildings_per_grid = 5;
  int64_t residents = 1'000'000;
  int64_t tickets = 1'000'000;
};

// "city" (8 counties, 80 streets, 800 communities, 4,800 grids, 1M residents,
// 1M tickets) or "small" (a quick run: 2 / 8 / 40 / 240, 40k residents, 40k
// tickets). Exits on another name.
CityTier CityTierNamed(const std::string& name);

// Login names: "city_admin"; "county{c}" (county admin); "street{c}_{s}";
// "secretary{m}" and "worker{m}" (community m, numbered across the city);
// "grid{g}" (grid worker of grid g); "member{k}"; "resident{k}"; "unit{u}".
struct CityReport {
  std::vector<std::pair<std::string, double>> phases;  // name, seconds
  int64_t rows = 0;                                    // rows inserted, all tables
  double seconds = 0;
};

// Fills the empty, migrated database of `app` (ids from 1). `end_ms` is the
// end of the ticket year: events after it do not happen, so recent tickets
// are still open.
core::Result<CityReport> GenerateCity(app::App& app, const CityTier& tier, int64_t end_ms);

}  // namespace civicgrid::bench
