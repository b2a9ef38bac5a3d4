// BuildLayout: the places and bodies of the plan, from a fixed seed so that
// they are the same whatever seed varies the people.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "app/demo/builders.h"
#include "app/demo/layout.h"
#include "app/demo/names.h"
#include "app/demo/rng.h"

namespace civicgrid::app::demo {

// Splits `total` in proportion to the weights, largest remainders first and
// ties to the lower index: integer arithmetic, the same everywhere.
std::vector<int> Apportion(int total, const std::vector<int>& weights) {
  const int64_t sum = std::accumulate(weights.begin(), weights.end(), int64_t{0});
  std::vector<int> out(weights.size());
  std::vector<int64_t> remainder(weights.size());
  int given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const int64_t share = int64_t{total} * weights[i];
    out[i] = static_cast<int>(share / sum);
    remainder[i] = share % sum;
    given += out[i];
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  for (int k = 0; k < total - given; ++k) ++out[order[static_cast<size_t>(k)]];
  return out;
}

namespace {

constexpr uint64_t kLayoutSeed = 131022;
constexpr core::LonLat kCountySeat{116.30, 39.44};  // 固安镇, WGS-84
constexpr int kMinGridsPerCommunity = 4;
constexpr int kCompoundsPerCommunity = 2;
constexpr std::array<int, 4> kBuildingsPerGridWeights = {15, 35, 30, 20};  // 1..4 buildings
constexpr std::array<int, 3> kCompoundFloors = {6, 11, 18};

std::string ChildCode(const std::string& parent, int n) {
  return fmt::format("{}{:03d}", parent, n);
}

// 统一社会信用代码 (GB 32100-2015): registration authority and type, region,
// a GB 11714 organisation code with its own check character, and a final
// mod-31 check character.
constexpr std::string_view kCreditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kCreditWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> kOrgCodeWeights = {3, 7, 9, 10, 5, 8, 4, 2};

std::string_view CreditPrefix(UnitKind kind) {
  switch (kind) {
    case UnitKind::kGovernment:
      return "11";  // 机构编制, 机关
    case UnitKind::kPublicInstitution:
      return "12";  // 机构编制, 事业单位
    case UnitKind::kSocialOrganisation:
      return "51";  // 民政, 社会团体
    case UnitKind::kEnterprise:
    case UnitKind::kPropertyCompany:
      break;
  }
  return "91";  // 工商, 企业
}

char OrgCodeCheck(std::string_view digits8) {
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) sum += (digits8[i] - '0') * kOrgCodeWeights[i];
  const int check = 11 - sum % 11;
  if (check == 10) return 'X';
  return check == 11 ? '0' : static_cast<char>('0' + check);
}

char CreditCheck(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    sum += static_cast<int>(kCreditChars.find(first17[i])) * kCreditWeights[i];
  }
  return kCreditChars[static_cast<size_t>((31 - sum % 31) % 31)];
}

class LayoutBuilder {
 public:
  explicit LayoutBuilder(DemoPlan& plan) : plan_(plan), rng_(kLayoutSeed) {}

  void Build() {
    AddTree();
    AddGeometry();
    AddUnits();
    AddCompoundsAndBackStreets();
    AddBuildings();
    AddServiceCenters();
    AddPartyOrgs();
    AddPairings();
  }

 private:
  int GridCount(int community) const { return first_grid_[community + 1] - first_grid_[community]; }
  const Lattice& lattice() const { return layout_->lattice(); }

  void AddTree();
  void AddGeometry();
  void AddUnits();
  void AddCompoundsAndBackStreets();
  void AddBuildings();
  void AddServiceCenters();
  void AddPartyOrgs();
  void AddGridOrgs(int community, int branches, int community_org);
  void AddPairings();
  std::string CreditCode(UnitKind kind);
  // A random order of 0..n-1 (Fisher–Yates).
  std::vector<int> Shuffled(int n);

  DemoPlan& plan_;
  Rng rng_;
  std::vector<int> first_grid_;     // per community, plus one past the last grid
  std::vector<Cell> cells_;         // per grid
  std::vector<int> grid_compound_;  // per grid, -1 when none
  std::optional<BandLayout> layout_;
};

