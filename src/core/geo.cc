// g++ 12 at -O3 reports -Wmaybe-uninitialized inside Boost.Geometry's envelope
// expansion (boost/geometry/algorithms/detail/expand/indexed.hpp): the box
// state is initialised by assign_inverse before use, which the optimiser does
// not see through. A false positive in a third-party header, silenced for this
// file only so the rest of the project keeps the warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/geo.h"

#include "core/bd09.h"

#include <fmt/format.h>
#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/centroid.hpp>
#include <boost/geometry/algorithms/correct.hpp>
#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/algorithms/distance.hpp>
#include <boost/geometry/algorithms/envelope.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/geometry/strategies/spherical/distance_haversine.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <boost/json/parse.hpp>

#include <cassert>
#include <cmath>
#include <iterator>
#include <numbers>
#include <utility>

namespace civicgrid::core {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
namespace json = boost::json;

// ---------------------------------------------------------------------------
// GCJ-02. The constants are those of the published obfuscation formula.

constexpr double kPi = std::numbers::pi;
constexpr double kKrasovskyA = 6378245.0;                // semi-major axis, metres
constexpr double kKrasovskyEe = 0.00669342162296594323;  // first eccentricity squared
// The rough mainland-China box every GCJ-02 implementation uses.
constexpr double kChinaMinLon = 72.004;
constexpr double kChinaMaxLon = 137.8347;
constexpr double kChinaMinLat = 0.8293;
constexpr double kChinaMaxLat = 55.8271;
// Inverse iteration: the offset's Jacobian is close to identity, so each step
// gains several digits; 1e-9 degrees is about 0.1 mm.
constexpr double kInverseToleranceDeg = 1e-9;
constexpr int kMaxInverseIterations = 20;

constexpr double kEarthMeanRadiusMeters = 6371008.8;  // IUGG mean radius

bool OutOfChina(LonLat p) {
  return p.lon < kChinaMinLon || p.lon > kChinaMaxLon || p.lat < kChinaMinLat ||
         p.lat > kChinaMaxLat;
}

// The periodic terms shared by both axes.
double ShakeX(double x) {
  return (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
}

double TransformLat(double x, double y) {
  double ret =
      -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  ret += ShakeX(x);
  ret += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  ret += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
  return ret;
}

double TransformLon(double x, double y) {
  double ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  ret += ShakeX(x);
  ret += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  ret += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return ret;
}

// The GCJ-02 offset in degrees at a WGS-84 position inside China.
LonLat Gcj02Offset(LonLat wgs) {
  const double rad_lat = wgs.lat / 180.0 * kPi;
  const double sin_lat = std::sin(rad_lat);
  const double magic = 1 - kKrasovskyEe * sin_lat * sin_lat;
  const double sqrt_magic = std::sqrt(magic);
  const double d_lat = TransformLat(wgs.lon - 105.0, wgs.lat - 35.0) * 180.0 /
                       ((kKrasovskyA * (1 - kKrasovskyEe)) / (magic * sqrt_magic) * kPi);
  const double d_lon = TransformLon(wgs.lon - 105.0, wgs.lat - 35.0) * 180.0 /
                       (kKrasovskyA / sqrt_magic * std::cos(rad_lat) * kPi);
  return {d_lon, d_lat};
}

// Which axis of a position is out of range (or not finite), if any.
enum class BadAxis { kNone, kLon, kLat };

constexpr std::string_view kLonRangeMessage = "经度须在 -180 到 180 之间";
constexpr std::string_view kLatRangeMessage = "纬度须在 -90 到 90 之间";

BadAxis CheckRange(LonLat p) {
  // Written so that NaN fails both tests.
  if (!(p.lon >= -180.0 && p.lon <= 180.0)) {
    return BadAxis::kLon;
  }
  if (!(p.lat >= -90.0 && p.lat <= 90.0)) {
    return BadAxis::kLat;
  }
  return BadAxis::kNone;
}

// ---------------------------------------------------------------------------
// GeoJSON reading

std::string Member(std::string_view base, std::string_view key) {
  return base.empty() ? std::string(key) : fmt::format("{}.{}", base, key);
}

std::string Index(std::string_view base, std::size_t i) { return fmt::format("{}[{}]", base, i); }

std::string_view TypeOf(const json::object& object) {
  const json::value* type = object.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return {};
  }
  return type->get_string();
}

Error TooLarge(std::string message) {
  return Error{ErrorCode::kTooLarge, std::move(message), "body"};
}

Result<json::value> ParseJson(std::string_view text, const GeoJsonOptions& options) {
  if (text.size() > options.max_bytes) {
    return TooLarge(fmt::format("请求体超过 {} 字节上限", options.max_bytes));
  }
  json::parse_options parse_options;
  parse_options.max_depth = options.max_depth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, parse_options);
  if (ec == json::error::too_deep) {
    return Error::Invalid("body", fmt::format("JSON 嵌套超过 {} 层", options.max_depth));
  }
  if (ec) {
    return Error::Invalid("body", fmt::format("请求体不是有效的 JSON（{}）", ec.message()));
  }
  return value;
}

