// The 15-minute circle: a hand-made town whose coverage is exact (per community,
// total, centres, the buildings outside), the grid buckets against brute force,
// parameters refused by name, and scope — on both backends.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "domain/coverage/circle_index.h"
#include "domain/coverage/coverage_service.h"
#include "domain/registry/residents.h"
#include "domain/registry/service_centers.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

constexpr double kMetresPerDegree = 6371008.8 * std::numbers::pi / 180.0;

// `metres` due north of `p`: along a meridian the great-circle distance is exact.
core::LonLat North(core::LonLat p, double metres) {
  return {p.lon, p.lat + metres / kMetresPerDegree};
}

class CoverageTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    coverage_ = std::make_unique<CoverageService>(test_db_->db());
    residents_ = std::make_unique<ResidentService>(test_db_->db(), clock_, *audit_, cipher_);
    centers_ = std::make_unique<ServiceCenterService>(test_db_->db(), clock_, *audit_);
    // The town: centre C (600 m²) in community A, small centre S (300 m²) in B, 10 km apart.
    //   A1-1: 1,000 m north of C, 3 residents — covered
    //   A2-1: 1,300 m north of C, 2 residents — outside 1.2 km, inside 1.36 km
    //   B1-1:   500 m north of S, 4 residents — covered (a small centre still covers)
    //   B1-2: no position,         1 resident  — unplaced, not covered
    Place(tree_.building_a1, North(kC, 1000));
    Place(tree_.building_a2, North(kC, 1300));
    Place(tree_.building_b1, North(kS, 500));
    auto b2 =
        tree_service_->Create(nullptr, NewOrgNode{tree_.grid_b1.id, OrgKind::kBuilding,
                                                  "131022001002001-02", "4号楼", std::nullopt});
    ASSERT_TRUE(b2.ok());
    unplaced_ = *b2;
    int serial = 1;
    for (int i = 0; i < 3; ++i) Resident(tree_.building_a1, serial++);
    for (int i = 0; i < 2; ++i) Resident(tree_.building_a2, serial++);
    for (int i = 0; i < 4; ++i) Resident(tree_.building_b1, serial++);
    Resident(unplaced_, serial++);
    c_ = Center(tree_.community_a, "东方街北党群服务中心", 600, kC);
    s_ = Center(tree_.community_b, "西关党群服务站", 300, kS);
  }

  void Place(const OrgNode& n, core::LonLat at) {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Execute("UPDATE org_node SET center_lon = $1, center_lat = $2 WHERE id = $3",
                              {at.lon, at.lat, n.id})
                    .ok());
  }
  void Resident(const OrgNode& building, int serial) {
    NewResident r;
    r.building_id = building.id;
    r.room = "1-" + std::to_string(100 + serial);
    r.name = "居民" + std::to_string(serial);
    r.id_number = IdNumber(serial);
    auto out = residents_->Create(Admin(), r);
    ASSERT_TRUE(out.ok()) << out.error().message;
  }
  int64_t Center(const OrgNode& node, const std::string& name, int64_t area, core::LonLat at) {
    auto out = centers_->Create(Admin(), NewServiceCenter{node.id, name, area, at, {"会议室"}});
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out.ok() ? out->id : 0;
  }
  CircleParams Defaults() const { return *coverage_->Params(std::nullopt, std::nullopt); }

  const core::LonLat kC{116.30, 39.43};
  const core::LonLat kS{116.30, 39.52};
  std::unique_ptr<CoverageService> coverage_;
  std::unique_ptr<ResidentService> residents_;
  std::unique_ptr<ServiceCenterService> centers_;
  OrgNode unplaced_;
  int64_t c_ = 0, s_ = 0;
};

TEST_P(CoverageTest, HandMadeTownIsExact) {
  CircleParams p = Defaults();
  EXPECT_DOUBLE_EQ(p.reach_m(), 1200.0);
  auto report = coverage_->Report(Admin(), std::nullopt, p);
  ASSERT_TRUE(report.ok()) << report.error().message;
  const CoverageRow& t = report->total;
  EXPECT_EQ(t.buildings, 4);
  EXPECT_EQ(t.residents, 10);
  EXPECT_EQ(t.covered_residents, 7);
  EXPECT_EQ(t.buildings_outside, 1);
  EXPECT_EQ(t.unplaced_buildings, 1);
  EXPECT_EQ(t.unplaced_residents, 1);
  EXPECT_EQ(t.centers, 2);
  EXPECT_EQ(t.small_centers, 1);
  EXPECT_DOUBLE_EQ(t.share(), 0.7);
  ASSERT_EQ(report->communities.size(), 2u);
  const CoverageRow& a = report->communities[0];
  const CoverageRow& b = report->communities[1];
  EXPECT_EQ(a.community_id, tree_.community_a.id);
  EXPECT_EQ(a.residents, 5);
  EXPECT_EQ(a.covered_residents, 3);
  EXPECT_EQ(a.buildings_outside, 1);
  EXPECT_EQ(a.centers, 1);
  EXPECT_EQ(a.small_centers, 0);
  EXPECT_DOUBLE_EQ(a.share(), 0.6);
  EXPECT_EQ(b.residents, 5);
  EXPECT_EQ(b.covered_residents, 4);
  EXPECT_EQ(b.unplaced_buildings, 1);
  EXPECT_EQ(b.small_centers, 1);
  EXPECT_DOUBLE_EQ(b.share(), 0.8);
  ASSERT_EQ(report->centers.size(), 2u);
  EXPECT_EQ(report->centers[0].id, c_);
  EXPECT_FALSE(report->centers[0].small);
  EXPECT_EQ(report->centers[0].residents_within, 3);
  EXPECT_TRUE(report->centers[1].small);
  EXPECT_EQ(report->centers[1].residents_within, 4);

  auto outside = coverage_->Outside(Admin(), std::nullopt, p, Page{});
  ASSERT_TRUE(outside.ok());
  ASSERT_EQ(outside->items.size(), 1u);
  EXPECT_EQ(outside->items[0].id, tree_.building_a2.id);
  EXPECT_EQ(outside->items[0].community_id, tree_.community_a.id);
  EXPECT_EQ(outside->items[0].residents, 2);
  ASSERT_TRUE(outside->items[0].nearest_center_m);
  // PostgreSQL receives a double parameter as text with six decimals (store::Value::ToString),
  // about 0.1 m of latitude.
  EXPECT_NEAR(*outside->items[0].nearest_center_m, 1300.0, 0.25);

  // A longer walk (1,700 m ÷ 1.25 = 1,360 m straight line) reaches A2-1 too.
  auto longer = coverage_->Report(Admin(), std::nullopt, *coverage_->Params(1700, std::nullopt));
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(longer->total.covered_residents, 9);
  EXPECT_EQ(longer->centers[0].residents_within, 5);
  // A detour factor of 2 halves the reach of the 1,500 m walk to 750 m: only B1-1 stays.
  auto detour = coverage_->Report(Admin(), std::nullopt, *coverage_->Params(std::nullopt, 2.0));
  ASSERT_TRUE(detour.ok());
  EXPECT_EQ(detour->total.covered_residents, 4);
}