void LayoutBuilder::AddTree() {
  plan_.county = {"131022", "固安县", kCountySeat};
  const auto names = GuanCommunityNames();
  size_t next_name = 0;
  for (const StreetSpec& spec : GuanStreets()) {
    const int street = static_cast<int>(plan_.streets.size());
    plan_.streets.push_back(
        {ChildCode(plan_.county.code, street + 1), std::string(spec.name), {}, {}});
    for (int j = 0; j < spec.communities; ++j) {
      plan_.communities.push_back({street,
                                   ChildCode(plan_.streets.back().code, j + 1),
                                   std::string(names[next_name++]),
                                   {},
                                   {}});
    }
  }
  std::vector<int> weights;
  for (int c = 0; c < kCommunities; ++c) weights.push_back(rng_.Between(60, 160));
  const std::vector<int> extra = Apportion(kGrids - kCommunities * kMinGridsPerCommunity, weights);
  for (int c = 0; c < kCommunities; ++c) {
    first_grid_.push_back(static_cast<int>(plan_.grids.size()));
    for (int j = 0; j < kMinGridsPerCommunity + extra[c]; ++j) {
      plan_.grids.push_back({c,
                             ChildCode(plan_.communities[c].code, j + 1),
                             "第" + ChineseNumber(j + 1) + "网格",
                             {},
                             {}});
    }
  }
  first_grid_.push_back(kGrids);
}

void LayoutBuilder::AddGeometry() {
  std::vector<int> per_street(plan_.streets.size());
  for (const PlanGrid& grid : plan_.grids) ++per_street[plan_.communities[grid.community].street];
  layout_.emplace(kCountySeat, per_street);
  std::vector<int> next(plan_.streets.size());
  for (PlanGrid& grid : plan_.grids) {
    const int street = plan_.communities[grid.community].street;
    const Cell cell = layout_->CellOf(street, next[street]++);
    cells_.push_back(cell);
    grid.boundary = lattice().CellPolygon(cell);
    grid.center = lattice().PointIn(cell, 0.5, 0.5);
  }
  std::vector<std::vector<core::Polygon>> street_cells(plan_.streets.size());
  for (int c = 0; c < kCommunities; ++c) {
    PlanCommunity& community = plan_.communities[c];
    std::vector<core::Polygon> cells;
    for (int g = first_grid_[c]; g < first_grid_[c + 1]; ++g)
      cells.push_back(plan_.grids[g].boundary);
    community.boundary = UnionOf(cells);
    community.center = plan_.grids[first_grid_[c] + GridCount(c) / 2].center;
    auto& mine = street_cells[community.street];
    mine.insert(mine.end(), cells.begin(), cells.end());
  }
  for (size_t s = 0; s < plan_.streets.size(); ++s) {
    plan_.streets[s].boundary = UnionOf(street_cells[s]);
    std::vector<int> members;
    for (int c = 0; c < kCommunities; ++c) {
      if (plan_.communities[c].street == static_cast<int>(s)) members.push_back(c);
    }
    plan_.streets[s].center = plan_.communities[members[members.size() / 2]].center;
  }
}

std::string LayoutBuilder::CreditCode(UnitKind kind) {
  std::string org;
  for (int i = 0; i < 8; ++i) org += static_cast<char>('0' + rng_.Below(10));
  org += OrgCodeCheck(org);
  std::string code = std::string(CreditPrefix(kind)) + plan_.county.code + org;
  code += CreditCheck(code);
  return code;
}

void LayoutBuilder::AddUnits() {
  const auto roads = RoadNames();
  for (const UnitSpec& spec : GuanUnits()) {
    PlanUnit unit;
    unit.name = std::string(spec.name);
    unit.kind = spec.kind;
    unit.credit_code = CreditCode(spec.kind);
    const auto road = roads[static_cast<size_t>(rng_.Below(static_cast<int>(roads.size())))];
    const int number = rng_.Between(1, 299);
    unit.address = fmt::format("{}{}{}号", plan_.county.name, road, number);
    const int grid = rng_.Below(kGrids);
    const double u = 0.2 + 0.6 * rng_.Unit();
    const double v = 0.2 + 0.6 * rng_.Unit();
    unit.location = lattice().PointIn(cells_[grid], u, v);
    plan_.units.push_back(std::move(unit));
  }
}

