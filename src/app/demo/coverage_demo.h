// The demo county's 15-minute circle and funds (issue 11 §3): every building
// placed where the plan drew it (so the coverage map has something to show),
// this year's work and service funds allocated to every community at the 固安
// norms, and a few spendings per community from January to today. Deterministic
// for a plan, seed and day; fast (one transaction for the positions, one per entry).
#pragma once

#include <cstdint>
#include <vector>

#include "app/app.h"
#include "app/demo/demo_plan.h"

namespace civicgrid::app::demo {

struct CoverageDemoReport {
  int64_t placed_buildings = 0;
  int64_t allocations = 0;
  int64_t spendings = 0;
};

core::Result<CoverageDemoReport> LoadCoverageDemo(App& app, const DemoPlan& plan,
                                                  const std::vector<int64_t>& buildings,
                                                  const std::vector<int64_t>& communities,
                                                  uint64_t seed, int64_t now_ms);

}  // namespace civicgrid::app::demo
