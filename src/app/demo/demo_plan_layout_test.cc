// The demo plan's layout: codes, boundaries, buildings, service centres, units.
#include <gtest/gtest.h>

#include <boost/geometry/algorithms/area.hpp>
#include <boost/geometry/algorithms/covered_by.hpp>
#include <boost/geometry/algorithms/envelope.hpp>
#include <boost/geometry/algorithms/intersects.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/algorithms/relate.hpp>
#include <boost/geometry/algorithms/within.hpp>
#include <boost/geometry/geometries/box.hpp>

#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/demo/demo_plan.h"
#include "app/demo/demo_plan_test_util.h"

namespace civicgrid::app::demo {
namespace {

namespace bg = boost::geometry;
using Box = bg::model::box<core::GeoPoint>;
using plan_testing::Plan;
using plan_testing::Point;
using plan_testing::Size;

// A code is its parent's followed by `suffix` (see MatchesPattern).
void ExpectChildCode(const std::string& code, const std::string& parent, std::string_view suffix) {
  SCOPED_TRACE(code);
  ASSERT_TRUE(code.starts_with(parent)) << "parent " << parent;
  EXPECT_TRUE(plan_testing::MatchesPattern(std::string_view(code).substr(parent.size()), suffix));
}

TEST(DemoPlanLayoutTest, ServiceCentersAreOnePerCommunityOfAtLeast500SquareMetresInsideIt) {
  const DemoPlan& plan = Plan();
  std::set<int> communities;
  for (const auto& s : plan.service_centers) {
    SCOPED_TRACE(s.name);
    communities.insert(s.community);
    EXPECT_GE(s.floor_area_m2, 500);
    EXPECT_TRUE(bg::covered_by(Point(s.location), plan.communities[s.community].boundary));
    EXPECT_GE(s.facilities.size(), 3u);
  }
  EXPECT_EQ(Size(communities), 32);
}

// ---------------------------------------------------------------------------
// Codes and geometry

TEST(DemoPlanLayoutTest, CodesAreUniqueAndHierarchical) {
  const DemoPlan& plan = Plan();
  std::set<std::string> codes{plan.county.code};
  for (const auto& s : plan.streets) {
    ExpectChildCode(s.code, plan.county.code, "ddd");
    codes.insert(s.code);
  }
  for (const auto& c : plan.communities) {
    ExpectChildCode(c.code, plan.streets[c.street].code, "ddd");
    codes.insert(c.code);
  }
  for (const auto& g : plan.grids) {
    ExpectChildCode(g.code, plan.communities[g.community].code, "ddd");
    codes.insert(g.code);
  }
  for (const auto& b : plan.buildings) {
    ExpectChildCode(b.code, plan.grids[b.grid].code, "-dd");
    codes.insert(b.code);
  }
  for (const auto& c : plan.compounds) {
    ExpectChildCode(c.code, plan.communities[c.community].code, "Cdd");
    codes.insert(c.code);
  }
  for (const auto& b : plan.back_streets) {
    ExpectChildCode(b.code, plan.communities[b.community].code, "Sdd");
    codes.insert(b.code);
  }
  EXPECT_EQ(Size(codes), 1 + Size(plan.streets) + Size(plan.communities) + Size(plan.grids) +
                             Size(plan.buildings) + Size(plan.compounds) + Size(plan.back_streets));
}

TEST(DemoPlanLayoutTest, GridsAreValidClosedCounterClockwiseCellsAbout300MetresAcross) {
  const DemoPlan& plan = Plan();
  for (const auto& g : plan.grids) {
    SCOPED_TRACE(g.code);
    const auto& ring = g.boundary.outer();
    ASSERT_EQ(ring.size(), 5u);
    EXPECT_EQ(ring.front().x(), ring.back().x());
    EXPECT_EQ(ring.front().y(), ring.back().y());
    EXPECT_TRUE(bg::is_valid(g.boundary));  // also checks the declared orientation
    EXPECT_GT(bg::area(g.boundary), 0);
    const double width =
        core::HaversineMeters({ring[0].x(), ring[0].y()}, {ring[1].x(), ring[1].y()});
    EXPECT_GT(width, 150);
    EXPECT_LT(width, 450);
    EXPECT_TRUE(bg::within(Point(g.center), g.boundary));
    EXPECT_LT(core::HaversineMeters(g.center, plan.county.center), 8000);
  }
}

TEST(DemoPlanLayoutTest, NoTwoGridsOverlapThoughNeighboursShareEdges) {
  const DemoPlan& plan = Plan();
  std::vector<Box> boxes;
  for (const auto& g : plan.grids) boxes.push_back(bg::return_envelope<Box>(g.boundary));
  const bg::de9im::mask interiors_meet("T********");
  ASSERT_TRUE(bg::relate(plan.grids[0].boundary, plan.grids[0].boundary, interiors_meet));
  int touching = 0;
  for (int a = 0; a < Size(plan.grids); ++a) {
    for (int b = a + 1; b < Size(plan.grids); ++b) {
      if (!bg::intersects(boxes[a], boxes[b])) continue;
      const auto& pa = plan.grids[a].boundary;
      const auto& pb = plan.grids[b].boundary;
      EXPECT_FALSE(bg::relate(pa, pb, interiors_meet))
          << plan.grids[a].code << " " << plan.grids[b].code;
      if (bg::intersects(pa, pb)) ++touching;
    }
  }
  EXPECT_GT(touching, Size(plan.grids));  // a lattice: most grids have several neighbours
}

TEST(DemoPlanLayoutTest, CommunitiesAndStreetsAreContiguousUnionsOfTheirGrids) {
  const DemoPlan& plan = Plan();
  std::vector<double> community_area(plan.communities.size()), street_area(plan.streets.size());
  for (const auto& g : plan.grids) {
    community_area[g.community] += bg::area(g.boundary);
    street_area[plan.communities[g.community].street] += bg::area(g.boundary);
    EXPECT_TRUE(bg::covered_by(Point(g.center), plan.communities[g.community].boundary));
  }
  auto check = [](const std::string& name, const core::MultiPolygon& boundary, core::LonLat center,
                  double area) {
    SCOPED_TRACE(name);
    EXPECT_EQ(boundary.size(), 1u);  // one piece
    EXPECT_TRUE(bg::is_valid(boundary));
    EXPECT_NEAR(bg::area(boundary), area, area * 1e-9);
    EXPECT_TRUE(bg::covered_by(Point(center), boundary));
  };
  for (int c = 0; c < Size(plan.communities); ++c) {
    const auto& community = plan.communities[c];
    check(community.name, community.boundary, community.center, community_area[c]);
  }
  for (int s = 0; s < Size(plan.streets); ++s) {
    check(plan.streets[s].name, plan.streets[s].boundary, plan.streets[s].center, street_area[s]);
  }
}

TEST(DemoPlanLayoutTest, BuildingsLieInsideTheirGridAndCompound) {
  const DemoPlan& plan = Plan();
  std::vector<core::GridShape> shapes;
  for (int g = 0; g < Size(plan.grids); ++g) {
    shapes.push_back({g, core::MultiPolygon{plan.grids[g].boundary}});
  }
  const core::GridIndex index(std::move(shapes));
  for (const auto& b : plan.buildings) {
    SCOPED_TRACE(b.code);
    EXPECT_TRUE(bg::within(Point(b.location), plan.grids[b.grid].boundary));
    EXPECT_EQ(index.Locate(b.location), std::optional<int64_t>(b.grid));
    if (b.compound >= 0) {
      const PlanCompound& compound = plan.compounds[b.compound];
      EXPECT_EQ(compound.community, plan.grids[b.grid].community);
      EXPECT_TRUE(bg::within(Point(b.location), compound.boundary));
    }
  }
  for (const auto& s : plan.back_streets) {
    EXPECT_TRUE(bg::within(Point(s.location), plan.communities[s.community].boundary)) << s.code;
  }
}

// ---------------------------------------------------------------------------
// Units

bool ValidCreditCode(std::string_view code) {
  constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                            29, 25, 13, 8,  24, 10, 30, 28};
  if (code.size() != 18) return false;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    const size_t v = kChars.find(code[i]);
    if (v == std::string_view::npos) return false;
    sum += static_cast<int>(v) * kWeights[i];
  }
  return code[17] == kChars[static_cast<size_t>((31 - sum % 31) % 31)];
}