TEST_P(CoverageTest, ACentreAcrossTheBoundaryCoversButIsNotListed) {
  // A's secretary: only A, but a centre in B 800 m from A1-1 would still count.
  Center(tree_.community_b, "西关分中心", 520, North(kC, 1800));
  auto report =
      coverage_->Report(As(Role::kCommunitySecretary, tree_.community_a), std::nullopt, Defaults());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->communities.size(), 1u);
  EXPECT_EQ(report->total.residents, 5);
  EXPECT_EQ(report->total.covered_residents, 5);  // A2-1 is 500 m from the centre in B
  ASSERT_EQ(report->centers.size(), 1u);
  EXPECT_EQ(report->centers[0].id, c_);
}

TEST_P(CoverageTest, ScopeAndParameters) {
  Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  EXPECT_EQ(coverage_->Report(secretary, tree_.community_b.id, Defaults()).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(coverage_->Outside(secretary, tree_.community_b.id, Defaults(), Page{}).error().code,
            core::ErrorCode::kNotFound);
  auto b_outside = coverage_->Outside(As(Role::kCommunitySecretary, tree_.community_b),
                                      std::nullopt, Defaults(), Page{});
  ASSERT_TRUE(b_outside.ok());
  EXPECT_TRUE(b_outside->items.empty());
  EXPECT_EQ(coverage_->Report(As(Role::kGridWorker, tree_.grid_a1), std::nullopt, Defaults())
                .error()
                .code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(
      coverage_->Report(As(Role::kResident, tree_.county), std::nullopt, Defaults()).error().code,
      core::ErrorCode::kForbidden);
  EXPECT_EQ(coverage_->Params(50, std::nullopt).error().field, "walk_m");
  EXPECT_EQ(coverage_->Params(std::nullopt, 0.5).error().field, "detour_factor");
  EXPECT_EQ(coverage_->Params(std::nan(""), std::nullopt).error().field, "walk_m");
}

TEST_P(CoverageTest, OutsideBuildingsPageInIdOrder) {
  // Move every placed building far from both centres: three outside, two pages.
  Place(tree_.building_a1, North(kC, 3000));
  Place(tree_.building_b1, North(kS, 3000));
  auto first = coverage_->Outside(Admin(), std::nullopt, Defaults(), Page{0, 2});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_TRUE(first->next_after);
  auto second = coverage_->Outside(Admin(), std::nullopt, Defaults(), Page{*first->next_after, 2});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_LT(first->items[0].id, first->items[1].id);
  EXPECT_LT(first->items[1].id, second->items[0].id);
}

INSTANTIATE_TEST_SUITE_P(Backends, CoverageTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

// The buckets find exactly what comparing every point with every centre finds.
TEST(CircleIndexTest, MatchesBruteForce) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lon(116.20, 116.45), lat(39.35, 39.60);
  for (double reach : {300.0, 1200.0, 2500.0}) {
    std::vector<CirclePoint> centers;
    for (int i = 0; i < 150; ++i) centers.push_back({i + 1, {lon(rng), lat(rng)}});
    CircleIndex index(centers, reach);
    int covered = 0;
    for (int k = 0; k < 4000; ++k) {
      core::LonLat p{lon(rng), lat(rng)};
      std::optional<double> best;
      for (const auto& c : centers) {
        double d = core::HaversineMeters(p, c.at);
        if (d <= reach && (!best || d < *best)) best = d;
      }
      auto found = index.NearestWithin(p);
      ASSERT_EQ(found.has_value(), best.has_value()) << reach << " " << k;
      if (best) {
        EXPECT_DOUBLE_EQ(*found, *best);
        ++covered;
      }
    }
    EXPECT_GT(covered, 0);
  }
}

// Far north the cells widen in longitude so that neighbours still suffice.
TEST(CircleIndexTest, HighLatitudes) {
  std::vector<CirclePoint> centers{{1, {25.0, 69.0}}};
  CircleIndex index(centers, 1200);
  core::LonLat east{25.0 + 1150.0 / (kMetresPerDegree * std::cos(69.0 * std::numbers::pi / 180)),
                    69.0};
  EXPECT_TRUE(index.NearestWithin(east).has_value());
  EXPECT_FALSE(index.NearestWithin({25.2, 69.0}).has_value());
}

}  // namespace
}  // namespace civicgrid::domain
