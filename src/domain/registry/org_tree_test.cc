#include "domain/registry/org_tree.h"

#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class OrgTreeTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    admin_ = Admin();
  }
  Caller admin_;
};

const char* kSquare =
    R"({"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44],[116.30,39.43]]]})";

TEST_P(OrgTreeTest, CreatesHierarchicalCodesAndPaths) {
  EXPECT_EQ(tree_.county.path, "/" + std::to_string(tree_.county.id) + "/");
  EXPECT_EQ(tree_.grid_a1.path, tree_.community_a.path + std::to_string(tree_.grid_a1.id) + "/");
  auto bad = tree_service_->Create(
      &admin_, NewOrgNode{tree_.community_a.id, OrgKind::kGrid, "999", "网格", std::nullopt});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "code");
  auto wrong_kind = tree_service_->Create(
      &admin_, NewOrgNode{tree_.county.id, OrgKind::kGrid, "1310229", "网格", std::nullopt});
  ASSERT_FALSE(wrong_kind.ok());
  EXPECT_EQ(wrong_kind.error().field, "kind");
  auto dup = tree_service_->Create(&admin_, NewOrgNode{tree_.community_a.id, OrgKind::kGrid,
                                                       "131022001001001", "重复", std::nullopt});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
}

TEST_P(OrgTreeTest, ScopeHidesNodesOutsideTheSubtree) {
  Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  EXPECT_TRUE(tree_service_->Get(secretary, tree_.grid_a2.id).ok());
  auto other = tree_service_->Get(secretary, tree_.grid_b1.id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, core::ErrorCode::kNotFound);
  auto page = tree_service_->List(secretary, OrgNodeFilter{std::nullopt, OrgKind::kGrid, {}, {}});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  for (const auto& n : page->items) EXPECT_EQ(n.parent_id, tree_.community_a.id);
}

TEST_P(OrgTreeTest, ListPaginatesByCursor) {
  OrgNodeFilter filter;
  filter.page.limit = 4;
  std::vector<int64_t> seen;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = tree_service_->List(Admin(), filter);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& n : page->items) seen.push_back(n.id);
    if (!page->next_after) break;
    filter.page.after = *page->next_after;
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_P(OrgTreeTest, MoveRewritesSubtreePathsAndRefusesCycles) {
  auto moved = tree_service_->Update(
      Admin(), tree_.grid_a2.id, OrgNodeChange{std::nullopt, tree_.community_b.id, std::nullopt});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->path, tree_.community_b.path + std::to_string(tree_.grid_a2.id) + "/");
  auto building = tree_service_->Get(Admin(), tree_.building_a2.id);
  ASSERT_TRUE(building.ok());
  EXPECT_EQ(building->path, moved->path + std::to_string(tree_.building_a2.id) + "/");
  // The secretary of community A no longer sees it; B's does.
  EXPECT_FALSE(
      tree_service_->Get(As(Role::kCommunitySecretary, tree_.community_a), tree_.building_a2.id)
          .ok());
  auto cycle = tree_service_->Update(Admin(), tree_.street.id,
                                     OrgNodeChange{std::nullopt, tree_.grid_b1.id, std::nullopt});
  ASSERT_FALSE(cycle.ok());
  EXPECT_EQ(cycle.error().field, "parent_id");
}

