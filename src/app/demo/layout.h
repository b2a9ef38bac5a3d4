// Layout: where the demo plan's grids lie. Grids are cells of a lattice of
// quadrilaterals about 300 m across, centred on the county seat. Lattice
// vertices are nudged by a fixed hash of their position, so the cells look
// irregular, yet neighbours share their edges exactly and never overlap.
// Each street is a band of kBandRows rows; its communities run through the
// band in a snake (down one column, up the next), so consecutive grids always
// share an edge and every community is one contiguous piece. Value types,
// pure; thread-safe.
#pragma once

#include <span>
#include <vector>

#include "core/geo.h"

namespace civicgrid::app::demo {

struct Cell {
  int col = 0;  // west to east
  int row = 0;  // north to south
};

class Lattice {
 public:
  // A lattice of `cols` × `rows` cells whose middle is `center`.
  Lattice(core::LonLat center, int cols, int rows);

  // The corner at the north-west of cell (col, row).
  core::LonLat Vertex(int col, int row) const;
  // The cell as a closed counter-clockwise ring.
  core::Polygon CellPolygon(Cell cell) const;
  // The point at (u, v) ∈ (0, 1)² of the cell by bilinear interpolation
  // (u east, v north); strictly inside for 0 < u, v < 1 since cells are convex.
  core::LonLat PointIn(Cell cell, double u, double v) const;

 private:
  core::LonLat north_west_;
};

inline constexpr int kBandRows = 4;

// Street bands stacked north to south with the first street in the middle.
class BandLayout {
 public:
  // grids_per_street: how many grids each street has, in plan order.
  BandLayout(core::LonLat center, std::span<const int> grids_per_street);

  // The cell of a street's k-th grid (in plan order within the street).
  Cell CellOf(int street, int k) const;
  const Lattice& lattice() const { return lattice_; }

 private:
  std::vector<Cell> band_origin_;  // per street: its first column and row
  Lattice lattice_;
};

// The union of cells that share edges exactly.
core::MultiPolygon UnionOf(std::span<const core::Polygon> polygons);

}  // namespace civicgrid::app::demo
