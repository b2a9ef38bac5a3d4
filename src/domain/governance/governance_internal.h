// Shared helpers of the governance service (internal to domain/governance):
// who sees a compound, loading compounds and periods.
#pragma once

#include <string>

#include "domain/governance/governance_service.h"
#include "store/db.h"

namespace civicgrid::domain::governance {

inline bool IsStaff(const Caller& caller) { return caller.Can(Permission::kStatsRead); }

// ms at 00:00 Asia/Shanghai of `date`.
int64_t DayStartMs(core::CivilDate date);
core::CivilDate DateOf(std::string_view text);  // a stored YYYY-MM-DD

struct CompoundRow {
  int64_t id = 0;
  std::string code;
  std::string name;
  std::string path;
  int64_t community_id = 0;
};

// "(…)": the compound aliased `c` (an org_node) is visible to the caller.
std::string CompoundVisible(const Caller& caller, Conditions& w);
// The compound when the caller sees it; NotFound otherwise.
core::Result<CompoundRow> LoadCompound(store::Connection& conn, const Caller& caller, int64_t id);
inline bool CanEdit(const Caller& caller, const CompoundRow& c) {
  return caller.Can(Permission::kOrgWrite) && caller.InScope(c.path);
}

// The period row with its criteria, when the caller sees it; NotFound otherwise.
core::Result<RankingPeriod> LoadPeriod(store::Connection& conn, const Caller& caller, int64_t id);
// The path of the period's node (for the compounds it ranks).
core::Result<std::string> PeriodPath(store::Connection& conn, int64_t period_id);

}  // namespace civicgrid::domain::governance