TEST_P(OrgTreeTest, DeleteOnlyWhenEmpty) {
  auto refused = tree_service_->Delete(Admin(), tree_.grid_b1.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  ASSERT_TRUE(tree_service_->Delete(Admin(), tree_.building_b1.id).ok());
  ASSERT_TRUE(tree_service_->Delete(Admin(), tree_.grid_b1.id).ok());
  EXPECT_FALSE(tree_service_->Get(Admin(), tree_.grid_b1.id).ok());
}

TEST_P(OrgTreeTest, GeometryIsValidatedAndNormalised) {
  auto ok = tree_service_->Update(Admin(), tree_.grid_a1.id,
                                  OrgNodeChange{std::nullopt, std::nullopt, std::string(kSquare)});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_TRUE(ok->center.has_value());
  EXPECT_NEAR(ok->center->lon, 116.305, 1e-9);
  std::string open_ring =
      R"({"type":"Polygon","coordinates":[[[116.30,39.43],[116.31,39.43],[116.31,39.44],[116.30,39.44]]]})";
  auto bad = tree_service_->Update(Admin(), tree_.grid_a2.id,
                                   OrgNodeChange{std::nullopt, std::nullopt, open_ring});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field.rfind("geometry", 0), 0u) << bad.error().field;
  EXPECT_FALSE(tree_service_->Get(Admin(), tree_.grid_a2.id)->geometry.has_value());
}

TEST_P(OrgTreeTest, WritesNeedPermissionAndScope) {
  Caller grid_worker = As(Role::kGridWorker, tree_.grid_a1);
  auto denied =
      tree_service_->Update(grid_worker, tree_.grid_a1.id,
                            OrgNodeChange{std::string("新名"), std::nullopt, std::nullopt});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, core::ErrorCode::kForbidden);
  Caller secretary_b = As(Role::kCommunitySecretary, tree_.community_b);
  auto outside =
      tree_service_->Update(secretary_b, tree_.grid_a1.id,
                            OrgNodeChange{std::string("新名"), std::nullopt, std::nullopt});
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, core::ErrorCode::kNotFound);
}

TEST_P(OrgTreeTest, ADeploymentMayBeRootedAtAProvinceOrCity) {
  auto province = tree_service_->Create(
      nullptr, NewOrgNode{std::nullopt, OrgKind::kProvince, "130000", "河北省", std::nullopt});
  ASSERT_TRUE(province.ok()) << province.error().message;
  auto city = tree_service_->Create(
      nullptr, NewOrgNode{province->id, OrgKind::kCity, "130900", "沧州市", std::nullopt});
  ASSERT_TRUE(city.ok()) << city.error().message;
  Caller city_admin = As(Role::kCountyAdmin, *city);
  auto district = tree_service_->Create(
      &city_admin, NewOrgNode{city->id, OrgKind::kCounty, "130902", "新华区", std::nullopt});
  ASSERT_TRUE(district.ok()) << district.error().message;
  EXPECT_EQ(district->path, city->path + std::to_string(district->id) + "/");
  // A county code of another city does not fit under this one.
  auto foreign = tree_service_->Create(
      &city_admin, NewOrgNode{city->id, OrgKind::kCounty, "131022", "固安县", std::nullopt});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().field, "code");
  // Streets sit under a county, never directly under a city.
  auto street = tree_service_->Create(
      &city_admin, NewOrgNode{city->id, OrgKind::kStreet, "130900001", "街道", std::nullopt});
  ASSERT_FALSE(street.ok());
  EXPECT_EQ(street.error().field, "kind");
  // The city admin sees the district but not the county of the fixture.
  EXPECT_TRUE(tree_service_->Get(city_admin, district->id).ok());
  EXPECT_EQ(tree_service_->Get(city_admin, tree_.county.id).error().code,
            core::ErrorCode::kNotFound);
}

TEST(OrgCodeTest, ValidatesDivisionCodes) {
  EXPECT_TRUE(ValidateCode(OrgKind::kProvince, "130000", std::nullopt).ok());
  EXPECT_TRUE(ValidateCode(OrgKind::kCity, "130900", std::string("130000")).ok());
  EXPECT_TRUE(ValidateCode(OrgKind::kCounty, "131022", std::nullopt).ok());
  EXPECT_FALSE(ValidateCode(OrgKind::kCounty, "13102", std::nullopt).ok());
  EXPECT_FALSE(ValidateCode(OrgKind::kCity, "131000", std::string("120000")).ok());
  EXPECT_FALSE(ValidateCode(OrgKind::kStreet, "131022 01", std::string("131022")).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, OrgTreeTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
