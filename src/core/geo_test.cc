#include "core/geo.h"

#include "core/bd09.h"

#include <gtest/gtest.h>

#include <boost/geometry/algorithms/area.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace civicgrid::core {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------
// Coordinates

TEST(ParseCoordSysTest, AcceptsTheTwoApiSpellings) {
  EXPECT_EQ(ParseCoordSys("wgs84").value(), CoordSys::kWgs84);
  EXPECT_EQ(ParseCoordSys("gcj02").value(), CoordSys::kGcj02);
}

TEST(ParseCoordSysTest, RejectsAnythingElseOnFieldCoordSys) {
  for (const char* text : {"", "WGS84", "bd09", "gcj-02", "wgs84 "}) {
    SCOPED_TRACE(text);
    const auto result = ParseCoordSys(text);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(result.error().field, "coord_sys");
  }
}

struct KnownGcj {
  const char* place;
  LonLat wgs84;
  LonLat gcj02;
};

// Reference values from the eviltransform test suite, an independent
// implementation of the same published formula.
TEST(Wgs84ToGcj02Test, MatchesIndependentReferenceValues) {
  const KnownGcj cases[] = {
      {"Shanghai", {121.5272106, 31.1774276}, {121.531541859215, 31.17530398364597}},
      {"Shenzhen", {113.912316, 22.543847}, {113.9171764808363, 22.540796131694766}},
      {"Beijing", {116.377817, 39.911954}, {116.38404722455657, 39.91334545536069}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.place);
    const LonLat gcj = Wgs84ToGcj02(c.wgs84);
    EXPECT_NEAR(gcj.lon, c.gcj02.lon, 1e-9);
    EXPECT_NEAR(gcj.lat, c.gcj02.lat, 1e-9);
  }
}

TEST(Wgs84ToGcj02Test, ShiftsTiananmenByTheFamiliarFewHundredMetres) {
  const LonLat wgs{116.397, 39.908};
  const LonLat gcj = Wgs84ToGcj02(wgs);
  EXPECT_NEAR(gcj.lon - wgs.lon, 0.0062, 0.0005);
  EXPECT_NEAR(gcj.lat - wgs.lat, 0.0014, 0.0003);
}

TEST(GcjConversionTest, RoundTripsInsideChina) {
  const std::pair<const char*, LonLat> places[] = {
      {"固安 county seat", {116.30, 39.44}}, {"固安 south", {116.25, 39.35}},
      {"固安 east", {116.45, 39.47}},        {"Beijing Tiananmen", {116.397, 39.908}},
      {"Beijing Haidian", {116.30, 39.96}},  {"Shanghai", {121.4737, 31.2304}},
      {"Urumqi", {87.6168, 43.8256}},        {"Sanya", {109.5119, 18.2528}},
      {"Harbin", {126.5350, 45.8038}},
  };
  for (const auto& [name, wgs] : places) {
    SCOPED_TRACE(name);
    const LonLat gcj = Wgs84ToGcj02(wgs);
    EXPECT_GT(HaversineMeters(wgs, gcj), 50.0);  // the conversion did something
    const LonLat back = Gcj02ToWgs84(gcj);
    EXPECT_NEAR(back.lon, wgs.lon, 1e-6);
    EXPECT_NEAR(back.lat, wgs.lat, 1e-6);
    // The inverse is exact to the forward transform, not the usual one-step guess.
    const LonLat forward_again = Wgs84ToGcj02(Gcj02ToWgs84(wgs));
    EXPECT_NEAR(forward_again.lon, wgs.lon, 1e-8);
    EXPECT_NEAR(forward_again.lat, wgs.lat, 1e-8);
  }
}

TEST(GcjConversionTest, IsIdentityOutsideChina) {
  const std::pair<const char*, LonLat> places[] = {
      {"London", {-0.1276, 51.5072}},   {"Tokyo", {139.6917, 35.6895}},
      {"Sydney", {151.2093, -33.8688}}, {"Null Island", {0.0, 0.0}},
      {"Moscow", {37.6173, 55.7558}},
  };
  for (const auto& [name, p] : places) {
    SCOPED_TRACE(name);
    EXPECT_EQ(Wgs84ToGcj02(p).lon, p.lon);
    EXPECT_EQ(Wgs84ToGcj02(p).lat, p.lat);
    EXPECT_EQ(Gcj02ToWgs84(p).lon, p.lon);
    EXPECT_EQ(Gcj02ToWgs84(p).lat, p.lat);
  }
}