// Reads one geometry; counts positions across all its rings.
class GeometryReader {
 public:
  GeometryReader(std::string_view path, const GeoJsonOptions& options)
      : path_(path), options_(options) {}

  Result<MultiPolygon> Read(const json::value& geometry) {
    const json::object* object = geometry.if_object();
    if (object == nullptr) {
      return Error::Invalid(path_.empty() ? "body" : std::string(path_), "几何图形须为 JSON 对象");
    }
    const std::string_view type = TypeOf(*object);
    const bool multi = type == "MultiPolygon";
    if (!multi && type != "Polygon") {
      return Error::Invalid(Member(path_, "type"), "几何类型须为 Polygon 或 MultiPolygon");
    }
    const std::string coordinates_path = Member(path_, "coordinates");
    const json::value* coordinates = object->if_contains("coordinates");
    if (coordinates == nullptr || !coordinates->is_array() || coordinates->get_array().empty()) {
      return Error::Invalid(coordinates_path, "coordinates 须为非空数组");
    }
    MultiPolygon result;
    CG_TRY(multi ? ReadPolygons(coordinates->get_array(), coordinates_path, result)
                 : ReadPolygon(coordinates->get_array(), coordinates_path, result));
    bg::correct(result);  // orient rings as the Polygon type declares
    return result;
  }

 private:
  Status ReadPolygons(const json::array& polygons, const std::string& path, MultiPolygon& out) {
    for (std::size_t i = 0; i < polygons.size(); ++i) {
      const json::array* rings = polygons[i].if_array();
      if (rings == nullptr || rings->empty()) {
        return Error::Invalid(Index(path, i), "多边形须为非空的环数组");
      }
      CG_TRY(ReadPolygon(*rings, Index(path, i), out));
    }
    return Ok();
  }

  // Appends the polygon whose rings are `rings` (outer first, then holes).
  Status ReadPolygon(const json::array& rings, const std::string& path, MultiPolygon& out) {
    Polygon& polygon = out.emplace_back();
    CG_TRY(ReadRing(rings[0], Index(path, 0), polygon.outer()));
    // Holes one at a time: `rings` may claim millions of entries that the
    // position limit rejects before they cost memory here.
    for (std::size_t i = 1; i < rings.size(); ++i) {
      CG_TRY(ReadRing(rings[i], Index(path, i), polygon.inners().emplace_back()));
    }
    return Ok();
  }

  Status ReadRing(const json::value& value, const std::string& path, Polygon::ring_type& ring) {
    const json::array* positions = value.if_array();
    if (positions == nullptr || positions->size() < 4) {
      return Error::Invalid(path, "多边形的环须为至少 4 个坐标点的数组");
    }
    positions_ += positions->size();
    if (positions_ > options_.max_positions) {
      return Error::Invalid(Member(path_, "coordinates"),
                            fmt::format("几何图形的坐标点超过 {} 个上限", options_.max_positions));
    }
    ring.reserve(positions->size());
    for (std::size_t i = 0; i < positions->size(); ++i) {
      CG_ASSIGN_OR_RETURN(GeoPoint point, ReadPosition((*positions)[i], path, i));
      ring.push_back(point);
    }
    if (!(ring.front().x() == ring.back().x() && ring.front().y() == ring.back().y())) {
      return Error::Invalid(path, "多边形未闭合：首尾坐标点须相同");
    }
    return Ok();
  }

