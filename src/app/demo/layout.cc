#include "app/demo/layout.h"

// At -O3, GCC 12 reports -Wmaybe-uninitialized inside Boost.Geometry's
// overlay code (sort_by_side.hpp), a false positive; silenced for the header
// only, where the diagnostic's location lies.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/geometry/algorithms/union.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <cstdint>
#include <utility>

#include "app/demo/rng.h"

namespace civicgrid::app::demo {
namespace {

// About 300 m at latitude 39.4° (1° of longitude ≈ 86.0 km, of latitude ≈
// 111.0 km). Literal constants rather than cos(): the plan must not depend on
// the maths library.
constexpr double kCellLon = 0.0035;
constexpr double kCellLat = 0.0027;
// How far a vertex may move, as a share of a cell; below 1/4 every cell stays
// a convex quadrilateral and neighbours cannot cross.
constexpr double kJitter = 0.15;
constexpr uint64_t kJitterSalt = 0x6A09E667F3BCC909ULL;

// In [-1, 1), fixed by the vertex.
double Nudge(int col, int row, uint64_t axis) {
  const uint64_t key = (static_cast<uint64_t>(col) << 32) ^ static_cast<uint64_t>(row);
  const uint64_t h = Mix64(kJitterSalt ^ Mix64(key * 2 + axis));
  return static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;
}

// Bands north to south: the first street in the middle, the others around it.
std::vector<int> BandOrder(int streets) {
  std::vector<int> order;
  for (int s = 0; s < streets; ++s) {
    if (s % 2 == 1) {
      order.insert(order.begin(), s);
    } else {
      order.push_back(s);
    }
  }
  return order;
}

int ColumnsFor(int grids) { return (grids + kBandRows - 1) / kBandRows; }

}  // namespace

Lattice::Lattice(core::LonLat center, int cols, int rows)
    : north_west_{center.lon - cols * kCellLon / 2, center.lat + rows * kCellLat / 2} {}

core::LonLat Lattice::Vertex(int col, int row) const {
  return {north_west_.lon + (col + kJitter * Nudge(col, row, 0)) * kCellLon,
          north_west_.lat - (row + kJitter * Nudge(col, row, 1)) * kCellLat};
}

core::Polygon Lattice::CellPolygon(Cell cell) const {
  const core::LonLat corners[] = {Vertex(cell.col, cell.row + 1),
                                  Vertex(cell.col + 1, cell.row + 1),
                                  Vertex(cell.col + 1, cell.row), Vertex(cell.col, cell.row)};
  core::Polygon polygon;
  for (const auto& c : corners) polygon.outer().emplace_back(c.lon, c.lat);
  polygon.outer().emplace_back(corners[0].lon, corners[0].lat);
  return polygon;
}

core::LonLat Lattice::PointIn(Cell cell, double u, double v) const {
  const core::LonLat sw = Vertex(cell.col, cell.row + 1);
  const core::LonLat se = Vertex(cell.col + 1, cell.row + 1);
  const core::LonLat ne = Vertex(cell.col + 1, cell.row);
  const core::LonLat nw = Vertex(cell.col, cell.row);
  auto mix = [&](double a, double b, double c, double d) {
    return (1 - u) * (1 - v) * a + u * (1 - v) * b + u * v * c + (1 - u) * v * d;
  };
  return {mix(sw.lon, se.lon, ne.lon, nw.lon), mix(sw.lat, se.lat, ne.lat, nw.lat)};
}

BandLayout::BandLayout(core::LonLat center, std::span<const int> grids_per_street)
    : band_origin_(grids_per_street.size()),
      lattice_(center,
               ColumnsFor(*std::max_element(grids_per_street.begin(), grids_per_street.end())),
               kBandRows * static_cast<int>(grids_per_street.size())) {
  const int width = ColumnsFor(*std::max_element(grids_per_street.begin(), grids_per_street.end()));
  const std::vector<int> order = BandOrder(static_cast<int>(grids_per_street.size()));
  for (int band = 0; band < static_cast<int>(order.size()); ++band) {
    const int street = order[band];
    band_origin_[street] = {(width - ColumnsFor(grids_per_street[street])) / 2, band * kBandRows};
  }
}

Cell BandLayout::CellOf(int street, int k) const {
  const Cell origin = band_origin_[street];
  const int col = k / kBandRows;
  const int down = k % kBandRows;
  const int row = col % 2 == 0 ? down : kBandRows - 1 - down;
  return {origin.col + col, origin.row + row};
}

core::MultiPolygon UnionOf(std::span<const core::Polygon> polygons) {
  core::MultiPolygon acc;
  for (const auto& polygon : polygons) {
    core::MultiPolygon next;
    boost::geometry::union_(acc, polygon, next);
    acc = std::move(next);
  }
  return acc;
}

}  // namespace civicgrid::app::demo
