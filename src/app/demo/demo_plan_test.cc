#include "app/demo/demo_plan.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/demo/demo_plan_test_util.h"
#include "app/demo/names.h"
#include "core/pii.h"

// The demo plan's figures, people, accounts, options and determinism; the
// layout (codes, geometry, units) is tested in demo_plan_layout_test.cc.
namespace civicgrid::app::demo {
namespace {

using plan_testing::Age;
using plan_testing::FullPlan;
using plan_testing::kTestScale;
using plan_testing::MatchesPattern;
using plan_testing::Plan;
using plan_testing::Size;

// Every field of the plan as text, the layout and the people apart. Keep in
// step with demo_plan.h: a field left out here escapes the determinism test.
class Digest {
 public:
  template <typename T>
  Digest& operator<<(const T& value) {
    Add(value);
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void Add(const std::string& s) { out_ += s + "|"; }
  void Add(const char* s) { out_ += std::string(s) + "|"; }
  void Add(int v) { out_ += fmt::format("{}|", v); }
  void Add(bool v) { out_ += v ? "T|" : "F|"; }
  void Add(char v) { out_ += fmt::format("{}|", v); }
  void Add(double v) { out_ += fmt::format("{}|", v); }  // shortest exact form
  void Add(core::LonLat p) { *this << p.lon << p.lat; }
  void Add(core::CivilDate d) { *this << d.year << d.month << d.day; }
  void Add(NodeRef r) { *this << static_cast<int>(r.kind) << r.index; }
  void Add(const core::Polygon& polygon) {
    for (const auto& p : polygon.outer()) *this << p.x() << p.y();
    *this << "/";
  }
  void Add(const core::MultiPolygon& m) {
    for (const auto& polygon : m) *this << polygon;
  }
  template <typename T>
  void Add(const std::optional<T>& v) {
    if (v) {
      *this << *v;
    } else {
      *this << "-";
    }
  }
  template <typename T>
  void Add(const std::vector<T>& v) {
    *this << Size(v);
    for (const auto& x : v) *this << x;
  }

  std::string out_;
};

std::string LayoutDigest(const DemoPlan& p) {
  Digest d;
  d << p.county.code << p.county.name << p.county.center;
  for (const auto& s : p.streets) d << s.code << s.name << s.boundary << s.center;
  for (const auto& c : p.communities) d << c.street << c.code << c.name << c.boundary << c.center;
  for (const auto& g : p.grids) d << g.community << g.code << g.name << g.boundary << g.center;
  for (const auto& u : p.units) {
    d << u.name << static_cast<int>(u.kind) << u.credit_code << u.address << u.location;
  }
  for (const auto& c : p.compounds) {
    d << c.community << c.code << c.name << c.property_company << c.owners_committee << c.boundary
      << c.center;
  }
  for (const auto& b : p.back_streets) d << b.community << b.code << b.name << b.location;
  for (const auto& b : p.buildings) {
    d << b.grid << b.compound << b.code << b.name << b.location;
  }
  for (const auto& s : p.service_centers) {
    d << s.community << s.name << s.floor_area_m2 << s.location << s.facilities;
  }
  for (const auto& o : p.party_orgs) {
    d << static_cast<int>(o.kind) << o.name << o.parent << o.node << o.unit;
  }
  for (const auto& x : p.pairings) d << x.unit << x.target;
  return d.str();
}

std::string PeopleDigest(const DemoPlan& p) {
  Digest d;
  // Raised when a building needs more rooms.
  for (const auto& b : p.buildings) d << b.entrances << b.floors;
  for (const auto& u : p.units) d << u.contact_name << u.contact_phone;
  for (const auto& h : p.households) d << h.building << h.room;
  for (const auto& r : p.residents) {
    d << r.household << r.name << r.sex << r.birth_date << r.id_number << r.phone << r.elder_alone
      << r.disabled << r.low_income << r.veteran;
  }
  for (const auto& m : p.party_members) {
    d << m.resident << m.party_org << m.unit << m.community << m.registered_on << m.skills
      << m.mobile;
  }
  for (const auto& w : p.grid_workers) {
    d << w.community << w.name << w.sex << w.phone << w.full_time << w.grids;
  }
  for (const auto& w : p.community_workers)
    d << w.community << w.name << w.sex << w.phone << w.secretary;
  for (const auto& c : p.chiefs) d << c.node << c.resident;
  for (const auto& a : p.accounts) {
    d << a.username << a.display_name << a.role << a.scope << a.unit << a.party_member << a.resident
      << a.grid_worker << a.community_worker;
  }
  return d.str();
}

// ---------------------------------------------------------------------------
// The figures of the seed document

TEST(DemoPlanTest, HoldsTheGuanFiguresExactly) {
  const DemoPlan& plan = Plan();
  EXPECT_EQ(plan.county.code, "131022");
  EXPECT_EQ(plan.county.name, "固安县");
  EXPECT_GE(Size(plan.streets), 4);
  EXPECT_LE(Size(plan.streets), 6);
  EXPECT_EQ(Size(plan.communities), 32);
  EXPECT_EQ(Size(plan.grids), 246);
  EXPECT_EQ(Size(plan.units), 64);
  EXPECT_EQ(Size(plan.service_centers), 32);
  std::map<PartyOrgKind, int> orgs;
  for (const auto& o : plan.party_orgs) ++orgs[o.kind];
  EXPECT_EQ(orgs[PartyOrgKind::kGridBranch], 108);
  EXPECT_EQ(orgs[PartyOrgKind::kGridGroup], 138);
  const int full_time =
      static_cast<int>(std::count_if(plan.grid_workers.begin(), plan.grid_workers.end(),
                                     [](const auto& w) { return w.full_time; }));
  EXPECT_EQ(full_time, 245);
  EXPECT_EQ(Size(plan.grid_workers) - full_time, 925);
  EXPECT_TRUE(std::any_of(plan.communities.begin(), plan.communities.end(),
                          [](const auto& c) { return c.name == "东方街北社区"; }));
}

TEST(DemoPlanTest, EveryCommunityHasAtLeastFourGridsACompoundPairAndABackStreet) {
  const DemoPlan& plan = Plan();
  std::vector<int> grids(plan.communities.size()), compounds(plan.communities.size()),
      back_streets(plan.communities.size());
  for (const auto& g : plan.grids) ++grids[g.community];
  for (const auto& c : plan.compounds) ++compounds[c.community];
  for (const auto& b : plan.back_streets) ++back_streets[b.community];
  for (int c = 0; c < Size(plan.communities); ++c) {
    SCOPED_TRACE(plan.communities[c].name);
    EXPECT_GE(grids[c], 4);
    EXPECT_GE(compounds[c], 2);
    EXPECT_EQ(back_streets[c], 1);
  }
}

TEST(DemoPlanTest, EveryGridHasExactlyOneGridBranchOrGroupInAParentFirstTree) {
  const DemoPlan& plan = Plan();
  std::vector<int> per_grid(plan.grids.size());
  int community_committees = 0;
  for (int o = 0; o < Size(plan.party_orgs); ++o) {
    const PlanPartyOrg& org = plan.party_orgs[o];
    SCOPED_TRACE(org.name);
    EXPECT_LT(org.parent, o);
    EXPECT_EQ(org.parent < 0, o == 0);
    if (org.kind == PartyOrgKind::kCommittee && org.node.kind == NodeKind::kCommunity) {
      ++community_committees;
    }
    if (org.node.kind != NodeKind::kGrid) continue;
    ++per_grid[org.node.index];
    const PlanPartyOrg& parent = plan.party_orgs[org.parent];
    const int community = plan.grids[org.node.index].community;
    if (org.kind == PartyOrgKind::kGridBranch) {
      EXPECT_EQ(parent.kind, PartyOrgKind::kCommittee);
      EXPECT_EQ(parent.node.kind, NodeKind::kCommunity);
      EXPECT_EQ(parent.node.index, community);
    } else {
      ASSERT_EQ(org.kind, PartyOrgKind::kGridGroup);
      EXPECT_EQ(parent.kind, PartyOrgKind::kGridBranch);
      EXPECT_EQ(plan.grids[parent.node.index].community, community);
    }
  }
  EXPECT_EQ(community_committees, 32);
  for (int n : per_grid) EXPECT_EQ(n, 1);
}

TEST(DemoPlanTest, EveryGridHasAFullTimeWorkerAndThreeOrFourPartTimeOnes) {
  const DemoPlan& plan = Plan();
  std::vector<int> full(plan.grids.size()), part(plan.grids.size());
  int sharing = 0;
  for (const auto& w : plan.grid_workers) {
    ASSERT_FALSE(w.grids.empty());
    if (w.grids.size() > 1) ++sharing;
    EXPECT_LE(w.grids.size(), w.full_time ? 2u : 1u);
    for (int g : w.grids) {
      EXPECT_EQ(plan.grids[g].community, w.community);
      ++(w.full_time ? full : part)[g];
    }
  }
  EXPECT_EQ(sharing, 1);
  for (int g = 0; g < Size(plan.grids); ++g) {
    EXPECT_EQ(full[g], 1) << plan.grids[g].code;
    EXPECT_GE(part[g], 3) << plan.grids[g].code;
    EXPECT_LE(part[g], 4) << plan.grids[g].code;
  }
}

// ---------------------------------------------------------------------------
// People

TEST(DemoPlanTest, IdNumbersAreValidDistinctAndAgreeWithSexAndBirthDate) {
  const DemoPlan& plan = Plan();
  std::set<std::string> seen;
  for (const auto& r : plan.residents) {
    SCOPED_TRACE(r.id_number);
    ASSERT_TRUE(core::ValidateIdNumber(r.id_number, "id_number").ok());
    EXPECT_TRUE(r.id_number.starts_with("131022"));
    EXPECT_EQ(core::IdNumberSex(r.id_number), r.sex);
    const core::CivilDate birth = core::IdNumberBirthDate(r.id_number);
    EXPECT_EQ(core::FormatDate(birth), core::FormatDate(r.birth_date));
    EXPECT_GE(birth.year, 1935);
    EXPECT_LE(birth.year, 2020);
    EXPECT_TRUE(seen.insert(r.id_number).second) << "duplicate";
  }
}

TEST(DemoPlanTest, PhonesAreValidMobilesAndDistinctAcrossEveryone) {
  const DemoPlan& plan = Plan();
  std::vector<std::string> phones;
  for (const auto& r : plan.residents) {
    if (r.phone) phones.push_back(*r.phone);
    if (Age(r) < 16) {
      EXPECT_FALSE(r.phone.has_value());
    }
  }
  for (const auto& w : plan.grid_workers) phones.push_back(w.phone);
  for (const auto& w : plan.community_workers) phones.push_back(w.phone);
  for (const auto& u : plan.units) phones.push_back(u.contact_phone);
  for (const auto& phone : phones) {
    EXPECT_TRUE(core::ValidatePhone(phone, "phone").ok()) << phone;
    EXPECT_EQ(phone.size(), 11u) << phone;
  }
  EXPECT_EQ(std::set<std::string>(phones.begin(), phones.end()).size(), phones.size());
}

TEST(DemoPlanTest, CommunitiesHoldTheSeedsPopulationsAtFullScale) {
  const std::vector<int> populations = CommunityPopulations(32);
  int64_t total = 0;
  for (int p : populations) {
    EXPECT_GE(p, kMinCommunityResidents);
    EXPECT_LE(p, kMaxCommunityResidents);
    total += p;
  }
  EXPECT_EQ(total, kCountyResidents);
  const auto [lo, hi] = std::minmax_element(populations.begin(), populations.end());
  EXPECT_LT(*lo, 5800);  // they differ
  EXPECT_GT(*hi, 8500);
  const DemoPlan& plan = FullPlan();
  EXPECT_EQ(Size(plan.residents), kCountyResidents);
  std::vector<int> residents(plan.communities.size());
  for (int r = 0; r < Size(plan.residents); ++r) ++residents[ResidentCommunity(plan, r)];
  EXPECT_EQ(residents, populations);
  for (const auto& b : plan.buildings) {  // towers of a county town, rooms "e-FFDD"
    EXPECT_LE(b.floors, 33) << b.code;
    EXPECT_LE(b.entrances, 9) << b.code;
  }
  for (const auto& h : plan.households) {
    EXPECT_TRUE(MatchesPattern(h.room, "d-ddd") || MatchesPattern(h.room, "d-dddd")) << h.room;
  }
}

// Scaled back, each community of a scaled plan is within the seeds' range (up
// to the rounding of the scaled count).
TEST(DemoPlanTest, ScaledCommunitiesAreTheSeedsPopulationsScaled) {
  for (double scale : {kTestScale, 0.005}) {
    SCOPED_TRACE(scale);
    DemoOptions options;
    options.population_scale = scale;
    const DemoPlan plan = scale == kTestScale ? Plan() : MakePlan(options).value();
    std::vector<int> residents(plan.communities.size());
    for (int r = 0; r < Size(plan.residents); ++r) ++residents[ResidentCommunity(plan, r)];
    for (int c = 0; c < Size(plan.communities); ++c) {
      EXPECT_GE(residents[c] / scale, kMinCommunityResidents - 0.5 / scale);
      EXPECT_LE(residents[c] / scale, kMaxCommunityResidents + 0.5 / scale);
    }
    EXPECT_NEAR(Size(plan.residents) / scale, kCountyResidents, 32 * 0.5 / scale);
  }
}

TEST(DemoPlanTest, ResidentsHavePlausibleHouseholdsAndCareFlags) {
  const DemoPlan& plan = Plan();
  const double n = static_cast<double>(plan.residents.size());
  std::vector<int> household_size(plan.households.size());
  for (const auto& r : plan.residents) ++household_size[r.household];
  int elder_alone = 0, disabled = 0, low_income = 0, veterans = 0;
  for (const auto& r : plan.residents) {
    EXPECT_FALSE(r.name.empty());
    if (r.elder_alone) {
      ++elder_alone;
      EXPECT_GE(Age(r), 65) << r.name;
      EXPECT_EQ(household_size[r.household], 1) << r.name;
    }
    if (r.veteran) {
      ++veterans;
      EXPECT_EQ(r.sex, 'M');
    }
    disabled += r.disabled;
    low_income += r.low_income;
  }
  EXPECT_GT(elder_alone / n, 0.02);
  EXPECT_LT(elder_alone / n, 0.045);
  EXPECT_GT(disabled / n, 0.01);
  EXPECT_LT(disabled / n, 0.035);
  EXPECT_GT(low_income / n, 0.005);
  EXPECT_LT(low_income / n, 0.04);
  EXPECT_GT(veterans, 0);
  EXPECT_LT(veterans / n, 0.02);
}

TEST(DemoPlanTest, HouseholdsHaveDistinctRoomsAndEveryBuildingIsLivedIn) {
  const DemoPlan& plan = Plan();
  std::set<std::pair<int, std::string>> rooms;
  std::vector<int> per_building(plan.buildings.size());
  for (const auto& h : plan.households) {
    EXPECT_TRUE(rooms.insert({h.building, h.room}).second) << h.room;
    EXPECT_TRUE(MatchesPattern(h.room, "d-ddd") || MatchesPattern(h.room, "d-dddd")) << h.room;
    ++per_building[h.building];
  }
  for (int n : per_building) EXPECT_GE(n, 1);
}

TEST(DemoPlanTest, PartyMembersAreAdultsAndInServiceMembersRegisterWhereTheyLive) {
  const DemoPlan& plan = Plan();
  const auto skills = Skills();
  int residents_members = 0, mobile = 0;
  std::set<int> people;
  std::vector<int> per_unit(plan.units.size());
  for (const auto& m : plan.party_members) {
    const PlanResident& r = plan.residents[m.resident];
    SCOPED_TRACE(r.name);
    EXPECT_TRUE(people.insert(m.resident).second);
    EXPECT_GE(Age(r), 18);
    EXPECT_EQ(m.community, ResidentCommunity(plan, m.resident));
    const PlanPartyOrg& org = plan.party_orgs[m.party_org];
    if (m.unit >= 0) {
      ++per_unit[m.unit];
      EXPECT_EQ(org.unit, m.unit);
      EXPECT_TRUE(m.registered_on.has_value());
      EXPECT_FALSE(m.skills.empty());
    } else {
      ++residents_members;
      const int grid = plan.buildings[plan.households[r.household].building].grid;
      EXPECT_EQ(org.node.kind, NodeKind::kGrid);
      EXPECT_EQ(org.node.index, grid);
      EXPECT_FALSE(m.registered_on.has_value());
    }
    mobile += m.mobile;
    for (const auto& s : m.skills)
      EXPECT_NE(std::find(skills.begin(), skills.end(), s), skills.end());
  }
  // Members organised in the grid branches: about 3 % of the residents.
  EXPECT_GT(residents_members, Size(plan.residents) * 0.02);
  EXPECT_LT(residents_members, Size(plan.residents) * 0.045);
  EXPECT_GT(mobile, 0);
  for (int n : per_unit) EXPECT_GE(n, 1);
}

// At full size: members organised in the community about 3 % of residents,
// in-service members of the 64 units living in the county about 2 %, all
// together about 5 % (docs/demo.md, "Party members").
TEST(DemoPlanTest, PartyMembersAreARealisticShareAtFullScale) {
  const DemoPlan& plan = FullPlan();
  int in_service = 0;
  std::vector<int> per_unit(plan.units.size());
  for (const auto& m : plan.party_members) {
    in_service += m.unit >= 0;
    if (m.unit >= 0) ++per_unit[m.unit];
  }
  for (int u = 0; u < Size(plan.units); ++u) {  // a bureau has its hundred or so, all found
    if (plan.units[u].kind == UnitKind::kGovernment) {
      EXPECT_GE(per_unit[u], 80) << plan.units[u].name;
    }
  }
  const double n = Size(plan.residents);
  const double in_community = Size(plan.party_members) - in_service;
  EXPECT_GT(in_community / n, 0.025);
  EXPECT_LT(in_community / n, 0.04);
  EXPECT_GT(in_service / n, 0.012);
  EXPECT_LT(in_service / n, 0.03);
  EXPECT_GT(Size(plan.party_members) / n, 0.04);
  EXPECT_LT(Size(plan.party_members) / n, 0.065);
}

TEST(DemoPlanTest, CommunityWorkersFollowTheNormButAFewCommunitiesFallShort) {
  const DemoPlan& plan = FullPlan();
  std::vector<int> residents(plan.communities.size()), workers(plan.communities.size()),
      secretaries(plan.communities.size());
  for (int r = 0; r < Size(plan.residents); ++r) ++residents[ResidentCommunity(plan, r)];
  for (const auto& w : plan.community_workers) {
    ++workers[w.community];
    secretaries[w.community] += w.secretary;
  }
  int short_of_norm = 0;
  for (int c = 0; c < Size(plan.communities); ++c) {
    SCOPED_TRACE(plan.communities[c].name);
    const int required = RequiredCommunityWorkers(residents[c]);
    EXPECT_GE(required, 1);
    if (workers[c] < required) ++short_of_norm;
    EXPECT_EQ(secretaries[c], 1);  // none left without a secretary
    EXPECT_GE(workers[c], required - 1);
  }
  EXPECT_GE(short_of_norm, 1);
  EXPECT_LE(short_of_norm, 32 / 4);
  EXPECT_GE(workers[0], std::max(2, RequiredCommunityWorkers(residents[0])));
}

TEST(DemoPlanTest, EveryBuildingAndBackStreetHasOneAdultChiefLivingNearby) {
  const DemoPlan& plan = Plan();
  std::vector<int> buildings(plan.buildings.size()), streets(plan.back_streets.size());
  for (const auto& c : plan.chiefs) {
    ASSERT_GE(c.resident, 0);
    EXPECT_GE(Age(plan.residents[c.resident]), 18);
    const int home = plan.households[plan.residents[c.resident].household].building;
    if (c.node.kind == NodeKind::kBuilding) {
      ++buildings[c.node.index];
      EXPECT_EQ(plan.buildings[home].grid, plan.buildings[c.node.index].grid);
    } else {
      ASSERT_EQ(c.node.kind, NodeKind::kBackStreet);
      ++streets[c.node.index];
      EXPECT_EQ(ResidentCommunity(plan, c.resident), plan.back_streets[c.node.index].community);
    }
  }
  for (int n : buildings) EXPECT_EQ(n, 1);
  for (int n : streets) EXPECT_EQ(n, 1);
}

// ---------------------------------------------------------------------------
// Accounts

TEST(DemoPlanTest, AccountsCoverEveryDemoRoleWithTheRightScope) {
  const DemoPlan& plan = Plan();
  struct Expected {
    const char* username;
    const char* role;
    NodeKind scope;
  };
  const Expected expected[] = {
      {"admin", "county_admin", NodeKind::kCounty},
      {"street1", "street_admin", NodeKind::kStreet},
      {"secretary1", "community_secretary", NodeKind::kCommunity},
      {"worker1", "community_worker", NodeKind::kCommunity},
      {"grid1", "grid_worker", NodeKind::kGrid},
      {"grid2", "grid_worker", NodeKind::kGrid},
      {"unit1", "unit_admin", NodeKind::kCounty},
      {"member1", "party_member", NodeKind::kCommunity},
      {"resident1", "resident", NodeKind::kCommunity},
  };
  ASSERT_EQ(plan.accounts.size(), std::size(expected));
  std::map<std::string, PlanAccount> by_name;
  for (size_t i = 0; i < std::size(expected); ++i) {
    const PlanAccount& a = plan.accounts[i];
    SCOPED_TRACE(a.username);
    EXPECT_EQ(a.username, expected[i].username);
    EXPECT_EQ(a.role, expected[i].role);
    EXPECT_EQ(a.scope.kind, expected[i].scope);
    EXPECT_FALSE(a.display_name.empty());
    by_name[a.username] = a;
  }
  EXPECT_EQ(by_name["street1"].scope.index, 0);
  const auto& secretary = plan.community_workers[by_name["secretary1"].community_worker];
  EXPECT_TRUE(secretary.secretary);
  EXPECT_EQ(secretary.community, 0);
  const auto& worker = plan.community_workers[by_name["worker1"].community_worker];
  EXPECT_FALSE(worker.secretary);
  EXPECT_EQ(worker.community, 0);
  const PlanAccount& grid1 = by_name["grid1"];
  const PlanAccount& grid2 = by_name["grid2"];
  EXPECT_EQ(plan.grids[grid1.scope.index].community, 0);
  EXPECT_NE(plan.grids[grid2.scope.index].community, 0);
  for (const PlanAccount* a : {&grid1, &grid2}) {
    const PlanGridWorker& w = plan.grid_workers[a->grid_worker];
    EXPECT_TRUE(w.full_time);
    EXPECT_EQ(w.grids.front(), a->scope.index);
    EXPECT_EQ(w.name, a->display_name);
  }
  EXPECT_EQ(by_name["unit1"].unit, 0);
  const PlanAccount& member = by_name["member1"];
  EXPECT_EQ(plan.party_members[member.party_member].community, 0);
  EXPECT_EQ(plan.party_members[member.party_member].resident, member.resident);
  EXPECT_EQ(member.scope.index, 0);
  const PlanAccount& resident = by_name["resident1"];
  EXPECT_EQ(ResidentCommunity(plan, resident.resident), 0);
  for (const auto& m : plan.party_members) EXPECT_NE(m.resident, resident.resident);
}

// ---------------------------------------------------------------------------
// Options and determinism

TEST(DemoPlanTest, TheSameOptionsGiveAnIdenticalPlan) {
  const DemoPlan again = MakePlan(plan_testing::TestOptions()).value();
  EXPECT_EQ(LayoutDigest(again), LayoutDigest(Plan()));
  EXPECT_EQ(PeopleDigest(again), PeopleDigest(Plan()));
}

TEST(DemoPlanTest, AnotherSeedGivesOtherPeopleOnTheSameLayout) {
  DemoOptions options = plan_testing::TestOptions();
  options.seed = 2;
  const DemoPlan other = MakePlan(options).value();
  EXPECT_EQ(LayoutDigest(other), LayoutDigest(Plan()));
  EXPECT_NE(PeopleDigest(other), PeopleDigest(Plan()));
  std::set<std::string> ids;
  for (const auto& r : Plan().residents) ids.insert(r.id_number);
  int shared = 0;
  for (const auto& r : other.residents) shared += ids.contains(r.id_number);
  EXPECT_LT(shared, Size(other.residents) / 100);
}

TEST(DemoPlanTest, TinyPlansStillHoldTheFiguresAndEveryLink) {
  DemoOptions options;
  options.population_scale = 0.001;
  const DemoPlan plan = MakePlan(options).value();
  EXPECT_EQ(Size(plan.grids), 246);
  EXPECT_EQ(Size(plan.grid_workers), 245 + 925);
  EXPECT_EQ(Size(plan.chiefs), Size(plan.buildings) + Size(plan.back_streets));
  for (const auto& c : plan.chiefs) EXPECT_GE(c.resident, 0);
  ASSERT_EQ(plan.accounts.size(), 9u);
  for (const auto& a : plan.accounts) {
    SCOPED_TRACE(a.username);
    EXPECT_LT(a.party_member, Size(plan.party_members));
    EXPECT_LT(a.resident, Size(plan.residents));
  }
  EXPECT_GE(plan.accounts[7].party_member, 0);
  EXPECT_GE(plan.accounts[8].resident, 0);
}

TEST(DemoPlanTest, RejectsAnUnknownProfileOnFieldProfile) {
  DemoOptions options;
  options.profile = "baoding";
  const auto plan = MakePlan(options);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, core::ErrorCode::kInvalid);
  EXPECT_EQ(plan.error().field, "profile");
}

TEST(DemoPlanTest, RejectsAPopulationScaleOutsideATenthOfAPercentToOne) {
  for (double scale : {0.0, -1.0, 0.0005, 1.5, std::nan("")}) {
    DemoOptions options;
    options.population_scale = scale;
    const auto plan = MakePlan(options);
    ASSERT_FALSE(plan.ok()) << scale;
    EXPECT_EQ(plan.error().code, core::ErrorCode::kInvalid);
    EXPECT_EQ(plan.error().field, "population_scale");
  }
}

TEST(AgeOnTest, CountsWholeYearsUpToTheBirthday) {
  EXPECT_EQ(AgeOn({1959, 7, 1}, {2024, 7, 1}), 65);
  EXPECT_EQ(AgeOn({1959, 7, 2}, {2024, 7, 1}), 64);
  EXPECT_EQ(AgeOn({2000, 2, 29}, {2024, 2, 28}), 23);
}

TEST(RequiredCommunityWorkersTest, RoundsEighteenPerTenThousandUp) {
  EXPECT_EQ(RequiredCommunityWorkers(0), 0);
  EXPECT_EQ(RequiredCommunityWorkers(1), 1);
  EXPECT_EQ(RequiredCommunityWorkers(10000), 18);
  EXPECT_EQ(RequiredCommunityWorkers(10001), 19);
}

}  // namespace
}  // namespace civicgrid::app::demo