  // `ring_path` and `i` make the error field only when there is an error.
  static Result<GeoPoint> ReadPosition(const json::value& value, const std::string& ring_path,
                                       std::size_t i) {
    const json::array* numbers = value.if_array();
    if (numbers == nullptr || numbers->size() < 2 || numbers->size() > 3) {
      return Error::Invalid(Index(ring_path, i), "坐标点须为 [经度, 纬度] 或 [经度, 纬度, 高程]");
    }
    double lon_lat_alt[3] = {0, 0, 0};
    for (std::size_t k = 0; k < numbers->size(); ++k) {
      boost::system::error_code ec;
      lon_lat_alt[k] = (*numbers)[k].to_number<double>(ec);
      if (ec) {
        return Error::Invalid(Index(Index(ring_path, i), k), "坐标须为数字");
      }
    }
    switch (CheckRange({lon_lat_alt[0], lon_lat_alt[1]})) {
      case BadAxis::kLon:
        return Error::Invalid(Index(Index(ring_path, i), 0), std::string(kLonRangeMessage));
      case BadAxis::kLat:
        return Error::Invalid(Index(Index(ring_path, i), 1), std::string(kLatRangeMessage));
      case BadAxis::kNone:
        break;
    }
    return GeoPoint(lon_lat_alt[0], lon_lat_alt[1]);
  }

  std::string_view path_;
  const GeoJsonOptions& options_;
  std::size_t positions_ = 0;
};

Result<GeoFeature> ReadFeature(const json::value& value, const std::string& path,
                               const GeoJsonOptions& options) {
  const json::object* feature = value.if_object();
  if (feature == nullptr || TypeOf(*feature) != "Feature") {
    return Error::Invalid(Member(path, "type"), "要素须为 type 为 Feature 的对象");
  }
  GeoFeature result;
  const json::value* properties = feature->if_contains("properties");
  if (properties != nullptr && !properties->is_null()) {
    if (!properties->is_object()) {
      return Error::Invalid(Member(path, "properties"), "properties 须为对象或 null");
    }
    result.properties = properties->get_object();
  }
  const std::string geometry_path = Member(path, "geometry");
  const json::value* geometry = feature->if_contains("geometry");
  if (geometry == nullptr || geometry->is_null()) {
    return Error::Invalid(geometry_path, "要素缺少几何图形");
  }
  CG_ASSIGN_OR_RETURN(result.geometry, ParseGeometry(*geometry, geometry_path, options));
  result.geometry_json = GeometryToGeoJson(result.geometry);
  return result;
}

// ---------------------------------------------------------------------------
// GeoJSON writing

// Shortest round-trip form; JSON has no NaN or infinity, so those become null.
void AppendNumber(fmt::memory_buffer& out, double number) {
  if (!std::isfinite(number)) {
    fmt::format_to(std::back_inserter(out), "null");
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", number);
}

template <typename Range, typename AppendItem>
void AppendArray(fmt::memory_buffer& out, const Range& items, AppendItem append_item) {
  out.push_back('[');
  bool first = true;
  for (const auto& item : items) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    append_item(item);
  }
  out.push_back(']');
}

void AppendRing(fmt::memory_buffer& out, const Polygon::ring_type& ring) {
  AppendArray(out, ring, [&out](const GeoPoint& p) {
    out.push_back('[');
    AppendNumber(out, p.x());
    out.push_back(',');
    AppendNumber(out, p.y());
    out.push_back(']');
  });
}

void AppendPolygon(fmt::memory_buffer& out, const Polygon& polygon) {
  out.push_back('[');
  AppendRing(out, polygon.outer());
  for (const auto& inner : polygon.inners()) {
    out.push_back(',');
    AppendRing(out, inner);
  }
  out.push_back(']');
}

}  // namespace

// ---------------------------------------------------------------------------
// Coordinates

Result<CoordSys> ParseCoordSys(std::string_view text) {
  if (text == "wgs84") {
    return CoordSys::kWgs84;
  }
  if (text == "gcj02") {
    return CoordSys::kGcj02;
  }
  return Error::Invalid("coord_sys", "坐标系须为 wgs84 或 gcj02");
}

namespace {
constexpr double kBdXPi = kPi * 3000.0 / 180.0;
}  // namespace

