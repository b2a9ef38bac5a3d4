#include "domain/registry/importer.h"

#include "core/text_encoding.h"
#include "domain/registry/grid_locator.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class ImporterTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& db = test_db_->db();
    residents_ = std::make_unique<ResidentService>(db, clock_, *audit_, cipher_);
    party_ = std::make_unique<PartyService>(db, clock_, *audit_, cipher_);
    units_ = std::make_unique<UnitService>(db, clock_, *audit_);
    importer_ = std::make_unique<Importer>(db, clock_, *audit_, *residents_, *party_, *units_,
                                           *tree_service_);
  }
  int64_t CountResidents() {
    auto conn = test_db_->db().Acquire();
    return *(*conn)->QueryInt("SELECT COUNT(*) FROM resident");
  }
  std::string Row(int serial, const std::string& building, const std::string& extra = "") {
    return "居民" + std::to_string(serial) + "," + IdNumber(serial) + ",13800000" +
           std::to_string(100 + serial) + "," + building + ",1-" + std::to_string(serial) + "," +
           extra + "\n";
  }
  std::unique_ptr<ResidentService> residents_;
  std::unique_ptr<PartyService> party_;
  std::unique_ptr<UnitService> units_;
  std::unique_ptr<Importer> importer_;
};

TEST_P(ImporterTest, ImportsResidentsFromGbkCsvWithChineseHeader) {
  std::string csv = "姓名,身份证号,手机号,楼栋编码,房号,标记\n" +
                    Row(1, tree_.building_a1.code, "elder_alone") + Row(2, tree_.building_a1.code) +
                    Row(3, tree_.building_b1.code, "disabled|low_income");
  auto report = importer_->ImportResidents(Admin(), core::Utf8ToGb18030(csv));
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok()) << report->issues[0].field << " " << report->issues[0].message;
  EXPECT_EQ(report->inserted, 3);
  ResidentFilter elders;
  elders.flag = static_cast<int64_t>(ResidentFlag::kElderAlone);
  auto page = residents_->List(Admin(), elders);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "居民1");
}

TEST_P(ImporterTest, OneBadRowMeansNothingIsWrittenAndEveryBadRowIsReported) {
  std::string bad_id = IdNumber(5);
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';
  std::string csv = "\xEF\xBB\xBFname,id_number,phone,building_code,room,flags\n" +
                    Row(4, tree_.building_a1.code) + "坏行," + bad_id + ",," +
                    tree_.building_a1.code + ",1-1,\n" + Row(6, "no-such-building") +
                    Row(7, tree_.building_a1.code, "flying");
  auto report = importer_->ImportResidents(Admin(), csv);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->issues.size(), 3u);
  EXPECT_EQ(report->issues[0].line, 3);
  EXPECT_EQ(report->issues[0].field, "line 3.id_number");
  EXPECT_EQ(report->issues[1].field, "line 4.building_code");
  EXPECT_EQ(report->issues[2].field, "line 5.flags");
  EXPECT_EQ(report->inserted, 0);
  EXPECT_EQ(CountResidents(), 0);
}

TEST_P(ImporterTest, DuplicateAgainstDatabaseRollsBackTheWholeFile) {
  ASSERT_TRUE(importer_
                  ->ImportResidents(Admin(), "name,id_number,phone,building_code,room\n" +
                                                 Row(8, tree_.building_a1.code))
                  ->ok());
  auto report = importer_->ImportResidents(Admin(), "name,id_number,phone,building_code,room\n" +
                                                        Row(9, tree_.building_a1.code) +
                                                        Row(8, tree_.building_a2.code));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->issues.size(), 1u);
  EXPECT_EQ(report->issues[0].line, 3);
  EXPECT_EQ(report->inserted, 0);  // line 2 went in before line 3 failed, and was rolled back
  EXPECT_EQ(CountResidents(), 1);
}

TEST_P(ImporterTest, MissingColumnIsAnErrorNamingIt) {
  auto report = importer_->ImportResidents(Admin(), "name,phone\n张三,13800000000\n");
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().field, "id_number");
}

TEST_P(ImporterTest, BuildingsOutsideScopeAreUnknown) {
  Caller grid1 = As(Role::kGridWorker, tree_.grid_a1);
  auto report = importer_->ImportResidents(
      grid1, "name,id_number,phone,building_code,room\n" + Row(10, tree_.building_b1.code));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->issues.size(), 1u);
  EXPECT_EQ(report->issues[0].field, "line 2.building_code");
}

TEST_P(ImporterTest, GridBoundariesFeedThePointLookup) {
  std::string fc =
      R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"code":")" +
      tree_.grid_a1.code +
      R"("},"geometry":{"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44],[116.30,39.43]]]}},
    {"type":"Feature","properties":{"code":")" +
      tree_.grid_b1.code +
      R"("},"geometry":{"type":"Polygon","coordinates":[[[116.31,39.43],[116.32,39.43],[116.32,39.44],[116.31,39.44],[116.31,39.43]]]}}]})";
  auto report = importer_->ImportGridBoundaries(Admin(), fc);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->ok()) << report->issues[0].message;
  EXPECT_EQ(report->inserted, 2);
  GridLocator locator(test_db_->db());
  ASSERT_TRUE(locator.Reload().ok());
  EXPECT_EQ(locator.size(), 2u);
  EXPECT_EQ(locator.Locate({116.305, 39.435}, core::CoordSys::kWgs84), tree_.grid_a1.id);
  EXPECT_EQ(locator.Locate({116.315, 39.435}, core::CoordSys::kWgs84), tree_.grid_b1.id);
  EXPECT_EQ(locator.Locate({116.40, 39.435}, core::CoordSys::kWgs84), std::nullopt);
  // The same place as a phone reports it (GCJ-02) lands in the same grid.
  core::LonLat gcj = core::Wgs84ToGcj02({116.305, 39.435});
  EXPECT_EQ(locator.Locate(gcj, core::CoordSys::kGcj02), tree_.grid_a1.id);
}