TEST(ToWgs84Test, ConvertsOnlyGcj02) {
  const LonLat p{116.30, 39.44};
  EXPECT_EQ(ToWgs84(p, CoordSys::kWgs84).lon, p.lon);
  EXPECT_EQ(ToWgs84(p, CoordSys::kGcj02).lon, Gcj02ToWgs84(p).lon);
  EXPECT_EQ(ToWgs84(p, CoordSys::kGcj02).lat, Gcj02ToWgs84(p).lat);
}

TEST(ValidateLonLatTest, AcceptsTheWholeRangeIncludingEdges) {
  for (const LonLat p : {LonLat{116.3, 39.44}, LonLat{-180, -90}, LonLat{180, 90}}) {
    EXPECT_TRUE(ValidateLonLat(p, "location.").ok());
  }
}

TEST(ValidateLonLatTest, NamesTheBadAxisWithThePrefix) {
  const std::pair<LonLat, const char*> cases[] = {
      {{180.0001, 39.0}, "location.lon"}, {{-181, 39.0}, "location.lon"},
      {{kNaN, 39.0}, "location.lon"},     {{116.3, 90.5}, "location.lat"},
      {{116.3, -kInf}, "location.lat"},   {{116.3, kNaN}, "location.lat"},
  };
  for (const auto& [point, field] : cases) {
    SCOPED_TRACE(field);
    const Status status = ValidateLonLat(point, "location.");
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().field, field);
  }
}

TEST(HaversineMetersTest, MeasuresKnownDistances) {
  // One degree along a great circle is pi * R / 180.
  const double one_degree = 6371008.8 * std::acos(-1.0) / 180.0;
  EXPECT_NEAR(HaversineMeters({0, 0}, {1, 0}), one_degree, 1e-6);
  EXPECT_NEAR(HaversineMeters({116.3, 39}, {116.3, 40}), one_degree, 1e-6);
  // Beijing to Shanghai, about 1068 km as the crow flies.
  EXPECT_NEAR(HaversineMeters({116.4074, 39.9042}, {121.4737, 31.2304}), 1'068'000, 3'000);
  EXPECT_EQ(HaversineMeters({116.3, 39.44}, {116.3, 39.44}), 0.0);
}

// ---------------------------------------------------------------------------
// GeoJSON

constexpr const char* kSquare =
    R"({"type":"Polygon","coordinates":[[[116.3,39.4],[116.31,39.4],[116.31,39.41],[116.3,39.41],[116.3,39.4]]]})";

TEST(ParseGeometryTest, ReadsAPolygon) {
  const auto result = ParseGeometryText(kSquare);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].outer().size(), 5u);
  EXPECT_TRUE((*result)[0].inners().empty());
}

TEST(ParseGeometryTest, ReadsAMultiPolygonWithAHoleAndAltitudes) {
  const auto result = ParseGeometryText(R"({"type":"MultiPolygon","coordinates":[
      [[[0,0,5],[10,0,5],[10,10,5],[0,10,5],[0,0,5]], [[4,4],[6,4],[6,6],[4,6],[4,4]]],
      [[[20,0],[30,0],[30,10],[20,10],[20,0]]]]})");
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].inners().size(), 1u);
  EXPECT_DOUBLE_EQ(boost::geometry::area(*result), 100.0 - 4.0 + 100.0);
}

TEST(ParseGeometryTest, OrientsClockwiseRingsPerRfc7946) {
  const auto result = ParseGeometryText(
      R"({"type":"Polygon","coordinates":[[[0,0],[0,10],[10,10],[10,0],[0,0]]]})");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_DOUBLE_EQ(boost::geometry::area(*result), 100.0);
}

struct GeoJsonErrorCase {
  const char* name;
  std::string text;
  const char* field;
  ErrorCode code = ErrorCode::kInvalid;
};

std::string Polygon1(const std::string& ring) {
  return R"({"type":"Polygon","coordinates":[)" + ring + "]}";
}