LonLat Bd09ToGcj02(LonLat bd09) {
  const double x = bd09.lon - 0.0065;
  const double y = bd09.lat - 0.006;
  const double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * kBdXPi);
  const double theta = std::atan2(y, x) - 0.000003 * std::cos(x * kBdXPi);
  return {z * std::cos(theta), z * std::sin(theta)};
}

Result<ApiDatum> ParseApiDatum(std::string_view text) {
  if (text == "bd09") return ApiDatum{CoordSys::kGcj02, true};
  if (text == "wgs84") return ApiDatum{CoordSys::kWgs84, false};
  if (text == "gcj02") return ApiDatum{CoordSys::kGcj02, false};
  return Error::Invalid("coord_sys", "坐标系须为 wgs84、gcj02 或 bd09");
}

LonLat AsDatumPoint(LonLat point, ApiDatum datum) {
  return datum.bd09 ? Bd09ToGcj02(point) : point;
}

LonLat Gcj02ToBd09(LonLat gcj02) {
  const double x = gcj02.lon;
  const double y = gcj02.lat;
  const double z = std::sqrt(x * x + y * y) + 0.00002 * std::sin(y * kBdXPi);
  const double theta = std::atan2(y, x) + 0.000003 * std::cos(x * kBdXPi);
  return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

LonLat Wgs84ToGcj02(LonLat wgs84) {
  if (OutOfChina(wgs84)) {
    return wgs84;
  }
  const LonLat offset = Gcj02Offset(wgs84);
  return {wgs84.lon + offset.lon, wgs84.lat + offset.lat};
}

LonLat Gcj02ToWgs84(LonLat gcj02) {
  if (OutOfChina(gcj02)) {
    return gcj02;
  }
  LonLat wgs = gcj02;
  for (int i = 0; i < kMaxInverseIterations; ++i) {
    const LonLat forward = Wgs84ToGcj02(wgs);
    const double d_lon = forward.lon - gcj02.lon;
    const double d_lat = forward.lat - gcj02.lat;
    // Negated so that NaN stops the loop instead of running it out.
    if (!(std::abs(d_lon) > kInverseToleranceDeg || std::abs(d_lat) > kInverseToleranceDeg)) {
      break;
    }
    wgs.lon -= d_lon;
    wgs.lat -= d_lat;
  }
  return wgs;
}

LonLat ToWgs84(LonLat point, CoordSys from) {
  return from == CoordSys::kGcj02 ? Gcj02ToWgs84(point) : point;
}

Status ValidateLonLat(LonLat point, std::string_view field_prefix) {
  switch (CheckRange(point)) {
    case BadAxis::kLon:
      return Error::Invalid(fmt::format("{}lon", field_prefix), std::string(kLonRangeMessage));
    case BadAxis::kLat:
      return Error::Invalid(fmt::format("{}lat", field_prefix), std::string(kLatRangeMessage));
    case BadAxis::kNone:
      break;
  }
  return Ok();
}

double HaversineMeters(LonLat a, LonLat b) {
  using SphericalPoint = bg::model::point<double, 2, bg::cs::spherical_equatorial<bg::degree>>;
  const bg::strategy::distance::haversine<double> haversine(kEarthMeanRadiusMeters);
  return bg::distance(SphericalPoint(a.lon, a.lat), SphericalPoint(b.lon, b.lat), haversine);
}

// ---------------------------------------------------------------------------
// Polygons

LonLatBox BoundingBox(const MultiPolygon& geometry) {
  assert(!geometry.empty());
  const auto box = bg::return_envelope<bg::model::box<GeoPoint>>(geometry);
  return {{box.min_corner().x(), box.min_corner().y()},
          {box.max_corner().x(), box.max_corner().y()}};
}

LonLat Centroid(const MultiPolygon& geometry) {
  assert(!geometry.empty());
  // For a zero-area polygon Boost returns one of its vertices (measured with
  // 1.81); the middle of the box is a better label position.
  if (!(bg::area(geometry) > 0)) {
    const LonLatBox box = BoundingBox(geometry);
    return {(box.min.lon + box.max.lon) / 2, (box.min.lat + box.max.lat) / 2};
  }
  const auto centroid = bg::return_centroid<GeoPoint>(geometry);
  return {centroid.x(), centroid.y()};
}

// ---------------------------------------------------------------------------
// GeoJSON

Result<MultiPolygon> ParseGeometry(const json::value& geometry, std::string_view path,
                                   const GeoJsonOptions& options) {
  return GeometryReader(path, options).Read(geometry);
}

Result<MultiPolygon> ParseGeometryText(std::string_view text, const GeoJsonOptions& options) {
  CG_ASSIGN_OR_RETURN(json::value value, ParseJson(text, options));
  return ParseGeometry(value, "", options);
}

Result<std::vector<GeoFeature>> ParseFeatureCollection(std::string_view text,
                                                       const GeoJsonOptions& options) {
  CG_ASSIGN_OR_RETURN(json::value value, ParseJson(text, options));
  const json::object* root = value.if_object();
  if (root == nullptr || TypeOf(*root) != "FeatureCollection") {
    return Error::Invalid("type", "须为 type 为 FeatureCollection 的对象");
  }
  const json::value* features = root->if_contains("features");
  if (features == nullptr || !features->is_array()) {
    return Error::Invalid("features", "features 须为数组");
  }
  std::vector<GeoFeature> result;
  result.reserve(features->get_array().size());
  for (std::size_t i = 0; i < features->get_array().size(); ++i) {
    CG_ASSIGN_OR_RETURN(GeoFeature feature,
                        ReadFeature(features->get_array()[i], Index("features", i), options));
    result.push_back(std::move(feature));
  }
  return result;
}

std::string GeometryToGeoJson(const MultiPolygon& geometry) {
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out), R"({{"type":"MultiPolygon","coordinates":)");
  AppendArray(out, geometry, [&out](const Polygon& polygon) { AppendPolygon(out, polygon); });
  out.push_back('}');
  return fmt::to_string(out);
}

