#include "app/demo/demo_plan.h"

#include <array>
#include <utility>

#include "app/demo/builders.h"

namespace civicgrid::app::demo {
namespace {

constexpr std::string_view kGuanProfile = "guan";
constexpr int kCommunityWorkersPer10k = 18;

template <typename Kind, size_t N>
std::string_view NameOf(const std::array<std::pair<Kind, std::string_view>, N>& names, Kind kind) {
  for (const auto& [k, name] : names) {
    if (k == kind) return name;
  }
  return names[0].second;
}

constexpr std::array<std::pair<NodeKind, std::string_view>, 7> kNodeKinds = {{
    {NodeKind::kCounty, "county"},
    {NodeKind::kStreet, "street"},
    {NodeKind::kCommunity, "community"},
    {NodeKind::kGrid, "grid"},
    {NodeKind::kBuilding, "building"},
    {NodeKind::kCompound, "compound"},
    {NodeKind::kBackStreet, "back_street"},
}};

constexpr std::array<std::pair<PartyOrgKind, std::string_view>, 7> kPartyOrgKinds = {{
    {PartyOrgKind::kCommittee, "committee"},
    {PartyOrgKind::kGeneralBranch, "general_branch"},
    {PartyOrgKind::kBranch, "branch"},
    {PartyOrgKind::kGridBranch, "grid_branch"},
    {PartyOrgKind::kGridGroup, "grid_group"},
    {PartyOrgKind::kBuildingGroup, "building_group"},
    {PartyOrgKind::kFunctionalBranch, "functional_branch"},
}};

constexpr std::array<std::pair<UnitKind, std::string_view>, 5> kUnitKinds = {{
    {UnitKind::kGovernment, "government"},
    {UnitKind::kPublicInstitution, "public_institution"},
    {UnitKind::kEnterprise, "enterprise"},
    {UnitKind::kPropertyCompany, "property_company"},
    {UnitKind::kSocialOrganisation, "social_organisation"},
}};

core::Status Validate(const DemoOptions& options) {
  if (options.profile != kGuanProfile) {
    return core::Error::Invalid("profile",
                                "未知的演示数据方案: " + options.profile + "（可选: guan）");
  }
  if (!(options.population_scale >= kMinPopulationScale &&
        options.population_scale <= kMaxPopulationScale)) {
    return core::Error::Invalid("population_scale", "人口比例应在 0.001 到 1 之间");
  }
  return core::Ok();
}

// The first index in [0, n) for which `pred` holds, or -1.
template <typename Pred>
int FindFirst(int n, Pred pred) {
  for (int i = 0; i < n; ++i) {
    if (pred(i)) return i;
  }
  return -1;
}

int Size(const auto& v) { return static_cast<int>(v.size()); }

int FullTimeWorkerOf(const DemoPlan& plan, int grid) {
  return FindFirst(Size(plan.grid_workers), [&](int w) {
    return plan.grid_workers[w].full_time && plan.grid_workers[w].grids.front() == grid;
  });
}

PlanAccount GridWorkerAccount(const DemoPlan& plan, std::string username, int community) {
  const int grid =
      FindFirst(Size(plan.grids), [&](int g) { return plan.grids[g].community == community; });
  const int worker = FullTimeWorkerOf(plan, grid);
  PlanAccount account{
      std::move(username), plan.grid_workers[worker].name, "grid_worker", {NodeKind::kGrid, grid}};
  account.grid_worker = worker;
  return account;
}

PlanAccount CommunityWorkerAccount(const DemoPlan& plan, std::string username, bool secretary) {
  const int worker = FindFirst(Size(plan.community_workers), [&](int w) {
    return plan.community_workers[w].community == 0 &&
           plan.community_workers[w].secretary == secretary;
  });
  PlanAccount account{std::move(username),
                      plan.community_workers[worker].name,
                      secretary ? "community_secretary" : "community_worker",
                      {NodeKind::kCommunity, 0}};
  account.community_worker = worker;
  return account;
}

// An in-service member registered with the first community, else any member
// living there; failing both (tiny plans), the first member anywhere.
PlanAccount MemberAccount(const DemoPlan& plan) {
  const auto& members = plan.party_members;
  int member = FindFirst(Size(members),
                         [&](int m) { return members[m].community == 0 && members[m].unit >= 0; });
  if (member < 0)
    member = FindFirst(Size(members), [&](int m) { return members[m].community == 0; });
  if (member < 0) member = 0;
  const int resident = members[member].resident;
  PlanAccount account{"member1",
                      plan.residents[resident].name,
                      "party_member",
                      {NodeKind::kCommunity, members[member].community}};
  account.party_member = member;
  account.resident = resident;
  account.unit = members[member].unit;
  return account;
}

// An adult of the first community with a phone who is not a party member;
// failing that (tiny plans), anyone living there.
PlanAccount ResidentAccount(const DemoPlan& plan) {
  std::vector<bool> member(plan.residents.size(), false);
  for (const PlanPartyMember& m : plan.party_members) member[m.resident] = true;
  int resident = FindFirst(Size(plan.residents), [&](int r) {
    return !member[r] && plan.residents[r].phone && ResidentCommunity(plan, r) == 0 &&
           AgeOn(plan.residents[r].birth_date, kReferenceDate) >= 18;
  });
  if (resident < 0) {
    resident =
        FindFirst(Size(plan.residents), [&](int r) { return ResidentCommunity(plan, r) == 0; });
  }
  PlanAccount account{
      "resident1", plan.residents[resident].name, "resident", {NodeKind::kCommunity, 0}};
  account.resident = resident;
  return account;
}

}  // namespace

std::string_view NodeKindName(NodeKind kind) { return NameOf(kNodeKinds, kind); }
std::string_view PartyOrgKindName(PartyOrgKind kind) { return NameOf(kPartyOrgKinds, kind); }
std::string_view UnitKindName(UnitKind kind) { return NameOf(kUnitKinds, kind); }

core::Result<DemoPlan> MakePlan(const DemoOptions& options) {
  CG_TRY(Validate(options));
  DemoPlan plan;
  BuildLayout(plan);
  BuildPeople(plan, options.seed, options.population_scale);
  BuildAccounts(plan);
  return plan;
}

// Units are county-level bodies: a unit admin's scope is the county, and the
// unit link holds them to their own unit.
void BuildAccounts(DemoPlan& plan) {
  auto& accounts = plan.accounts;
  accounts.push_back(
      {"admin", plan.county.name + "管理员", "county_admin", {NodeKind::kCounty, 0}});
  accounts.push_back(
      {"street1", plan.streets[0].name + "管理员", "street_admin", {NodeKind::kStreet, 0}});
  accounts.push_back(CommunityWorkerAccount(plan, "secretary1", true));
  accounts.push_back(CommunityWorkerAccount(plan, "worker1", false));
  accounts.push_back(GridWorkerAccount(plan, "grid1", 0));
  accounts.push_back(GridWorkerAccount(plan, "grid2", 1));
  PlanAccount unit{"unit1", plan.units[0].contact_name, "unit_admin", {NodeKind::kCounty, 0}};
  unit.unit = 0;
  accounts.push_back(std::move(unit));
  accounts.push_back(MemberAccount(plan));
  accounts.push_back(ResidentAccount(plan));
}

const std::string& NodeCode(const DemoPlan& plan, NodeRef node) {
  switch (node.kind) {
    case NodeKind::kCounty:
      return plan.county.code;
    case NodeKind::kStreet:
      return plan.streets[node.index].code;
    case NodeKind::kCommunity:
      return plan.communities[node.index].code;
    case NodeKind::kGrid:
      return plan.grids[node.index].code;
    case NodeKind::kBuilding:
      return plan.buildings[node.index].code;
    case NodeKind::kCompound:
      return plan.compounds[node.index].code;
    case NodeKind::kBackStreet:
      return plan.back_streets[node.index].code;
  }
  return plan.county.code;
}

int ResidentGrid(const DemoPlan& plan, int resident) {
  const int building = plan.households[plan.residents[resident].household].building;
  return plan.buildings[building].grid;
}

int ResidentCommunity(const DemoPlan& plan, int resident) {
  return plan.grids[ResidentGrid(plan, resident)].community;
}

int AgeOn(core::CivilDate birth, core::CivilDate on) {
  const bool had_birthday =
      on.month > birth.month || (on.month == birth.month && on.day >= birth.day);
  return on.year - birth.year - (had_birthday ? 0 : 1);
}

int RequiredCommunityWorkers(int residents) {
  return (residents * kCommunityWorkersPer10k + 9999) / 10000;
}

}  // namespace civicgrid::app::demo
