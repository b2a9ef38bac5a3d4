// DemoPlan: a whole county of demo data — the org tree with grid boundaries,
// party organisations, staff, units and their pairings, service centres,
// households, residents, party members and demo accounts — made in memory
// from a profile and a seed, with no database and no I/O. A loader (the
// `demo` command) walks the vectors in the order they are declared and
// creates the rows; every reference is an index into a vector of the same
// plan that the loader has already walked (or a NodeRef into the tree), so
// parents always come first. Kinds are spelled as domain/registry spells them.
//
// The "guan" profile follows the published figures of 固安县, Hebei (seed
// document 001): 32 communities divided into 246 grids, 108 grid branches and
// 138 grid groups, 245 full-time and 925 part-time grid workers, 64 paired
// units, 32 party-and-people service centres of at least 500 m². Every name,
// person, place and number beyond those figures is invented.
//
// Deterministic: the same options give an identical plan on every platform
// (own PRNG, no standard distributions, no clock). The layout — tree,
// geometry, party organisations, units, pairings — depends on the profile
// alone, so codes and boundaries stay put; the seed varies the people.
// Free functions over value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/geo.h"
#include "core/time.h"

namespace civicgrid::app::demo {

struct DemoOptions {
  std::string profile = "guan";  // the only profile so far: 固安县 (131022)
  uint64_t seed = 1;             // varies the people; same seed, same plan
  // The share of the county's population to make, 0.001..1: 1 (what `make
  // run` loads) gives communities of 5,000–9,500 residents, about 220,000 in
  // all; tests load a small share (0.005 gives about 1,100). Everything the
  // seeds count — communities, grids, branches, grid workers, units, centres —
  // stays exact at any scale; residents, in-service members and community
  // workers scale.
  double population_scale = 1.0;
};

// The population the "guan" profile gives at scale 1: every community holds
// between these (the seeds' communities: 沧州 丽水社区 "7000多人", 滦平 鑫港社区
// 9,156), the county about kCountyResidents.
inline constexpr int kMinCommunityResidents = 5000;
inline constexpr int kMaxCommunityResidents = 9500;
inline constexpr int kCountyResidents = 220000;

// Ages are taken on this date (the 固安 figures are from 2024) so that a plan
// never depends on the clock.
inline constexpr core::CivilDate kReferenceDate{2024, 7, 1};

// ---------------------------------------------------------------------------
// The org tree

// A level of the org tree; names as domain::OrgKindName writes them.
enum class NodeKind { kCounty, kStreet, kCommunity, kGrid, kBuilding, kCompound, kBackStreet };
std::string_view NodeKindName(NodeKind kind);

// A node of the plan's tree: `index` into the vector for `kind` (always 0 for
// the county).
struct NodeRef {
  NodeKind kind = NodeKind::kCounty;
  int index = 0;
};

struct PlanCounty {
  std::string code;     // GB/T 2260, "131022"
  std::string name;     // "固安县"
  core::LonLat center;  // the county seat, WGS-84
};

struct PlanStreet {
  std::string code;             // county code + 3 digits, "131022001"
  std::string name;             // "固安镇"
  core::MultiPolygon boundary;  // union of its communities
  core::LonLat center;          // inside the boundary
};

struct PlanCommunity {
  int street = 0;
  std::string code;             // street code + 3 digits
  std::string name;             // "东方街北社区"
  core::MultiPolygon boundary;  // union of its grids: one contiguous polygon
  core::LonLat center;          // inside the boundary
};

struct PlanGrid {
  int community = 0;
  std::string code;        // community code + 3 digits
  std::string name;        // "第三网格"
  core::Polygon boundary;  // a closed counter-clockwise quadrilateral about 300 m across
  core::LonLat center;     // inside the boundary
};

struct PlanBuilding {
  int grid = 0;
  int compound = -1;      // the compound it stands in, -1 when none
  std::string code;       // grid code + "-" + 2 digits
  std::string name;       // "1号楼"
  int entrances = 1;      // 单元
  int floors = 6;         // raised beyond the layout's when the residents need more rooms
  core::LonLat location;  // inside the grid
};

// A residential estate; it overlaps one or two whole grids of its community.
struct PlanCompound {
  int community = 0;
  std::string code;               // community code + "C" + 2 digits
  std::string name;               // "幸福家园"
  int property_company = -1;      // unit index of its property company, -1 when self-managed
  bool owners_committee = false;  // 业委会
  core::MultiPolygon boundary;
  core::LonLat center;
};

struct PlanBackStreet {
  int community = 0;
  std::string code;       // community code + "S" + 2 digits
  std::string name;       // "槐树胡同"
  core::LonLat location;  // inside the community
};

struct PlanServiceCenter {
  int community = 0;
  std::string name;                     // "东方街北社区党群服务中心"
  int floor_area_m2 = 0;                // at least 500 in 固安
  core::LonLat location;                // inside the community
  std::vector<std::string> facilities;  // 党群会客厅, 老年食堂, 四点半课堂 …
};

// ---------------------------------------------------------------------------
// Party organisations and units

// Names as domain::PartyOrgKindName writes them.
enum class PartyOrgKind {
  kCommittee,  // 县委, 街道党(工)委, 社区党委
  kGeneralBranch,
  kBranch,      // a unit's own branch
  kGridBranch,  // 网格党支部
  kGridGroup,   // 网格党小组
  kBuildingGroup,
  kFunctionalBranch,
};
std::string_view PartyOrgKindName(PartyOrgKind kind);

// The tree: county committee → street committees → community committees →
// grid branches → grid groups; units' branches sit under the county
// committee. Every grid has exactly one grid branch or grid group.
struct PlanPartyOrg {
  PartyOrgKind kind = PartyOrgKind::kCommittee;
  std::string name;  // "东方街北社区第三网格党支部"
  int parent = -1;   // index of the parent org (always smaller), -1 for the root
  NodeRef node;      // where it sits in the org tree (units' branches: the county)
  int unit = -1;     // the unit whose branch this is, -1 otherwise
};

// Names as domain::UnitKindName writes them.
enum class UnitKind {
  kGovernment,          // 机关
  kPublicInstitution,   // 事业单位
  kEnterprise,          // 企业
  kPropertyCompany,     // 物业公司
  kSocialOrganisation,  // 社会组织
};
std::string_view UnitKindName(UnitKind kind);

// A 驻区单位. It sits at the county node.
struct PlanUnit {
  std::string name;  // "县委组织部"
  UnitKind kind = UnitKind::kGovernment;
  std::string credit_code;  // 统一社会信用代码, valid check characters
  std::string address;
  std::string contact_name;
  std::string contact_phone;
  core::LonLat location;  // inside some grid of the county seat
};

// 包联: a unit paired with a community, compound or back street.
struct PlanPairing {
  int unit = 0;
  NodeRef target;
};

// ---------------------------------------------------------------------------
// People

struct PlanHousehold {
  int building = 0;
  std::string room;  // entrance-floor+door, "2-301"; unique within the building
};

struct PlanResident {
  int household = 0;
  std::string name;
  char sex = 'M';                    // 'M' / 'F', agrees with the ID number's 17th digit
  core::CivilDate birth_date;        // agrees with the ID number
  std::string id_number;             // 18 characters, region 131022, valid check character
  std::optional<std::string> phone;  // none for children and some elders
  bool elder_alone = false;          // 65 or older at kReferenceDate and alone in the household
  bool disabled = false;
  bool low_income = false;  // the whole household
  bool veteran = false;
};

// A party member; name, ID number and phone are the resident's.
struct PlanPartyMember {
  int resident = 0;
  int party_org = 0;  // their grid's branch or group; in-service members: their unit's branch
  int unit = -1;      // in-service (在职党员) at this unit, -1 otherwise
  int community = 0;  // where they live; in-service members register (双报到) here
  std::optional<core::CivilDate> registered_on;  // in-service members only
  std::vector<std::string> skills;               // from the service list: 维修, 医疗 …
  bool mobile = false;                           // 流动党员
};

// 网格员. Full-time workers look after one grid (one of them two); part-time
// workers one grid each.
struct PlanGridWorker {
  int community = 0;
  std::string name;
  char sex = 'M';
  std::string phone;
  bool full_time = true;
  std::vector<int> grids;  // grid indices, all in `community`
};

// 社区工作者; the first of each community is its party secretary.
struct PlanCommunityWorker {
  int community = 0;
  std::string name;
  char sex = 'M';
  std::string phone;
  bool secretary = false;  // 社区党组织书记
};

// 楼长 (node: a building) or 路长 (node: a back street): an adult resident of
// the same grid (building chiefs) or community (street chiefs).
struct PlanChief {
  NodeRef node;
  int resident = 0;
};

// ---------------------------------------------------------------------------
// Accounts

// A demo login. `role` as domain::RoleName writes it; the links say which
// person or unit the account acts for (-1: none).
struct PlanAccount {
  // admin, street1, secretary1, worker1, grid1, grid2, unit1, member1, resident1
  std::string username;
  std::string display_name;
  std::string role;  // county_admin, street_admin, … resident
  NodeRef scope;
  int unit = -1;
  int party_member = -1;
  int resident = -1;
  int grid_worker = -1;
  int community_worker = -1;
};

// ---------------------------------------------------------------------------

struct DemoPlan {
  PlanCounty county;
  std::vector<PlanStreet> streets;
  std::vector<PlanCommunity> communities;
  std::vector<PlanGrid> grids;
  std::vector<PlanUnit> units;
  std::vector<PlanCompound> compounds;
  std::vector<PlanBackStreet> back_streets;
  std::vector<PlanBuilding> buildings;
  std::vector<PlanServiceCenter> service_centers;
  std::vector<PlanPartyOrg> party_orgs;
  std::vector<PlanPairing> pairings;
  std::vector<PlanHousehold> households;
  std::vector<PlanResident> residents;
  std::vector<PlanPartyMember> party_members;
  std::vector<PlanGridWorker> grid_workers;
  std::vector<PlanCommunityWorker> community_workers;
  std::vector<PlanChief> chiefs;
  std::vector<PlanAccount> accounts;
};

// The range of DemoOptions::population_scale.
inline constexpr double kMinPopulationScale = 0.001;
inline constexpr double kMaxPopulationScale = 1.0;

// Makes the plan. An unknown profile is Invalid on field "profile", a
// population_scale outside 0.001..1 Invalid on "population_scale".
[[nodiscard]] core::Result<DemoPlan> MakePlan(const DemoOptions& options);

// The code of a node of the plan.
const std::string& NodeCode(const DemoPlan& plan, NodeRef node);
// The community a resident lives in.
// The grid and the community a resident lives in (indexes into the plan).
int ResidentGrid(const DemoPlan& plan, int resident);
int ResidentCommunity(const DemoPlan& plan, int resident);
// Whole years of age on `on`.
int AgeOn(core::CivilDate birth, core::CivilDate on);
// Community workers the norm asks for: ceil(residents × 18 / 10,000).
int RequiredCommunityWorkers(int residents);
// The residents each community has at scale 1 (index: plan community), the
// same for every seed: 5,000–9,500 each, kCountyResidents in all.
std::vector<int> CommunityPopulations(int communities);

}  // namespace civicgrid::app::demo
