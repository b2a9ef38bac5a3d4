#include "domain/coverage/circle_index.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace civicgrid::domain {
namespace {

constexpr double kEarthRadiusM = 6371008.8;  // as core::HaversineMeters
constexpr double kMetresPerDegree = kEarthRadiusM * std::numbers::pi / 180.0;

}  // namespace

// A point within reach of a centre differs from it by at most reach/R radians of
// latitude and reach/(R·cos φ) of longitude, φ the larger |latitude| of the two,
// which is at most the centres' largest |latitude| plus one cell. Cells 1% larger
// than those bounds keep every centre within reach in the 3 × 3 neighbourhood.
CircleIndex::CircleIndex(std::vector<CirclePoint> centers, double reach_m)
    : centers_(std::move(centers)), reach_m_(reach_m) {
  cell_lat_deg_ = std::max(reach_m_, 1.0) / kMetresPerDegree * 1.01;
  double max_abs_lat = 0;
  for (const auto& c : centers_) max_abs_lat = std::max(max_abs_lat, std::abs(c.at.lat));
  const double lat = std::min(89.0, max_abs_lat + cell_lat_deg_);
  cell_lon_deg_ = std::min(360.0, cell_lat_deg_ / std::cos(lat * std::numbers::pi / 180.0));
  for (size_t i = 0; i < centers_.size(); ++i) {
    Cell c = CellOf(centers_[i].at);
    cells_[Key(c.x, c.y)].push_back(static_cast<int32_t>(i));
  }
}

CircleIndex::Cell CircleIndex::CellOf(core::LonLat p) const {
  return Cell{static_cast<int64_t>(std::floor(p.lon / cell_lon_deg_)),
              static_cast<int64_t>(std::floor(p.lat / cell_lat_deg_))};
}

template <typename Fn>
void CircleIndex::Around(core::LonLat p, int cells, Fn&& fn) const {
  const Cell c = CellOf(p);
  for (int64_t dx = -cells; dx <= cells; ++dx) {
    for (int64_t dy = -cells; dy <= cells; ++dy) {
      auto it = cells_.find(Key(c.x + dx, c.y + dy));
      if (it == cells_.end()) continue;
      for (int32_t i : it->second) fn(centers_[static_cast<size_t>(i)]);
    }
  }
}

void CircleIndex::ForEachWithin(
    core::LonLat p, const std::function<void(const CirclePoint&, double)>& visit) const {
  Around(p, 1, [&](const CirclePoint& c) {
    const double d = core::HaversineMeters(p, c.at);
    if (d <= reach_m_) visit(c, d);
  });
}

std::optional<double> CircleIndex::NearestWithin(core::LonLat p) const {
  std::optional<double> best;
  Around(p, 1, [&](const CirclePoint& c) {
    const double d = core::HaversineMeters(p, c.at);
    if (d <= reach_m_ && (!best || d < *best)) best = d;
  });
  return best;
}

std::optional<double> CircleIndex::NearestAround(core::LonLat p, int cells) const {
  std::optional<double> best;
  Around(p, cells, [&](const CirclePoint& c) {
    const double d = core::HaversineMeters(p, c.at);
    if (!best || d < *best) best = d;
  });
  return best;
}

}  // namespace civicgrid::domain