std::vector<int> LayoutBuilder::Shuffled(int n) {
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (int i = n - 1; i > 0; --i) std::swap(order[i], order[rng_.Below(i + 1)]);
  return order;
}

void LayoutBuilder::AddCompoundsAndBackStreets() {
  std::vector<int> property;
  for (int u = 0; u < kUnits; ++u) {
    if (plan_.units[u].kind == UnitKind::kPropertyCompany) property.push_back(u);
  }
  const auto stems = CompoundStems();
  const auto suffixes = CompoundSuffixes();
  const std::vector<int> stem_order = Shuffled(static_cast<int>(stems.size()));
  grid_compound_.assign(kGrids, -1);
  for (int c = 0; c < kCommunities; ++c) {
    const PlanCommunity& community = plan_.communities[c];
    int grid = first_grid_[c];
    for (int k = 0; k < kCompoundsPerCommunity; ++k) {
      const int index = static_cast<int>(plan_.compounds.size());
      PlanCompound compound;
      compound.community = c;
      compound.code = fmt::format("{}C{:02d}", community.code, k + 1);
      compound.name = std::string(stems[stem_order[index]]) +
                      std::string(suffixes[rng_.Below(static_cast<int>(suffixes.size()))]);
      compound.property_company =
          rng_.Chance(0.85) ? property[rng_.Below(static_cast<int>(property.size()))] : -1;
      compound.owners_committee = rng_.Chance(0.6);
      const int span = rng_.Between(1, 2);  // whole grids; 2 × 2 ≤ the 4 every community has
      std::vector<core::Polygon> cells;
      for (int g = grid; g < grid + span; ++g) {
        cells.push_back(plan_.grids[g].boundary);
        grid_compound_[g] = index;
      }
      compound.boundary = UnionOf(cells);
      compound.center = plan_.grids[grid].center;
      plan_.compounds.push_back(std::move(compound));
      grid += span;
    }
    const int last = first_grid_[c + 1] - 1;
    plan_.back_streets.push_back({c, community.code + "S01", std::string(BackStreetNames()[c]),
                                  lattice().PointIn(cells_[last], 0.5, 0.1)});
  }
}

void LayoutBuilder::AddBuildings() {
  for (int g = 0; g < kGrids; ++g) {
    const int count = 1 + rng_.Weighted(kBuildingsPerGridWeights);
    for (int b = 0; b < count; ++b) {
      PlanBuilding building;
      building.grid = g;
      building.compound = grid_compound_[g];
      building.code = fmt::format("{}-{:02d}", plan_.grids[g].code, b + 1);
      building.name = fmt::format("{}号楼", b + 1);
      if (building.compound >= 0) {
        building.entrances = rng_.Between(2, 4);
        building.floors = kCompoundFloors[rng_.Below(static_cast<int>(kCompoundFloors.size()))];
      } else {
        building.entrances = rng_.Between(1, 2);
        building.floors = rng_.Between(4, 6);
      }
      const double u = 0.2 + 0.6 * (b + 0.5) / count;
      const double v = 0.2 + 0.6 * rng_.Unit();
      building.location = lattice().PointIn(cells_[g], u, v);
      plan_.buildings.push_back(std::move(building));
    }
  }
}

void LayoutBuilder::AddServiceCenters() {
  const auto facilities = Facilities();
  for (int c = 0; c < kCommunities; ++c) {
    PlanServiceCenter center;
    center.community = c;
    center.name = plan_.communities[c].name + "党群服务中心";
    center.floor_area_m2 = kMinServiceCenterArea + 10 * rng_.Below(111);
    center.location = lattice().PointIn(cells_[first_grid_[c]], 0.35, 0.7);
    const std::vector<int> order = Shuffled(static_cast<int>(facilities.size()));
    const int count = rng_.Between(3, 5);
    for (int k = 0; k < count; ++k) center.facilities.emplace_back(facilities[order[k]]);
    plan_.service_centers.push_back(std::move(center));
  }
}

