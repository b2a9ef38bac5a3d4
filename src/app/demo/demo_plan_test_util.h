// Helpers shared by the demo plan tests: the default plan, made once per
// test binary, and small predicates.
#pragma once

#include <cstddef>
#include <string_view>

#include "app/demo/demo_plan.h"

namespace civicgrid::app::demo::plan_testing {

// The population scale most tests use: 5 % of the county (about 11,000
// residents), small enough for the sanitizer build.
inline constexpr double kTestScale = 0.05;

inline DemoOptions TestOptions() {
  DemoOptions options;
  options.population_scale = kTestScale;
  return options;
}

// The plan at kTestScale, made once: most tests read it.
inline const DemoPlan& Plan() {
  static const DemoPlan plan = MakePlan(TestOptions()).value();
  return plan;
}

// The full-size plan (about 220,000 residents), made once, for the tests of
// what does not survive scaling down (staffing norms, member shares).
inline const DemoPlan& FullPlan() {
  static const DemoPlan plan = MakePlan(DemoOptions{}).value();
  return plan;
}

inline int Size(const auto& v) { return static_cast<int>(v.size()); }

inline int Age(const PlanResident& r) { return AgeOn(r.birth_date, kReferenceDate); }

inline core::GeoPoint Point(core::LonLat p) { return {p.lon, p.lat}; }

// "d" stands for a digit, anything else for itself.
inline bool MatchesPattern(std::string_view text, std::string_view pattern) {
  if (text.size() != pattern.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool ok = pattern[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == pattern[i];
    if (!ok) return false;
  }
  return true;
}

}  // namespace civicgrid::app::demo::plan_testing
