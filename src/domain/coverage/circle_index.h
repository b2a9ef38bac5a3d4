// The centres of a coverage computation bucketed in a lon/lat grid whose cells
// are at least the reach on each side, so the centres within reach of a point
// lie in its cell or the eight around it: a building costs the few centres of
// nine cells, not every centre (O(buildings) at city tier instead of
// O(buildings × centres)). Distances are great-circle (core::HaversineMeters).
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/geo.h"

namespace civicgrid::domain {

struct CirclePoint {
  int64_t id = 0;
  core::LonLat at;
};

class CircleIndex {
 public:
  // `reach_m` > 0: the straight-line radius of every circle.
  CircleIndex(std::vector<CirclePoint> centers, double reach_m);

  // Calls `visit(center, distance_m)` for every centre within reach of `p`.
  void ForEachWithin(core::LonLat p,
                     const std::function<void(const CirclePoint&, double)>& visit) const;
  // The distance to the nearest centre within reach of `p`; none when `p` is outside every circle.
  std::optional<double> NearestWithin(core::LonLat p) const;
  // The nearest centre within `cells` cells (for "how far is the nearest centre"), any distance.
  std::optional<double> NearestAround(core::LonLat p, int cells) const;

  double reach_m() const { return reach_m_; }

 private:
  struct Cell {
    int64_t x = 0, y = 0;
  };
  Cell CellOf(core::LonLat p) const;
  static uint64_t Key(int64_t x, int64_t y) {
    return (static_cast<uint64_t>(x) << 32) ^ static_cast<uint32_t>(y);
  }
  template <typename Fn>
  void Around(core::LonLat p, int cells, Fn&& fn) const;

  std::vector<CirclePoint> centers_;
  double reach_m_;
  double cell_lat_deg_ = 1;
  double cell_lon_deg_ = 1;
  std::unordered_map<uint64_t, std::vector<int32_t>> cells_;  // cell → indexes into centers_
};

}  // namespace civicgrid::domain