TEST(ParseGeometryTest, RejectsBadInputNamingTheField) {
  const GeoJsonErrorCase cases[] = {
      {"unclosed ring", Polygon1("[[0,0],[1,0],[1,1],[0,1]]"), "coordinates[0]"},
      {"unclosed hole in second polygon",
       R"({"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],
          [[[0,0],[9,0],[9,9],[0,0]],[[1,1],[2,1],[2,2],[1,2]]]]})",
       "coordinates[1][1]"},
      {"three positions", Polygon1("[[0,0],[1,0],[0,0]]"), "coordinates[0]"},
      {"ring not an array", Polygon1("7"), "coordinates[0]"},
      {"point type", R"({"type":"Point","coordinates":[116.3,39.4]})", "type"},
      {"geometry collection", R"({"type":"GeometryCollection","geometries":[]})", "type"},
      {"no type", R"({"coordinates":[]})", "type"},
      {"not an object", "[1,2]", "body"},
      {"empty coordinates", R"({"type":"MultiPolygon","coordinates":[]})", "coordinates"},
      {"missing coordinates", R"({"type":"Polygon"})", "coordinates"},
      {"empty polygon in multi", R"({"type":"MultiPolygon","coordinates":[[]]})", "coordinates[0]"},
      {"string coordinate", Polygon1(R"([[0,0],[1,0],["1",1],[0,0]])"), "coordinates[0][2][0]"},
      {"null coordinate", Polygon1("[[0,0],[1,null],[1,1],[0,0]]"), "coordinates[0][1][1]"},
      {"one number position", Polygon1("[[0,0],[1],[1,1],[0,0]]"), "coordinates[0][1]"},
      {"four number position", Polygon1("[[0,0],[1,0,0,0],[1,1],[0,0]]"), "coordinates[0][1]"},
      {"latitude out of range", Polygon1("[[0,0],[1,95],[1,1],[0,0]]"), "coordinates[0][1][1]"},
      {"longitude out of range", Polygon1("[[0,0],[-200,0],[1,1],[0,0]]"), "coordinates[0][1][0]"},
      {"overflowing number", Polygon1("[[0,0],[1e999,0],[1,1],[0,0]]"), "coordinates[0][1][0]"},
      {"malformed json", R"({"type":"Polygon","coordinates":[[[0,0],)", "body"},
      {"not utf-8", "{\"type\":\"\xff\"}", "body"},
      {"too deep", std::string(40, '[') + std::string(40, ']'), "body"},
      {"too large", std::string(16 * 1024 * 1024 + 1, ' '), "body", ErrorCode::kTooLarge},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = ParseGeometryText(c.text);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().field, c.field);
    EXPECT_EQ(result.error().code, c.code);
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST(ParseGeometryTest, SaysInChineseThatARingIsNotClosed) {
  const auto result = ParseGeometryText(Polygon1("[[0,0],[1,0],[1,1],[0,1]]"));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("多边形未闭合"), std::string::npos);
}

TEST(ParseGeometryTest, PrefixesFieldsWithThePathOfTheGeometry) {
  const auto value = boost::json::parse(Polygon1("[[0,0],[1,0],[1,1],[0,1]]"));
  const auto result = ParseGeometry(value, "org.geometry");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "org.geometry.coordinates[0]");
}

TEST(ParseGeometryTest, LimitsPositionsPerGeometry) {
  GeoJsonOptions options;
  options.max_positions = 9;
  const std::string ring = "[[0,0],[1,0],[1,1],[0,1],[0,0]]";
  EXPECT_TRUE(ParseGeometryText(Polygon1(ring), options).ok());
  const auto result = ParseGeometryText(Polygon1(ring + "," + ring), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "coordinates");
}

TEST(GeometryToGeoJsonTest, WritesShortNumbersAsAMultiPolygon) {
  const auto geometry = ParseGeometryText(kSquare);
  ASSERT_TRUE(geometry.ok());
  EXPECT_EQ(GeometryToGeoJson(*geometry),
            R"({"type":"MultiPolygon","coordinates":[[[[116.3,39.4],[116.31,39.4],)"
            R"([116.31,39.41],[116.3,39.41],[116.3,39.4]]]]})");
}

TEST(GeometryToGeoJsonTest, RoundTripsHolesAndDigits) {
  const auto geometry = ParseGeometryText(R"({"type":"Polygon","coordinates":[
      [[116.123456789012,39.1],[116.2,39.1],[116.2,39.2],[116.1,39.2],[116.123456789012,39.1]],
      [[116.15,39.15],[116.15,39.16],[116.16,39.16],[116.15,39.15]]]})");
  ASSERT_TRUE(geometry.ok()) << geometry.error().message;
  const std::string text = GeometryToGeoJson(*geometry);
  const auto again = ParseGeometryText(text);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(GeometryToGeoJson(*again), text);
}

