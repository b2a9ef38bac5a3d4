#include "domain/care/care_household.h"

#include <algorithm>
#include <cmath>

#include "core/time.h"

namespace civicgrid::domain {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = core::kMsPerHour;
constexpr int64_t kDay = core::kMsPerDay;
constexpr int64_t kStep = 5 * kMinute;  // use is drawn per 5 minutes

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Between(double lo, double hi) { return lo + (hi - lo) * Unit(); }
  double Normal(double mean, double sd) {
    const double u = std::max(Unit(), 1e-12), v = Unit();
    return mean + sd * std::sqrt(-2 * std::log(u)) * std::cos(2 * M_PI * v);
  }

 private:
  uint64_t s_;
};

bool Inside(const std::vector<HouseholdEvent>& events, int64_t t) {
  for (const auto& e : events) {
    if (e.from_ms <= t && t < e.until_ms) return true;
  }
  return false;
}

}  // namespace

Household GenerateHousehold(uint64_t seed, const HouseholdOptions& o) {
  Rng rng(seed);
  Household out;
  // The person.
  const double wake = rng.Normal(6.5, 0.6);
  const double bed = rng.Normal(21.5, 0.7);
  const double busy = std::exp(rng.Normal(0, 0.35));  // more or less water than most
  const double night_flushes = rng.Between(0.3, 1.5);
  const int64_t end = o.start_ms + o.days * kDay;
  const int64_t learn_end = o.start_ms + o.warmup_days * kDay;
  // Undeclared outings and day-outs, declared trips, then incidents (not
  // inside a trip).
  std::vector<HouseholdEvent> away;
  for (int64_t d = 0; d < o.days; ++d) {
    const int64_t day = o.start_ms + d * kDay;
    if (rng.Unit() < o.outings_per_day) {
      const int64_t from = day + static_cast<int64_t>(rng.Between(8.5, 16) * kHour);
      away.push_back({from, from + static_cast<int64_t>(rng.Between(1.5, 5) * kHour)});
    }
    if (rng.Unit() < o.day_outs_per_day) {
      const int64_t from = day + static_cast<int64_t>(rng.Between(7, 10) * kHour);
      away.push_back({from, from + static_cast<int64_t>(rng.Between(8, 13) * kHour)});
    }
    if (day >= learn_end && rng.Unit() < o.trips_per_day) {
      const int64_t from = day + static_cast<int64_t>(rng.Between(8, 12) * kHour);
      const int64_t until = from + static_cast<int64_t>(rng.Between(2, 5)) * kDay;
      if (until < end) out.trips.push_back({from, until});
    }
  }
  for (int64_t d = o.warmup_days; d < o.days; ++d) {
    if (rng.Unit() >= o.incidents_per_day) continue;
    const int64_t from = o.start_ms + d * kDay + static_cast<int64_t>(rng.Between(0, 24) * kHour);
    const int64_t until = from + o.incident_hours * kHour;
    if (until >= end || Inside(out.trips, from) || Inside(out.trips, until)) continue;
    if (!out.incidents.empty() && from < out.incidents.back().until_ms + 2 * kDay) continue;
    out.incidents.push_back({from, until});
  }
  // Water, 5 minutes at a time; the register read every interval.
  double reg = o.initial_register;
  double today_wake = wake, today_bed = bed;
  int64_t next_reading = o.start_ms;
  for (int64_t t = o.start_ms; t < end; t += kStep) {
    if (t >= next_reading) {
      out.readings.push_back(CheckedReading{t, std::round(reg * 1e4) / 1e4});
      next_reading += o.reading_interval_ms;
    }
    const int64_t local = t + 8 * kHour;
    const double hour = static_cast<double>(local % kDay) / kHour;
    if (local % kDay == 0) {
      today_wake = wake + rng.Normal(0, 0.4);
      today_bed = bed + rng.Normal(0, 0.5);
    }
    if (Inside(out.incidents, t) || Inside(out.trips, t) || Inside(away, t)) continue;
    const bool awake = hour >= today_wake && hour < today_bed;
    // The routines: a wash and a flush soon after waking and before bed
    // (most days; the register takes them as use).
    const bool routine = (hour >= today_wake && hour < today_wake + 1.0 / 12) ||
                         (hour >= today_bed - 0.5 && hour < today_bed - 0.5 + 1.0 / 12);
    if (routine && rng.Unit() < 0.92) {
      reg += rng.Between(0.010, 0.020);
      continue;
    }
    double per_hour;
    if (!awake) {
      per_hour = night_flushes / std::max(1.0, 24 - (today_bed - today_wake));
    } else {
      per_hour = 0.8;
      if (hour < today_wake + 1.5) per_hour = 2.5;
      if (hour >= 11 && hour < 12.5) per_hour = 1.4;
      if (hour >= 17 && hour < 19) per_hour = 1.6;
      per_hour *= busy;
    }
    if (rng.Unit() >= per_hour * static_cast<double>(kStep) / kHour) continue;
    // A flush 6 L, a wash 3–10 L, cooking 5–15 L, now and then a shower 40–60 L.
    const double kind = rng.Unit();
    if (!awake || kind < 0.45) {
      reg += 0.006;
    } else if (kind < 0.75) {
      reg += rng.Between(0.003, 0.010);
    } else if (kind < 0.95) {
      reg += rng.Between(0.005, 0.015);
    } else {
      reg += rng.Between(0.04, 0.06);
    }
  }
  return out;
}

}  // namespace civicgrid::domain
