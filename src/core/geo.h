// Geo: coordinates, GeoJSON polygons and the point -> grid index.
//
// Everything civicgrid stores is WGS-84 lon/lat (DESIGN.md "Geo"). Phones in
// China report GCJ-02, so input arrives tagged with a CoordSys and is converted
// with ToWgs84() before it is stored or looked up.
//
// Polygons use Boost.Geometry with *cartesian* lon/lat points: edges are
// straight lines in the lon/lat plane, not great circles. For point-in-polygon
// at county scale (edges of metres to a few kilometres) the difference is far
// below GPS error, and the cartesian algorithms are simpler and faster. Do not
// use these types for areas or lengths in metres; use HaversineMeters.
//
// Free functions are pure; value types carry no thread-safety concerns.
// GridIndex is immutable after construction (see there).
#pragma once

#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace civicgrid::core {

// ---------------------------------------------------------------------------
// Coordinates

// A position in degrees. Stored positions are always WGS-84.
struct LonLat {
  double lon = 0;
  double lat = 0;
  bool operator==(const LonLat&) const = default;
};

enum class CoordSys {
  kWgs84,  // GPS, international maps; what we store
  kGcj02,  // China's obfuscated datum: WeChat, AMap, Tencent maps
};

// Parses the API spelling "wgs84" or "gcj02"; any other value is an
// Invalid error on field "coord_sys".
[[nodiscard]] Result<CoordSys> ParseCoordSys(std::string_view text);

// Forward GCJ-02 obfuscation (Krasovsky ellipsoid). Identity outside the rough
// mainland-China box, as every GCJ-02 implementation does.
LonLat Wgs84ToGcj02(LonLat wgs84);

// Inverse of Wgs84ToGcj02 by fixed-point iteration: the result maps forward to
// the input within 1e-9 degrees (about 0.1 mm). Identity outside China.
LonLat Gcj02ToWgs84(LonLat gcj02);

// Converts `point` given in `from` to WGS-84.
LonLat ToWgs84(LonLat point, CoordSys from);

// Checks that the position is finite, lon in [-180, 180] and lat in [-90, 90].
// Errors name field_prefix + "lon" or field_prefix + "lat", e.g. "location.lat".
[[nodiscard]] Status ValidateLonLat(LonLat point, std::string_view field_prefix);

// Great-circle distance on a sphere of the mean Earth radius (6371008.8 m).
double HaversineMeters(LonLat a, LonLat b);

// ---------------------------------------------------------------------------
// Polygons

using GeoPoint = boost::geometry::model::d2::point_xy<double>;  // x = lon, y = lat
// Counter-clockwise exterior rings and closed rings, as RFC 7946 writes them.
using Polygon = boost::geometry::model::polygon<GeoPoint, /*ClockWise=*/false, /*Closed=*/true>;
using MultiPolygon = boost::geometry::model::multi_polygon<Polygon>;

struct LonLatBox {
  LonLat min;  // south-west corner
  LonLat max;  // north-east corner
};

// Bounding box of a non-empty geometry.
LonLatBox BoundingBox(const MultiPolygon& geometry);

// Area-weighted centroid of a non-empty geometry; for a degenerate (zero-area)
// geometry the centre of its bounding box. May lie outside a concave polygon.
LonLat Centroid(const MultiPolygon& geometry);

// ---------------------------------------------------------------------------
// GeoJSON

// Limits for GeoJSON from outside. Defaults fit a city's grid boundaries.
struct GeoJsonOptions {
  // Largest accepted document in bytes; larger input fails with kTooLarge.
  std::size_t max_bytes = 16 * 1024 * 1024;
  // Deepest JSON nesting; a FeatureCollection of MultiPolygons needs 8.
  std::size_t max_depth = 32;
  // Most positions in one geometry (all rings of all polygons together).
  std::size_t max_positions = 100'000;
};

// One feature of a FeatureCollection.
struct GeoFeature {
  boost::json::object properties;  // empty when the feature had null or none
  MultiPolygon geometry;           // validated, rings oriented per RFC 7946
  // The geometry as GeometryToGeoJson writes it, ready to store. It is the
  // validated geometry, not the input bytes: always a MultiPolygon with
  // RFC 7946 ring orientation, short numbers, no altitude.
  std::string geometry_json;
};

// Parses a GeoJSON Polygon or MultiPolygon geometry object. `path` is where the
// geometry sits in its document (e.g. "features[3].geometry", or "" for a
// bare geometry) and prefixes every error field, e.g.
// "features[3].geometry.coordinates[0]" for an unclosed ring. Checks: type,
// non-empty coordinates, rings of at least 4 positions, closed rings, numeric
// positions [lon, lat] or [lon, lat, alt] within range, options.max_positions.
[[nodiscard]] Result<MultiPolygon> ParseGeometry(const boost::json::value& geometry,
                                                 std::string_view path,
                                                 const GeoJsonOptions& options = {});

// Parses a bare geometry from JSON text. Malformed, too deep or too large
// input fails with field "body".
[[nodiscard]] Result<MultiPolygon> ParseGeometryText(std::string_view text,
                                                     const GeoJsonOptions& options = {});

// Parses a FeatureCollection whose features all have Polygon or MultiPolygon
// geometry. Errors as for ParseGeometryText; feature errors name
// "features[i]...".
[[nodiscard]] Result<std::vector<GeoFeature>> ParseFeatureCollection(
    std::string_view text, const GeoJsonOptions& options = {});

// Writes a GeoJSON MultiPolygon geometry object with the shortest decimal
// form of each number that parses back to the same double.
std::string GeometryToGeoJson(const MultiPolygon& geometry);

// ---------------------------------------------------------------------------
// GridIndex

// A grid's id and boundary, the input of GridIndex.
struct GridShape {
  int64_t id = 0;
  MultiPolygon geometry;
};

// Answers "which grid contains this point". An R-tree over the envelopes of
// every polygon selects candidates, an exact covered_by test decides; a point
// on a shared border or inside overlapping grids belongs to the smallest id.
//
// Immutable after construction: concurrent Locate() calls from any number of
// threads are safe without locking. Rebuild and swap to change the grids.
class GridIndex {
 public:
  GridIndex();  // empty: Locate() finds nothing
  explicit GridIndex(std::vector<GridShape> grids);
  ~GridIndex();
  GridIndex(GridIndex&&) noexcept;
  GridIndex& operator=(GridIndex&&) noexcept;
  GridIndex(const GridIndex&) = delete;
  GridIndex& operator=(const GridIndex&) = delete;

  // The grid containing the WGS-84 point (boundary included), if any.
  std::optional<int64_t> Locate(LonLat wgs84) const;

  // Number of grids the index was built from.
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<const Impl> impl_;
};

}  // namespace civicgrid::core