void LayoutBuilder::AddPartyOrgs() {
  auto add = [&](PlanPartyOrg org) {
    plan_.party_orgs.push_back(std::move(org));
    return static_cast<int>(plan_.party_orgs.size()) - 1;
  };
  const int county = add({PartyOrgKind::kCommittee, "中共固安县委员会", -1, {}, -1});
  std::vector<int> street_org;
  for (int s = 0; s < static_cast<int>(plan_.streets.size()); ++s) {
    street_org.push_back(add({PartyOrgKind::kCommittee,
                              std::string(GuanStreets()[s].party_committee),
                              county,
                              {NodeKind::kStreet, s},
                              -1}));
  }
  // Every community has a branch on its first grid; the rest of the 108 go
  // by the number of further grids.
  std::vector<int> weights;
  for (int c = 0; c < kCommunities; ++c) weights.push_back(GridCount(c) - 1);
  const std::vector<int> extra = Apportion(kGridBranches - kCommunities, weights);
  for (int c = 0; c < kCommunities; ++c) {
    const PlanCommunity& community = plan_.communities[c];
    const int org = add({PartyOrgKind::kCommittee,
                         community.name + "党委",
                         street_org[community.street],
                         {NodeKind::kCommunity, c},
                         -1});
    AddGridOrgs(c, 1 + extra[c], org);
  }
  for (int u = 0; u < kUnits; ++u) {
    const PlanUnit& unit = plan_.units[u];
    const char* suffix = unit.kind == UnitKind::kGovernment ? "机关党支部" : "党支部";
    add({PartyOrgKind::kBranch, unit.name + suffix, county, {}, u});
  }
}

// Spreads `branches` grid branches evenly over the community's grids, the
// first grid always among them; each other grid gets a group under the
// nearest branch before it.
void LayoutBuilder::AddGridOrgs(int community, int branches, int community_org) {
  const int count = GridCount(community);
  const std::string& prefix = plan_.communities[community].name;
  int branch = -1;
  for (int j = 0; j < count; ++j) {
    const int g = first_grid_[community] + j;
    const bool has_branch = j == 0 || (j * branches) / count != ((j - 1) * branches) / count;
    PlanPartyOrg org{has_branch ? PartyOrgKind::kGridBranch : PartyOrgKind::kGridGroup,
                     prefix + plan_.grids[g].name + (has_branch ? "党支部" : "党小组"),
                     has_branch ? community_org : branch,
                     {NodeKind::kGrid, g},
                     -1};
    plan_.party_orgs.push_back(std::move(org));
    if (has_branch) branch = static_cast<int>(plan_.party_orgs.size()) - 1;
  }
}

// Units u and u + 32 pair with community u mod 32, so every community has
// two; some also with a neighbouring community, a back street or a compound.
void LayoutBuilder::AddPairings() {
  for (int u = 0; u < kUnits; ++u) {
    const int c = u % kCommunities;
    plan_.pairings.push_back({u, {NodeKind::kCommunity, c}});
    if (rng_.Chance(0.35)) {
      const bool next_in_street =
          c + 1 < kCommunities && plan_.communities[c + 1].street == plan_.communities[c].street;
      plan_.pairings.push_back({u, {NodeKind::kCommunity, next_in_street ? c + 1 : c - 1}});
    }
    const UnitKind kind = plan_.units[u].kind;
    if (kind == UnitKind::kGovernment && rng_.Chance(0.5)) {
      plan_.pairings.push_back({u, {NodeKind::kBackStreet, c}});  // 路长制: one per community
    } else if (kind != UnitKind::kGovernment && kind != UnitKind::kPropertyCompany &&
               rng_.Chance(0.4)) {
      const int compound = c * kCompoundsPerCommunity + rng_.Below(kCompoundsPerCommunity);
      plan_.pairings.push_back({u, {NodeKind::kCompound, compound}});
    }
  }
}

}  // namespace

void BuildLayout(DemoPlan& plan) { LayoutBuilder(plan).Build(); }

}  // namespace civicgrid::app::demo