TEST_P(ImporterTest, UnclosedPolygonOrUnknownCodeChangesNothing) {
  std::string open_ring =
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":")" +
      tree_.grid_a1.code +
      R"("},"geometry":{"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44]]]}}]})";
  auto bad = importer_->ImportGridBoundaries(Admin(), open_ring);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "features[0].geometry.coordinates[0]");
  std::string unknown =
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"nope"},"geometry":{"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.43]]]}}]})";
  auto report = importer_->ImportGridBoundaries(Admin(), unknown);
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok());
  EXPECT_EQ(report->issues[0].field, "features[0].properties.code");
  EXPECT_FALSE(tree_service_->Get(Admin(), tree_.grid_a1.id)->geometry.has_value());
}

TEST_P(ImporterTest, ExportMasksPii) {
  ASSERT_TRUE(importer_
                  ->ImportResidents(Admin(), "name,id_number,phone,building_code,room\n" +
                                                 Row(11, tree_.building_a1.code))
                  ->ok());
  auto csv = importer_->ExportResidents(Admin(), std::nullopt);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->find(IdNumber(11)), std::string::npos);
  EXPECT_EQ(csv->find("13800000111"), std::string::npos);
  EXPECT_NE(csv->find("138****0111"), std::string::npos);
  auto branch = party_->CreateOrg(
      Admin(), NewPartyOrg{tree_.grid_a1.id, std::nullopt, PartyOrgKind::kGridBranch, "支部"});
  ASSERT_TRUE(branch.ok());
  ASSERT_TRUE(party_
                  ->CreateMember(Admin(), NewPartyMember{"党员",
                                                         IdNumber(12),
                                                         "13900000012",
                                                         branch->id,
                                                         std::nullopt,
                                                         std::nullopt,
                                                         std::nullopt,
                                                         {"维修", "电工"},
                                                         false})
                  .ok());
  auto members = importer_->ExportPartyMembers(Admin(), std::nullopt);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->find(IdNumber(12)), std::string::npos);
  EXPECT_EQ(members->find("13900000012"), std::string::npos);
  EXPECT_NE(members->find("139****0012"), std::string::npos);
  EXPECT_NE(members->find("维修|电工"), std::string::npos);
  // Outside the caller's scope, nothing.
  auto hidden = importer_->ExportPartyMembers(As(Role::kGridWorker, tree_.grid_b1), std::nullopt);
  ASSERT_TRUE(hidden.ok());
  EXPECT_EQ(hidden->find("党员"), std::string::npos);
}

TEST_P(ImporterTest, ImportsUnitsWithPairings) {
  std::string csv =
      "name,kind,node_code,credit_code,address,contact_name,paired_codes\n"
      "县城管局,government," +
      tree_.county.code + ",,,," + tree_.community_a.code + "|" + tree_.community_b.code + "\n";
  auto report = importer_->ImportUnits(Admin(), csv);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->ok()) << report->issues[0].message;
  auto units = units_->List(Admin(), {});
  ASSERT_EQ(units->items.size(), 1u);
  EXPECT_EQ(units->items[0].pairings.size(), 2u);
  auto exported = importer_->ExportUnits(As(Role::kCommunitySecretary, tree_.community_a));
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find("县城管局,government"), std::string::npos) << *exported;
  EXPECT_NE(exported->find("," + std::to_string(tree_.community_a.id) + "\r\n"), std::string::npos)
      << "community A sees only its own pairing: " << *exported;
  auto twice = importer_->ImportUnits(
      Admin(), "name,kind,node_code,paired_codes\n县卫健局,government," + tree_.county.code + "," +
                   tree_.community_a.code + "|" + tree_.community_a.code + "\n");
  ASSERT_TRUE(twice.ok()) << twice.error().message;
  ASSERT_TRUE(twice->ok()) << twice->issues[0].message;
  EXPECT_EQ(units_->List(Admin(), {})->items[1].pairings.size(), 1u);
  auto bad = importer_->ImportUnits(
      Admin(), "name,kind,node_code\n某公司,alien," + tree_.county.code + "\n");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->issues[0].field, "line 2.kind");
  EXPECT_EQ(units_->List(Admin(), {})->items.size(), 2u);
}

// Found by fuzz/import_rows_fuzz: the second row fails only on insert (the ID
// number's unique index), after the first went in; the whole file rolls back,
// and the report must not claim a row was written.
TEST_P(ImporterTest, PartyMemberTwiceInOneFileWritesNothingAndSaysSo) {
  auto org = party_->CreateOrg(
      Admin(), {tree_.community_a.id, std::nullopt, PartyOrgKind::kCommittee, "东方街北社区党委"});
  ASSERT_TRUE(org.ok()) << org.error().message;
  std::string row = "党员," + IdNumber(30) + ",," + std::to_string(org->id) + "\n";
  auto report =
      importer_->ImportPartyMembers(Admin(), "name,id_number,phone,party_org_id\n" + row + row);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->rows, 2);
  ASSERT_EQ(report->issues.size(), 1u);
  EXPECT_EQ(report->issues[0].field, "line 3.id_number");
  EXPECT_EQ(report->inserted, 0);
  auto conn = test_db_->db().Acquire();
  EXPECT_EQ(*(*conn)->QueryInt("SELECT COUNT(*) FROM party_member"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImporterTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