TEST(CentroidTest, FindsTheCentreAndTheBox) {
  const auto geometry = ParseGeometryText(kSquare);
  ASSERT_TRUE(geometry.ok());
  const LonLat centre = Centroid(*geometry);
  EXPECT_NEAR(centre.lon, 116.305, 1e-9);
  EXPECT_NEAR(centre.lat, 39.405, 1e-9);
  const LonLatBox box = BoundingBox(*geometry);
  EXPECT_DOUBLE_EQ(box.min.lon, 116.3);
  EXPECT_DOUBLE_EQ(box.min.lat, 39.4);
  EXPECT_DOUBLE_EQ(box.max.lon, 116.31);
  EXPECT_DOUBLE_EQ(box.max.lat, 39.41);
}

TEST(CentroidTest, FallsBackToTheBoxCentreForAZeroAreaPolygon) {
  const auto geometry = ParseGeometryText(Polygon1("[[0,0],[2,2],[1,1],[0,0]]"));
  ASSERT_TRUE(geometry.ok());
  const LonLat centre = Centroid(*geometry);
  EXPECT_DOUBLE_EQ(centre.lon, 1.0);
  EXPECT_DOUBLE_EQ(centre.lat, 1.0);
}

std::string Feature(const std::string& geometry, const std::string& properties = "{}") {
  return R"({"type":"Feature","properties":)" + properties + R"(,"geometry":)" + geometry + "}";
}

std::string Collection(const std::vector<std::string>& features) {
  std::string text = R"({"type":"FeatureCollection","features":[)";
  for (std::size_t i = 0; i < features.size(); ++i) {
    text += (i == 0 ? "" : ",") + features[i];
  }
  return text + "]}";
}

TEST(ParseFeatureCollectionTest, ReadsPropertiesGeometryAndStorableText) {
  const auto result = ParseFeatureCollection(Collection({
      Feature(kSquare, R"({"name":"第一网格","code":"131022001001"})"),
      Feature(kSquare, "null"),
  }));
  ASSERT_TRUE(result.ok()) << result.error().field << " " << result.error().message;
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].properties.at("name").as_string(), "第一网格");
  EXPECT_TRUE((*result)[1].properties.empty());
  EXPECT_EQ((*result)[0].geometry.size(), 1u);
  const auto stored = ParseGeometryText((*result)[0].geometry_json);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(GeometryToGeoJson(*stored), (*result)[0].geometry_json);
}

TEST(ParseFeatureCollectionTest, AcceptsAnEmptyCollection) {
  const auto result = ParseFeatureCollection(Collection({}));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
}

TEST(ParseFeatureCollectionTest, RejectsBadInputNamingTheField) {
  const std::string ok = Feature(kSquare);
  const GeoJsonErrorCase cases[] = {
      {"unclosed ring in fourth feature",
       Collection({ok, ok, ok, Feature(Polygon1("[[0,0],[1,0],[1,1],[0,1]]"))}),
       "features[3].geometry.coordinates[0]"},
      {"null geometry", Collection({Feature("null")}), "features[0].geometry"},
      {"point geometry", Collection({ok, Feature(R"({"type":"Point","coordinates":[1,2]})")}),
       "features[1].geometry.type"},
      {"properties not an object", Collection({Feature(kSquare, "[]")}), "features[0].properties"},
      {"feature without type", Collection({R"({"geometry":null})"}), "features[0].type"},
      {"bare geometry", kSquare, "type"},
      {"features not an array", R"({"type":"FeatureCollection","features":{}})", "features"},
      {"malformed json", "{\"type\":\"FeatureCollection\",", "body"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = ParseFeatureCollection(c.text);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().field, c.field);
    EXPECT_EQ(result.error().code, c.code);
  }
}

// ---------------------------------------------------------------------------
// GridIndex

