// The demo county's deliberation meetings (issue 10 §3): each community holds
// 逢四说事 on the 4th, 14th and 24th, a year of meetings up to the demo's end
// and two months ahead, organised by its secretary. Past meetings carry their
// minutes (but the latest, which waits for them: its organiser is reminded)
// and, now and then, decisions with weights — the older ones done — and each
// community has a resident's proposal waiting for an agenda. Written in one
// transaction with direct inserts (well under a second for the county).
// Deterministic for a plan and seed.
#pragma once

#include <cstdint>
#include <vector>

#include "app/app.h"

namespace civicgrid::app::demo {

struct DeliberationDemoReport {
  int64_t series = 0;
  int64_t meetings = 0;
  int64_t decisions = 0;
};

core::Result<DeliberationDemoReport> LoadDeliberationDemo(App& app,
                                                          const std::vector<int64_t>& communities,
                                                          uint64_t seed, int64_t end_ms);

}  // namespace civicgrid::app::demo
