#include "domain/registry/grid_locator.h"

namespace civicgrid::domain {

core::Status GridLocator::Reload() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, geometry FROM org_node WHERE kind = 'grid' AND "
                                  "geometry IS NOT NULL ORDER BY id"));
  std::vector<core::GridShape> shapes;
  shapes.reserve(rows.size());
  for (const auto& row : rows) {
    // Stored boundaries were validated on the way in; one that no longer
    // parses is a corrupted row and a bug worth surfacing.
    CG_ASSIGN_OR_RETURN(core::MultiPolygon geometry, core::ParseGeometryText(row.Text(1)));
    shapes.push_back(core::GridShape{row.Int(0), std::move(geometry)});
  }
  auto index = std::make_shared<const core::GridIndex>(std::move(shapes));
  std::lock_guard lock(mutex_);
  index_ = std::move(index);
  return core::Ok();
}

std::shared_ptr<const core::GridIndex> GridLocator::Snapshot() const {
  std::lock_guard lock(mutex_);
  return index_;
}

std::optional<int64_t> GridLocator::Locate(core::LonLat point, core::CoordSys coord_sys) const {
  return Snapshot()->Locate(core::ToWgs84(point, coord_sys));
}

size_t GridLocator::size() const { return Snapshot()->size(); }

}  // namespace civicgrid::domain