Polygon::ring_type Rect(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

MultiPolygon RectGrid(double x0, double y0, double x1, double y1) {
  MultiPolygon geometry;
  geometry.emplace_back().outer() = Rect(x0, y0, x1, y1);
  return geometry;
}

// Grid 1: [0,10]² with a hole [4,6]²; grid 2: [20,30]x[0,10]; grid 3 overlaps
// grid 2 on [25,30]; grid 4 has two parts far apart.
std::vector<GridShape> SampleGrids() {
  GridShape with_hole{1, RectGrid(0, 0, 10, 10)};
  with_hole.geometry[0].inners().push_back(Rect(4, 4, 6, 6));
  GridShape two_parts{4, RectGrid(100, 0, 101, 1)};
  two_parts.geometry.push_back(RectGrid(150, 0, 151, 1)[0]);
  return {with_hole, {2, RectGrid(20, 0, 30, 10)}, {3, RectGrid(25, 0, 35, 10)}, two_parts};
}

TEST(GridIndexTest, LocatesThePointsGrid) {
  struct Case {
    const char* name;
    LonLat point;
    std::optional<int64_t> grid;
  };
  const Case cases[] = {
      {"inside", {1, 1}, 1},
      {"inside the hole", {5, 5}, std::nullopt},
      {"on the hole's edge", {4, 5}, 1},
      {"on the outer vertex", {0, 0}, 1},
      {"between grids", {15, 5}, std::nullopt},
      {"only in grid 2", {22, 5}, 2},
      {"in overlap of 2 and 3", {27, 5}, 2},
      {"on border of 2 inside 3", {30, 5}, 2},
      {"only in grid 3", {33, 5}, 3},
      {"first part of grid 4", {100.5, 0.5}, 4},
      {"second part of grid 4", {150.5, 0.5}, 4},
      {"between the parts of grid 4", {125, 0.5}, std::nullopt},
      {"far away", {-120, -45}, std::nullopt},
      {"not a number", {kNaN, kNaN}, std::nullopt},
  };
  const GridIndex forward(SampleGrids());
  auto reversed_grids = SampleGrids();
  std::reverse(reversed_grids.begin(), reversed_grids.end());
  const GridIndex reversed(std::move(reversed_grids));
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(forward.Locate(c.point), c.grid);
    EXPECT_EQ(reversed.Locate(c.point), c.grid);
  }
}

TEST(GridIndexTest, ReportsItsSize) {
  EXPECT_EQ(GridIndex(SampleGrids()).size(), 4u);
  EXPECT_EQ(GridIndex().size(), 0u);
}

TEST(GridIndexTest, EmptyIndexFindsNothing) {
  EXPECT_EQ(GridIndex().Locate({116.3, 39.44}), std::nullopt);
}

TEST(GridIndexTest, WorksOnGeometryParsedFromGeoJson) {
  const auto geometry = ParseGeometryText(kSquare);
  ASSERT_TRUE(geometry.ok());
  std::vector<GridShape> grids;
  grids.push_back({42, *geometry});
  GridIndex index(std::move(grids));
  const GridIndex moved = std::move(index);
  EXPECT_EQ(moved.Locate({116.305, 39.405}), 42);
  EXPECT_EQ(moved.Locate({116.315, 39.405}), std::nullopt);
}

TEST(Bd09Test, ParsesAndMatchesKnownPairs) {
  EXPECT_TRUE(ParseApiDatum("bd09")->bd09);
  EXPECT_EQ(ParseApiDatum("bd09")->sys, CoordSys::kGcj02);
  EXPECT_FALSE(ParseApiDatum("gcj02")->bd09);
  EXPECT_EQ(ParseApiDatum("wgs84")->sys, CoordSys::kWgs84);
  EXPECT_EQ(ParseApiDatum("BD09").error().field, "coord_sys");
  // Tiananmen on Baidu maps and the same place on AMap (GCJ-02).
  const LonLat gcj = Bd09ToGcj02({116.404, 39.915});
  EXPECT_NEAR(gcj.lon, 116.39762, 1e-5);
  EXPECT_NEAR(gcj.lat, 39.90865, 1e-5);
  const LonLat bd = Gcj02ToBd09({116.39762729119315, 39.90865673957631});
  EXPECT_NEAR(bd.lon, 116.404, 1e-6);
  EXPECT_NEAR(bd.lat, 39.915, 1e-6);
}

TEST(Bd09Test, RoundTripsToWithinHalfAMetre) {
  for (double lon = 73.7; lon < 135; lon += 3.1) {
    for (double lat = 18.2; lat < 53.5; lat += 2.3) {
      const LonLat gcj{lon, lat};
      const LonLat back = Bd09ToGcj02(Gcj02ToBd09(gcj));
      EXPECT_LT(HaversineMeters(gcj, back), 0.5) << lon << "," << lat;  // at most ~0.2 m
    }
  }
}

TEST(Bd09Test, ApiPointsGoThroughGcj02) {
  const LonLat wgs{116.391, 39.907};
  const LonLat bd = Gcj02ToBd09(Wgs84ToGcj02(wgs));
  EXPECT_GT(HaversineMeters(wgs, bd), 500.0);  // Baidu's shift on top of GCJ-02's
  const ApiDatum datum = ParseApiDatum("bd09").value();
  const LonLat back = ToWgs84(AsDatumPoint(bd, datum), datum.sys);
  EXPECT_LT(HaversineMeters(wgs, back), 0.5);
}

}  // namespace
}  // namespace civicgrid::core
