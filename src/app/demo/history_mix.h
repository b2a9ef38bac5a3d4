// The numbers behind the demo's ticket history: which categories each stream
// of demands draws and how often, their seasons, the hours they arrive at, and
// the departments a street calls for each category. Internal to app/demo;
// constant tables, thread-safe.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace civicgrid::app::demo {

// The streams of demands (see history_script.h for their yearly volumes).
enum class Stream { kReport, kPatrol, kComplaint, kWish, kUrgent, kFollowUp };

struct Weighted {
  std::string_view code;  // category code
  int weight;
};
// The categories a stream draws from, with their relative weights.
std::span<const Weighted> MixOf(Stream stream);

// Percent of the mean, per month (January first).
using Season = std::array<int, 12>;
const Season& SeasonOf(Stream stream);
// A category's own season (rain, burning leaves, heating …), flat for most.
const Season& CategorySeason(std::string_view code);

// Relative arrivals per hour of the day (Beijing time).
using Hours = std::array<int, 24>;
const Hours& HoursOf(Stream stream);

// The departments (unit names of the plan) a street calls or dispatches to
// for a category; the second may be empty. Default: 县城管局.
std::array<std::string_view, 2> DepartmentsFor(std::string_view code);

}  // namespace civicgrid::app::demo
