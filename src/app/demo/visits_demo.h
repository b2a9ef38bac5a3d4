// The demo county's 民情台账 (issue 11 §1): visit logs of the last weeks,
// written in bulk (multi-row INSERTs in one transaction, no ticket and no
// note), so the plan, the coverage and the "not seen longest" list have
// something to show. Each grid's worker visits each household in most weeks
// (a diligence drawn per grid, 55–95 %), an elder living alone or a disabled
// household twice; nothing after `end_ms`. Deterministic for a seed.
#pragma once

#include <cstdint>

#include "app/app.h"

namespace civicgrid::app::demo {

struct VisitsDemoReport {
  int64_t households = 0;
  int64_t visits = 0;
};

core::Result<VisitsDemoReport> LoadVisitsDemo(App& app, uint64_t seed, int64_t end_ms,
                                              int weeks = 6);

}  // namespace civicgrid::app::demo
