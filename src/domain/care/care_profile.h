// The learned profile (issue 11 §2): per subject, how likely some use is in
// each hour of the week (Asia/Shanghai, Monday 00:00 = slot 0), counted over
// recent weeks; a silence is alerted when, under the profile, a silence this
// long starting at this hour is improbable. Pure functions, shared by the
// service, bench/care_detection_bench.cc and the demo.
//
// The model: hours independent, P(no use in an hour of slot k) = 1 − p_k with
// p_k = (weeks with use in that hour + 0.5) / (weeks observed + 1), at most
// kMaxHourUse (one busy hour alone never makes a silence improbable). A
// silence from t0 to t has probability Π (1 − p_slot(h)) over the hours it
// spans; the alert falls due at the first whole hour where that product is
// below the subject's threshold and the silence is at least min_ms long.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace civicgrid::domain {

inline constexpr int kWeekHours = 168;
inline constexpr double kMaxHourUse = 0.8;

struct UseProfile {
  std::array<uint16_t, kWeekHours> used{};  // weeks in which the hour saw use
  std::array<uint16_t, kWeekHours> seen{};  // weeks in which the hour was observed
  // The most weeks any hour was observed.
  int64_t Weeks() const;
  // "used/seen" per slot, comma-separated (stored in care_subject.profile).
  std::string Encode() const;
  static std::optional<UseProfile> Decode(std::string_view text);
};

// The hour of the week of `ms` in Asia/Shanghai (UTC+8, no summer time).
int WeekHourSlot(int64_t ms);
// P(some use in an hour of `slot`), smoothed and capped.
double HourUse(const UseProfile& profile, int slot);

// Learns from hourly flags: hours[i] says whether the hour starting at
// start_ms + i h saw use (nullopt: not observed — no readings across it, or
// the elder was away). start_ms is a whole hour.
UseProfile LearnProfile(int64_t start_ms, const std::vector<std::optional<bool>>& hours);

// Probability, under the profile, of no use from `from_ms` for `hours` whole hours.
double SilenceProbability(const UseProfile& profile, int64_t from_ms, int64_t hours);

// The first time (a whole number of hours after `since_ms`, at least min_ms
// and under max_ms) at which a silence since `since_ms` is less likely than
// `threshold`; nullopt when there is none.
std::optional<int64_t> ProfileDue(const UseProfile& profile, int64_t since_ms, double threshold,
                                  int64_t min_ms, int64_t max_ms);

}  // namespace civicgrid::domain
