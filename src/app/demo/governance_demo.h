// The demo county's compound governance (issue 10 §1): each compound linked to
// the property company and owners' committee the plan gave it (members from
// its residents), a community worker as its red steward (红管家), its
// buildings with their building chiefs; and four published quarters of red,
// yellow and black lists before the quarter of `end_ms`, scored by every rater
// group the compound has. Deterministic for a plan and seed.
#pragma once

#include <cstdint>
#include <vector>

#include "app/app.h"
#include "app/demo/demo_plan.h"

namespace civicgrid::app::demo {

struct GovernanceDemoIds {
  int64_t county = 0;
  std::vector<int64_t> communities, compounds, buildings, units;
};

struct GovernanceDemoReport {
  int64_t compounds_linked = 0;
  int64_t periods = 0;
  int64_t sheets = 0;
};

core::Result<GovernanceDemoReport> LoadGovernanceDemo(App& app, const DemoPlan& plan,
                                                      const GovernanceDemoIds& ids, uint64_t seed,
                                                      int64_t end_ms);

}  // namespace civicgrid::app::demo
