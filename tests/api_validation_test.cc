// Bad input gets a 4xx naming the field and changes nothing.
#include <boost/json.hpp>

#include "api_harness.h"
#include "core/text_encoding.h"

namespace civicgrid::tests {
namespace {

class ValidationTest : public ApiTest {
 protected:
  // Row counts of every registry table, to prove a refused request wrote nothing.
  std::vector<int64_t> Snapshot() {
    std::vector<int64_t> counts;
    for (const char* t : {"org_node", "resident", "household", "party_member", "unit",
                          "unit_pairing", "staff", "audit_log"}) {
      counts.push_back(Count(t));
    }
    return counts;
  }
  void ExpectError(const http::ClientResponse& r, unsigned status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    auto json = r.Json();
    ASSERT_TRUE(json.is_object()) << r.body;
    const auto& error = json.at("error");
    EXPECT_FALSE(error.at("message").as_string().empty());
    if (!field.empty()) {
      EXPECT_EQ(error.at("field").as_string(), field) << r.body;
    }
  }
  std::string Resident(const std::string& id_number, int64_t building) {
    return R"({"building_id":)" + std::to_string(building) +
           R"(,"room":"1-1","name":"张三","id_number":")" + id_number + R"("})";
  }
};

TEST_P(ValidationTest, RefusedRequestsNameTheFieldAndWriteNothing) {
  auto before = Snapshot();
  auto& admin = As("admin");
  std::string bad_check = IdNumber(50);
  bad_check.back() = bad_check.back() == '1' ? '2' : '1';
  ExpectError(admin.Send("POST", "/api/v1/residents", Resident(bad_check, w_.building_a1.id)), 422,
              "id_number");
  ExpectError(admin.Send("POST", "/api/v1/residents", Resident(IdNumber(51), 999999)), 422,
              "building_id");
  ExpectError(admin.Send("POST", "/api/v1/residents", R"({"building_id":1,)"), 400, "body");
  ExpectError(admin.Send("POST", "/api/v1/residents", "[1,2]"), 400, "body");
  ExpectError(
      admin.Send("POST", "/api/v1/org-nodes",
                 R"({"parent_id":999999,"kind":"grid","code":"131022001001009","name":"x"})"),
      422, "parent_id");
  ExpectError(admin.Send("POST", "/api/v1/org-nodes",
                         R"({"parent_id":)" + std::to_string(w_.community_a.id) +
                             R"(,"kind":"galaxy","code":"131022001001009","name":"x"})"),
              422, "kind");
  ExpectError(admin.Send("POST", "/api/v1/residents",
                         R"({"building_id":)" + std::to_string(w_.building_a1.id) +
                             R"(,"room":"1","name":"x","id_number":")" + IdNumber(52) +
                             R"(","flags":["flying"]})"),
              422, "flags");
  std::string open_ring =
      R"({"geometry":{"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44]]]}})";
  auto geometry =
      admin.Send("PATCH", "/api/v1/org-nodes/" + std::to_string(w_.grid_a1.id), open_ring);
  EXPECT_EQ(geometry.status, 422u) << geometry.body;
  EXPECT_EQ(geometry.Json().at("error").at("field").as_string().rfind("geometry", 0), 0u);
  ExpectError(admin.Send("GET", "/api/v1/residents?limit=abc"), 422, "limit");
  ExpectError(admin.Send("GET", "/api/v1/grid-lookup?lon=200&lat=39"), 422, "lon");
  EXPECT_EQ(Snapshot(), before);
}

TEST_P(ValidationTest, OversizedBodyIs413) {
  auto before = Snapshot();
  std::string huge(2 << 20, 'x');
  auto r = As("admin").Send("POST", "/api/v1/residents", R"({"name":")" + huge + R"("})");
  ExpectError(r, 413, "body");
  EXPECT_EQ(Snapshot(), before);
}

TEST_P(ValidationTest, CsvWithOneBadRowImportsNothingAndNamesTheLine) {
  auto before = Snapshot();
  std::string bad = IdNumber(61);
  bad.back() = bad.back() == '1' ? '2' : '1';
  std::string csv = "姓名,身份证号,手机号,楼栋编码,房号\n张一," + IdNumber(60) + ",13700000060," +
                    w_.building_a1.code + ",2-201\n张二," + bad + ",13700000061," +
                    w_.building_a1.code + ",2-202\n";
  auto r = As("admin").Send("POST", "/api/v1/imports/residents", core::Utf8ToGb18030(csv),
                            {{"Content-Type", "text/csv"}});
  ExpectError(r, 422, "line 3.id_number");
  auto report = r.Json().at("report");
  EXPECT_EQ(report.at("inserted").as_int64(), 0);
  EXPECT_EQ(report.at("issues").as_array().size(), 1u);
  EXPECT_EQ(Snapshot(), before);
  // The same file without the bad row goes in whole.
  std::string good = "姓名,身份证号,手机号,楼栋编码,房号\n张一," + IdNumber(60) + ",13700000060," +
                     w_.building_a1.code + ",2-201\n";
  auto ok =
      As("admin").Send("POST", "/api/v1/imports/residents", good, {{"Content-Type", "text/csv"}});
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(Count("resident"), before[1] + 1);
}

TEST_P(ValidationTest, GeoJsonImportFeedsGridLookup) {
  auto& admin = As("admin");
  std::string unclosed =
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":")" +
      w_.grid_a1.code +
      R"("},"geometry":{"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44]]]}}]})";
  ExpectError(admin.Send("POST", "/api/v1/imports/grid-boundaries", unclosed), 422,
              "features[0].geometry.coordinates[0]");
  ExpectError(admin.Send("GET", "/api/v1/grid-lookup?lon=116.305&lat=39.435"), 404, "");
  std::string closed =
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":")" +
      w_.grid_a1.code +
      R"("},"geometry":{"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44],[116.30,39.43]]]}}]})";
  auto imported = admin.Send("POST", "/api/v1/imports/grid-boundaries", closed);
  ASSERT_EQ(imported.status, 200u) << imported.body;
  auto found = As("resident1").Send("GET", "/api/v1/grid-lookup?lon=116.305&lat=39.435");
  ASSERT_EQ(found.status, 200u) << found.body;
  auto json = found.Json();
  EXPECT_EQ(json.at("grid").at("id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(json.at("community").at("name").as_string(), "东方街北社区");
  // BD-09 (Baidu) is accepted like GCJ-02; a system the server does not know is refused by name.
  ExpectError(admin.Send("GET", "/api/v1/grid-lookup?lon=116.305&lat=39.435&coord_sys=cgcs2000"),
              422, "coord_sys");
}

INSTANTIATE_TEST_SUITE_P(Backends, ValidationTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
