// libFuzzer target for the GeoJSON reader (grid boundaries uploaded by staff
// and imported from files). Besides "never crash", it checks what must hold
// for every accepted geometry: written GeoJSON reads back with the same shape,
// and the centroid, box and index work on it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "core/geo.h"

namespace {

namespace core = civicgrid::core;

bool SameShape(const core::MultiPolygon& a, const core::MultiPolygon& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].outer().size() != b[i].outer().size() ||
        a[i].inners().size() != b[i].inners().size()) {
      return false;
    }
  }
  return true;
}

void CheckAccepted(const core::MultiPolygon& geometry) {
  const auto again = core::ParseGeometryText(core::GeometryToGeoJson(geometry));
  if (!again.ok() || !SameShape(geometry, *again)) {
    std::abort();
  }
  const core::LonLat centre = core::Centroid(geometry);
  (void)core::BoundingBox(geometry);
  std::vector<core::GridShape> grids;
  grids.push_back({1, geometry});
  const core::GridIndex index(std::move(grids));
  (void)index.Locate(centre);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto geometry = core::ParseGeometryText(text); geometry.ok()) {
    CheckAccepted(*geometry);
  }
  if (const auto features = core::ParseFeatureCollection(text); features.ok()) {
    for (const core::GeoFeature& feature : *features) {
      CheckAccepted(feature.geometry);
    }
  }
  return 0;
}
