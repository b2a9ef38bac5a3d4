// The demo county's party life (issue 10 §2): a year of branch meetings before
// the month of `end_ms` — 主题党日 and 支委会 monthly, 支部党员大会 and 党课
// quarterly, 组织生活会 and 民主评议 yearly, 党小组会 monthly for groups — with
// attendance and absentees' reasons; every sixth branch skips about half its
// slots (the cadence report's branches behind); a few members stop coming or
// stop paying dues; then the month that ended is evaluated (黄橙红 warnings).
// Written in batches straight to the tables, so it stays fast. Deterministic
// for a seed.
#pragma once

#include <cstdint>

#include "app/app.h"

namespace civicgrid::app::demo {

struct PartyLifeDemoReport {
  int64_t meetings = 0;
  int64_t attendance = 0;
  int64_t warnings = 0;  // yellow or above
};

core::Result<PartyLifeDemoReport> LoadPartyLifeDemo(App& app, uint64_t seed, int64_t end_ms);

}  // namespace civicgrid::app::demo
