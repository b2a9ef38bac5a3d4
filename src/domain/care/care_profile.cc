#include "domain/care/care_profile.h"

#include <algorithm>
#include <charconv>

#include "core/time.h"

namespace civicgrid::domain {

int64_t UseProfile::Weeks() const { return *std::max_element(seen.begin(), seen.end()); }

std::string UseProfile::Encode() const {
  std::string out;
  out.reserve(kWeekHours * 6);
  for (int k = 0; k < kWeekHours; ++k) {
    if (k > 0) out += ',';
    out += std::to_string(used[k]);
    out += '/';
    out += std::to_string(seen[k]);
  }
  return out;
}

std::optional<UseProfile> UseProfile::Decode(std::string_view text) {
  UseProfile p;
  const char* at = text.data();
  const char* end = at + text.size();
  for (int k = 0; k < kWeekHours; ++k) {
    if (k > 0) {
      if (at >= end || *at != ',') return std::nullopt;
      ++at;
    }
    auto r1 = std::from_chars(at, end, p.used[k]);
    if (r1.ec != std::errc() || r1.ptr >= end || *r1.ptr != '/') return std::nullopt;
    auto r2 = std::from_chars(r1.ptr + 1, end, p.seen[k]);
    if (r2.ec != std::errc()) return std::nullopt;
    at = r2.ptr;
  }
  if (at != end) return std::nullopt;
  return p;
}

int WeekHourSlot(int64_t ms) {
  const int64_t local = ms + 8 * core::kMsPerHour;
  int64_t local_hours = local / core::kMsPerHour;
  if (local % core::kMsPerHour < 0) --local_hours;
  // 1970-01-01 was a Thursday: slot of hour 0 is 3 × 24.
  return static_cast<int>(((local_hours + 3 * 24) % kWeekHours + kWeekHours) % kWeekHours);
}

double HourUse(const UseProfile& p, int slot) {
  const double v = (p.used[slot] + 0.5) / (p.seen[slot] + 1.0);
  return std::min(v, kMaxHourUse);
}

UseProfile LearnProfile(int64_t start_ms, const std::vector<std::optional<bool>>& hours) {
  UseProfile p;
  for (size_t i = 0; i < hours.size(); ++i) {
    if (!hours[i]) continue;
    const int slot = WeekHourSlot(start_ms + static_cast<int64_t>(i) * core::kMsPerHour);
    ++p.seen[slot];
    if (*hours[i]) ++p.used[slot];
  }
  return p;
}

double SilenceProbability(const UseProfile& p, int64_t from_ms, int64_t hours) {
  double prob = 1;
  for (int64_t h = 0; h < hours; ++h) {
    prob *= 1 - HourUse(p, WeekHourSlot(from_ms + h * core::kMsPerHour));
  }
  return prob;
}

std::optional<int64_t> ProfileDue(const UseProfile& p, int64_t since_ms, double threshold,
                                  int64_t min_ms, int64_t max_ms) {
  double prob = 1;
  for (int64_t h = 1; h * core::kMsPerHour < max_ms; ++h) {
    prob *= 1 - HourUse(p, WeekHourSlot(since_ms + (h - 1) * core::kMsPerHour));
    if (h * core::kMsPerHour >= min_ms && prob < threshold) return since_ms + h * core::kMsPerHour;
  }
  return std::nullopt;
}

}  // namespace civicgrid::domain
