// The stages of MakePlan, each filling its part of a DemoPlan in order.
// Internal to app/demo.
#pragma once

#include <cstdint>
#include <vector>

#include "app/demo/demo_plan.h"

namespace civicgrid::app::demo {

// The 固安 figures everything is shaped by (seed document 001).
inline constexpr int kCommunities = 32;
inline constexpr int kGrids = 246;
inline constexpr int kGridBranches = 108;
inline constexpr int kGridGroups = 138;
inline constexpr int kFullTimeGridWorkers = 245;
inline constexpr int kPartTimeGridWorkers = 925;
inline constexpr int kUnits = 64;
inline constexpr int kMinServiceCenterArea = 500;  // m²
static_assert(kGridBranches + kGridGroups == kGrids);

// Splits `total` in proportion to the weights, largest remainders first and
// ties to the lower index: integer arithmetic, the same everywhere.
std::vector<int> Apportion(int total, const std::vector<int>& weights);

// County, streets, communities, grids (with geometry), units, compounds,
// back streets, buildings, service centres, party organisations, pairings.
// Depends on nothing but the profile.
void BuildLayout(DemoPlan& plan);

// Households and residents, party members, unit contacts, grid and community
// workers, building and street chiefs. Needs the layout.
void BuildPeople(DemoPlan& plan, uint64_t seed, double population_scale);

// The demo accounts. Needs the people.
void BuildAccounts(DemoPlan& plan);

}  // namespace civicgrid::app::demo