TEST(DemoPlanLayoutTest, UnitsPairWithOneOrTwoCommunitiesAndEveryCommunityHasPartners) {
  const DemoPlan& plan = Plan();
  std::vector<int> per_unit(plan.units.size()), per_community(plan.communities.size());
  std::set<NodeKind> target_kinds;
  for (const auto& p : plan.pairings) {
    target_kinds.insert(p.target.kind);
    if (p.target.kind != NodeKind::kCommunity) continue;
    ++per_unit[p.unit];
    ++per_community[p.target.index];
  }
  for (int n : per_unit) {
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 2);
  }
  for (int n : per_community) EXPECT_GE(n, 1);
  EXPECT_TRUE(target_kinds.contains(NodeKind::kCompound));
  EXPECT_TRUE(target_kinds.contains(NodeKind::kBackStreet));
  std::set<UnitKind> kinds;
  std::set<std::string> credit_codes, names;
  for (const auto& u : plan.units) {
    kinds.insert(u.kind);
    credit_codes.insert(u.credit_code);
    names.insert(u.name);
    EXPECT_TRUE(ValidCreditCode(u.credit_code)) << u.name << " " << u.credit_code;
    EXPECT_FALSE(u.contact_name.empty());
  }
  EXPECT_EQ(Size(kinds), 5);
  EXPECT_EQ(Size(credit_codes), 64);
  EXPECT_EQ(Size(names), 64);
  EXPECT_TRUE(names.contains("县委组织部"));
  for (const auto& c : plan.compounds) {
    if (c.property_company >= 0) {
      EXPECT_EQ(plan.units[c.property_company].kind, UnitKind::kPropertyCompany) << c.name;
    }
  }
}

}  // namespace
}  // namespace civicgrid::app::demo