// ---------------------------------------------------------------------------
// GridIndex

struct GridIndex::Impl {
  using Box = bg::model::box<GeoPoint>;
  using Value = std::pair<Box, std::size_t>;  // envelope, index into polygons

  struct GridPolygon {
    int64_t id;
    Polygon polygon;
  };

  explicit Impl(std::vector<GridShape> grids)
      : grid_count(grids.size()), polygons(Flatten(std::move(grids))), rtree(Envelopes(polygons)) {}

  // Each polygon of a MultiPolygon gets its own envelope, so a grid made of
  // distant parts does not become a candidate for everything between them.
  static std::vector<GridPolygon> Flatten(std::vector<GridShape> grids) {
    std::vector<GridPolygon> result;
    for (GridShape& grid : grids) {
      for (Polygon& polygon : grid.geometry) {
        result.push_back({grid.id, std::move(polygon)});
      }
    }
    return result;
  }

  static std::vector<Value> Envelopes(const std::vector<GridPolygon>& polygons) {
    std::vector<Value> result;
    result.reserve(polygons.size());
    for (std::size_t i = 0; i < polygons.size(); ++i) {
      result.emplace_back(bg::return_envelope<Box>(polygons[i].polygon), i);
    }
    return result;
  }

  std::size_t grid_count;
  std::vector<GridPolygon> polygons;
  // Built once by bulk loading (packing), which gives a better tree than
  // inserting one by one.
  bgi::rtree<Value, bgi::rstar<16>> rtree;
};

GridIndex::GridIndex() : GridIndex(std::vector<GridShape>{}) {}
GridIndex::GridIndex(std::vector<GridShape> grids)
    : impl_(std::make_unique<const Impl>(std::move(grids))) {}
GridIndex::~GridIndex() = default;
GridIndex::GridIndex(GridIndex&&) noexcept = default;
GridIndex& GridIndex::operator=(GridIndex&&) noexcept = default;

std::optional<int64_t> GridIndex::Locate(LonLat wgs84) const {
  if (impl_ == nullptr) {  // moved from
    return std::nullopt;
  }
  const GeoPoint point(wgs84.lon, wgs84.lat);
  std::optional<int64_t> best;
  auto visit = [&](const Impl::Value& candidate) {
    const Impl::GridPolygon& grid = impl_->polygons[candidate.second];
    if ((!best || grid.id < *best) && bg::covered_by(point, grid.polygon)) {
      best = grid.id;
    }
  };
  impl_->rtree.query(bgi::intersects(point), boost::make_function_output_iterator(visit));
  return best;
}

std::size_t GridIndex::size() const { return impl_ == nullptr ? 0 : impl_->grid_count; }

}  // namespace civicgrid::core
