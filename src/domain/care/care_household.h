// A generator of household water use for an elder living alone (issue 11 §2),
// with injected incidents (a fall: no use from then on until found) and
// absences (declared trips, which the absence mode suppresses), for
// bench/care_detection_bench.cc, the demo county and tests. Deterministic
// for a seed; no database.
//
// The day: waking about 06:30 and going to bed about 21:30 (each person their
// own times, each day some minutes off); water drawn in bursts (a flush, a
// wash, cooking, a shower) at a base rate with peaks after waking, at noon
// and in the evening, each person busier or quieter than another; a wash
// and a flush on waking and before bed most days; a night flush or two.
// Undeclared outings of a few hours most days and now and then a long day
// out (up to 13 h) leave silences the fixed rule and the profile must tell
// from a fall. The meter reports its register (m³) every
// `reading_interval_ms` (hourly, as NB-IoT water meters do).
#pragma once

#include <cstdint>
#include <vector>

#include "domain/care/care_rules.h"

namespace civicgrid::domain {

struct HouseholdOptions {
  int64_t start_ms = 0;  // a whole hour (a Shanghai midnight reads best)
  int64_t days = 120;
  int64_t reading_interval_ms = 3'600'000;
  int64_t warmup_days = 28;             // no incidents or trips: the profile learns
  double incidents_per_day = 1.0 / 40;  // falls (far more than life: for the statistics)
  int64_t incident_hours = 24;          // found after this long if nothing raised an alert
  double trips_per_day = 1.0 / 45;      // declared absences of 2–5 days
  double outings_per_day = 0.6;         // undeclared, 1.5–5 h by day
  double day_outs_per_day = 1.0 / 20;   // undeclared, 8–13 h
  double initial_register = 0;
};

struct HouseholdEvent {
  int64_t from_ms = 0;
  int64_t until_ms = 0;
};

struct Household {
  std::vector<CheckedReading> readings;  // the water meter, in time order
  std::vector<HouseholdEvent> incidents;
  std::vector<HouseholdEvent> trips;  // declared: the absence mode covers them
};

Household GenerateHousehold(uint64_t seed, const HouseholdOptions& options);

}  // namespace civicgrid::domain
