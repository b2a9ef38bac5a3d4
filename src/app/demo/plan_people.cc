// BuildPeople: households and residents, party members, unit contacts, grid
// and community workers, chiefs. Every draw comes from one Rng seeded by the
// options' seed, in a fixed order; draws are never two arguments of one call
// (their order of evaluation is unspecified).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "app/demo/builders.h"
#include "app/demo/names.h"
#include "app/demo/rng.h"
#include "core/pii.h"

namespace civicgrid::app::demo {
namespace {

constexpr uint64_t kPeopleSalt = 0x9E3779B97F4A7C15ULL;  // another stream than the layout's
constexpr std::string_view kRegion = "131022";
constexpr int kOldestYear = 1935;
constexpr int kYoungestYear = 2020;
constexpr int kAdultAge = 18;
constexpr int kElderAge = 65;
constexpr std::array<int, 5> kHouseholdSizeWeights = {18, 30, 28, 16, 8};  // sizes 1..5
constexpr double kElderShareOfSingles = 0.45;  // → about 3 % of residents live alone at 65+
constexpr double kLowIncomeHouseholds = 0.02;
// Party members organised in the community's grid branches (retired, out of
// work, self-employed, mobile): a share of the adults rising with age; about
// 3 % of the residents (docs/demo.md, "Party members").
constexpr double kMemberShareYoung = 0.012;        // 18–34
constexpr double kMemberShareMiddle = 0.025;       // 35–59
constexpr double kMemberShareOld = 0.07;           // 60 and older
constexpr uint64_t kPopulationSeed = 0x504F50ULL;  // community sizes: the same for every seed
constexpr double kMobileShareOfMembers = 0.03;
constexpr int kDoorsPerFloor = 2;
constexpr int kMaxFloors = 33;           // the tallest residential towers of a county town
constexpr int kMinCommunityWorkers = 2;  // a secretary and one more
constexpr std::array<std::string_view, 36> kPhonePrefixes = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178",
    "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "198", "199"};

// A few communities are kept one short of the norm so that the staffing
// report has something to show; never the first, which the demo accounts use.
bool KeptShort(int community) { return community % 8 == 5; }

class PeopleBuilder {
 public:
  PeopleBuilder(DemoPlan& plan, uint64_t seed) : plan_(plan), rng_(seed ^ kPeopleSalt) {}

  void Build(double population_scale) {
    scale_ = population_scale;
    buildings_of_grid_.resize(plan_.grids.size());
    for (int b = 0; b < static_cast<int>(plan_.buildings.size()); ++b) {
      buildings_of_grid_[plan_.buildings[b].grid].push_back(b);
    }
    // Each community's population (scaled), shared among its grids by weights
    // of 0.75–1.25; at least one resident per grid.
    const std::vector<int> populations = CommunityPopulations(Size(plan_.communities));
    std::vector<std::vector<int>> grids_of(plan_.communities.size());
    for (int g = 0; g < Size(plan_.grids); ++g) grids_of[plan_.grids[g].community].push_back(g);
    for (int c = 0; c < Size(plan_.communities); ++c) {
      std::vector<int> weights;
      for (size_t i = 0; i < grids_of[c].size(); ++i) weights.push_back(rng_.Between(75, 125));
      const int total = std::max(Size(grids_of[c]),
                                 static_cast<int>(std::lround(populations[c] * population_scale)));
      const std::vector<int> shares = Apportion(total, weights);
      for (size_t i = 0; i < grids_of[c].size(); ++i) {
        AddGridHouseholds(grids_of[c][i], std::max(1, shares[i]));
      }
    }
    is_member_.assign(plan_.residents.size(), false);
    AddResidentMembers();
    AddInServiceMembers();
    AddUnitContacts();
    AddGridWorkers();
    AddCommunityWorkers();
    AddBuildingChiefs();
    AddStreetChiefs();
  }

 private:
  bool IsAdult(int resident) const {
    return AgeOn(plan_.residents[resident].birth_date, kReferenceDate) >= kAdultAge;
  }
  int GridOf(int resident) const { return ResidentGrid(plan_, resident); }
  static int Size(const auto& v) { return static_cast<int>(v.size()); }
  char DrawSex() { return rng_.Chance(0.5) ? 'M' : 'F'; }
  int Draw(int n) { return rng_.Below(n); }

  void AddGridHouseholds(int grid, int residents);
  void AddHousehold(int building, std::string room, int size);
  int AddResident(int household, std::string name, char sex, int birth_year);
  void AddResidentMembers();
  void AddInServiceMembers();
  int InServiceMembersWanted(UnitKind kind);
  void AddInServiceMember(int resident, int party_org, int unit);
  void AddUnitContacts();
  void AddGridWorkers();
  void AddCommunityWorkers();
  void AddBuildingChiefs();
  void AddStreetChiefs();
  core::CivilDate DrawDate(core::CivilDate from, core::CivilDate to);
  std::string NewIdNumber(core::CivilDate birth, char sex);
  std::string NewPhone();
  std::vector<std::string> DrawSkills(int min, int max);
  int PickAdult(const std::vector<int>& preferred, const std::vector<int>& others);

  DemoPlan& plan_;
  Rng rng_;
  std::unordered_set<std::string> phones_;
  std::unordered_set<std::string> id_numbers_;
  std::vector<std::vector<int>> buildings_of_grid_;
  std::vector<bool> is_member_;
  double scale_ = 1;
};

// Households go round the grid's buildings; each building's households take
// rooms spread over its entrances and floors (more floors when needed).
void PeopleBuilder::AddGridHouseholds(int grid, int residents) {
  std::vector<int> sizes;
  for (int left = residents; left > 0;) {
    const int size = std::min(1 + rng_.Weighted(kHouseholdSizeWeights), left);
    sizes.push_back(size);
    left -= size;
  }
  const std::vector<int>& buildings = buildings_of_grid_[grid];
  const int n = static_cast<int>(buildings.size());
  std::vector<std::vector<int>> per_building(buildings.size());
  for (size_t h = 0; h < sizes.size(); ++h) per_building[h % buildings.size()].push_back(sizes[h]);
  for (int i = 0; i < n; ++i) {
    const int count = static_cast<int>(per_building[i].size());
    PlanBuilding& building = plan_.buildings[buildings[i]];
    // Two doors a floor; a tower that would need more than 33 floors gets
    // four (两梯四户), then more entrances.
    const int doors = count > kDoorsPerFloor * kMaxFloors * building.entrances ? 2 * kDoorsPerFloor
                                                                               : kDoorsPerFloor;
    building.entrances =
        std::max(building.entrances, (count + doors * kMaxFloors - 1) / (doors * kMaxFloors));
    const int per_floor = doors * building.entrances;
    building.floors = std::max(building.floors, (count + per_floor - 1) / per_floor);
    const int per_entrance = doors * building.floors;
    const int capacity = per_entrance * building.entrances;
    for (int k = 0; k < count; ++k) {
      const int slot = k * capacity / count;  // distinct because count ≤ capacity
      const int entrance = slot / per_entrance + 1;
      const int floor = slot % per_entrance / doors + 1;
      const int door = slot % doors + 1;
      AddHousehold(buildings[i], fmt::format("{}-{}{:02d}", entrance, floor, door),
                   per_building[i][k]);
    }
  }
}

// One person living alone (often an elder), or a couple with children and
// sometimes a parent of the husband or wife.
void PeopleBuilder::AddHousehold(int building, std::string room, int size) {
  const int household = static_cast<int>(plan_.households.size());
  plan_.households.push_back({building, std::move(room)});
  const int first = static_cast<int>(plan_.residents.size());
  const bool low_income = rng_.Chance(kLowIncomeHouseholds);
  if (size == 1) {
    const bool elder = rng_.Chance(kElderShareOfSingles);
    const char sex = DrawSex();
    // Born by 1958: 65 or older on kReferenceDate whatever the day.
    const int year = elder ? rng_.Between(kOldestYear, kReferenceDate.year - kElderAge - 1)
                           : rng_.Between(1960, 2002);
    const int r = AddResident(household, PersonName(rng_, sex), sex, year);
    plan_.residents[r].elder_alone = elder;
  } else {
    const std::string surname(DrawSurname(rng_));
    const int husband = rng_.Between(1940, 1999);
    const int wife = std::clamp(husband + rng_.Between(-2, 5), kOldestYear, 2002);
    AddResident(household, surname + GivenName(rng_, 'M'), 'M', husband);
    AddResident(household, PersonName(rng_, 'F'), 'F', wife);
    const int parents = std::max(husband, wife);
    for (int i = 2; i < size; ++i) {
      const char sex = DrawSex();
      if (i == 4 && husband >= 1962) {
        const int year = std::max(kOldestYear, husband - rng_.Between(24, 32));
        AddResident(household, sex == 'M' ? surname + GivenName(rng_, sex) : PersonName(rng_, sex),
                    sex, year);
        continue;
      }
      const int year = rng_.Between(std::min(parents + 22, kYoungestYear),
                                    std::min(parents + 38, kYoungestYear));
      AddResident(household, surname + GivenName(rng_, sex), sex, year);
    }
  }
  for (int r = first; r < static_cast<int>(plan_.residents.size()); ++r) {
    plan_.residents[r].low_income = low_income;
  }
}

int PeopleBuilder::AddResident(int household, std::string name, char sex, int birth_year) {
  PlanResident resident;
  resident.household = household;
  resident.name = std::move(name);
  resident.sex = sex;
  resident.birth_date = DrawDate({birth_year, 1, 1}, {birth_year, 12, 31});
  resident.id_number = NewIdNumber(resident.birth_date, sex);
  const int age = AgeOn(resident.birth_date, kReferenceDate);
  if (age >= 16 && rng_.Chance(age >= 80 ? 0.6 : 0.95)) resident.phone = NewPhone();
  resident.disabled = rng_.Chance(age >= 60 ? 0.045 : 0.01);
  resident.veteran = sex == 'M' && age >= 35 && rng_.Chance(0.02);
  plan_.residents.push_back(std::move(resident));
  return static_cast<int>(plan_.residents.size()) - 1;
}

core::CivilDate PeopleBuilder::DrawDate(core::CivilDate from, core::CivilDate to) {
  const int64_t first = core::DaysFromCivil(from);
  const auto span = static_cast<int>(core::DaysFromCivil(to) - first + 1);
  return core::CivilFromDays(first + rng_.Below(span));
}

// Region, birth date, a two-digit sequence, the sex digit (odd for men) and
// the check character; drawn again on the rare collision.
std::string PeopleBuilder::NewIdNumber(core::CivilDate birth, char sex) {
  for (;;) {
    const int sequence = rng_.Below(100);
    const int sex_digit = 2 * rng_.Below(5) + (sex == 'M' ? 1 : 0);
    std::string id = fmt::format("{}{:04d}{:02d}{:02d}{:02d}{}", kRegion, birth.year, birth.month,
                                 birth.day, sequence, sex_digit);
    id += core::IdNumberCheckChar(id);
    if (id_numbers_.insert(id).second) return id;
  }
}

std::string PeopleBuilder::NewPhone() {
  for (;;) {
    const std::string_view prefix = kPhonePrefixes[Draw(static_cast<int>(kPhonePrefixes.size()))];
    const int number = Draw(100'000'000);
    std::string phone = fmt::format("{}{:08d}", prefix, number);
    if (phones_.insert(phone).second) return phone;
  }
}

std::vector<std::string> PeopleBuilder::DrawSkills(int min, int max) {
  const auto skills = Skills();
  const int count = rng_.Between(min, max);
  std::vector<std::string> out;
  while (static_cast<int>(out.size()) < count) {
    std::string skill(skills[Draw(static_cast<int>(skills.size()))]);
    if (std::find(out.begin(), out.end(), skill) == out.end()) out.push_back(std::move(skill));
  }
  return out;
}

void PeopleBuilder::AddResidentMembers() {
  std::vector<int> grid_org(plan_.grids.size(), -1);
  for (int o = 0; o < static_cast<int>(plan_.party_orgs.size()); ++o) {
    const NodeRef node = plan_.party_orgs[o].node;
    if (node.kind == NodeKind::kGrid) grid_org[node.index] = o;
  }
  for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r) {
    if (!IsAdult(r)) continue;
    const int age = AgeOn(plan_.residents[r].birth_date, kReferenceDate);
    const double share = age >= 60   ? kMemberShareOld
                         : age >= 35 ? kMemberShareMiddle
                                     : kMemberShareYoung;
    if (!rng_.Chance(share)) continue;
    PlanPartyMember member;
    member.resident = r;
    member.party_org = grid_org[GridOf(r)];
    member.community = plan_.grids[GridOf(r)].community;
    member.skills = DrawSkills(0, 2);
    member.mobile = rng_.Chance(kMobileShareOfMembers);
    plan_.party_members.push_back(std::move(member));
    is_member_[r] = true;
  }
}

// Members working at each unit, drawn from working-age residents who are not
// members yet; each registers with the community where they live (双报到).
// The first lives in the community the unit pairs with first, so that every
// community — the first one above all, which the demo accounts use — has
// in-service members registered with it.
void PeopleBuilder::AddInServiceMembers() {
  constexpr int kTriesPerMember = 8;  // draws of a resident who is not a member, aged 22–60
  std::vector<std::vector<int>> living(plan_.communities.size());
  for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r) {
    if (IsAdult(r)) living[plan_.grids[GridOf(r)].community].push_back(r);
  }
  for (int o = 0; o < static_cast<int>(plan_.party_orgs.size()); ++o) {
    const int unit = plan_.party_orgs[o].unit;
    if (unit < 0) continue;
    const auto paired = std::find_if(plan_.pairings.begin(), plan_.pairings.end(),
                                     [&](const PlanPairing& p) { return p.unit == unit; });
    const std::vector<int>& near = living[paired->target.index];
    const int wanted = InServiceMembersWanted(plan_.units[unit].kind);
    const int max_tries = 100 + kTriesPerMember * wanted;
    for (int k = 0, tries = 0; k < wanted && tries < max_tries; ++tries) {
      const bool first = k == 0 && tries < 100 && !near.empty();
      const int r = first ? near[Draw(static_cast<int>(near.size()))]
                          : Draw(static_cast<int>(plan_.residents.size()));
      const int age = AgeOn(plan_.residents[r].birth_date, kReferenceDate);
      if (is_member_[r] || age < 22 || age > 60) continue;
      AddInServiceMember(r, o, unit);
      ++k;
    }
  }
}

// In-service members of each paired unit who live in the county, at scale 1:
// a bureau or a school or hospital has a hundred or so, a company tens, a
// property company or social organisation a handful (about 2 % of the
// residents in all). Scaled with the population, at least one.
int PeopleBuilder::InServiceMembersWanted(UnitKind kind) {
  int wanted = 0;
  switch (kind) {
    case UnitKind::kGovernment:
      wanted = rng_.Between(80, 130);
      break;
    case UnitKind::kPublicInstitution:
      wanted = rng_.Between(60, 120);
      break;
    case UnitKind::kEnterprise:
      wanted = rng_.Between(20, 50);
      break;
    case UnitKind::kPropertyCompany:
    case UnitKind::kSocialOrganisation:
      wanted = rng_.Between(4, 12);
      break;
  }
  return std::max(1, static_cast<int>(std::lround(wanted * scale_)));
}

void PeopleBuilder::AddInServiceMember(int resident, int party_org, int unit) {
  PlanPartyMember member;
  member.resident = resident;
  member.party_org = party_org;
  member.unit = unit;
  member.community = plan_.grids[GridOf(resident)].community;
  member.registered_on = DrawDate({2019, 1, 1}, {2024, 6, 30});
  member.skills = DrawSkills(1, 2);
  plan_.party_members.push_back(std::move(member));
  is_member_[resident] = true;
}

void PeopleBuilder::AddUnitContacts() {
  for (PlanUnit& unit : plan_.units) {
    const char sex = DrawSex();
    unit.contact_name = PersonName(rng_, sex);
    unit.contact_phone = NewPhone();
  }
}

// One full-time worker per grid but the last, which shares the worker of the
// grid before it (245 for 246 grids); three or four part-time workers per
// grid, 925 in all.
void PeopleBuilder::AddGridWorkers() {
  static_assert(kFullTimeGridWorkers == kGrids - 1);
  auto add = [&](int grid, bool full_time, char sex) {
    plan_.grid_workers.push_back(
        {plan_.grids[grid].community, PersonName(rng_, sex), sex, NewPhone(), full_time, {grid}});
  };
  for (int g = 0; g < kFullTimeGridWorkers; ++g) add(g, true, rng_.Chance(0.6) ? 'F' : 'M');
  plan_.grid_workers.back().grids.push_back(kGrids - 1);
  constexpr int kBase = kPartTimeGridWorkers / kGrids;
  constexpr int kExtra = kPartTimeGridWorkers % kGrids;
  for (int g = 0; g < kGrids; ++g) {
    const int count = kBase + (g + 1) * kExtra / kGrids - g * kExtra / kGrids;
    for (int k = 0; k < count; ++k) add(g, false, DrawSex());
  }
}

void PeopleBuilder::AddCommunityWorkers() {
  std::vector<int> residents(plan_.communities.size());
  for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r) {
    ++residents[plan_.grids[GridOf(r)].community];
  }
  for (int c = 0; c < static_cast<int>(plan_.communities.size()); ++c) {
    const int required = RequiredCommunityWorkers(residents[c]);
    // One short of the norm in a few communities, but never without a secretary.
    const int count =
        KeptShort(c) ? std::max(1, required - 1) : std::max(required, kMinCommunityWorkers);
    for (int k = 0; k < count; ++k) {
      const char sex = rng_.Chance(0.65) ? 'F' : 'M';
      plan_.community_workers.push_back({c, PersonName(rng_, sex), sex, NewPhone(), k == 0});
    }
  }
}

// A preferred adult if there is one, else any adult of `others`.
int PeopleBuilder::PickAdult(const std::vector<int>& preferred, const std::vector<int>& others) {
  if (!preferred.empty()) return preferred[Draw(static_cast<int>(preferred.size()))];
  std::vector<int> adults;
  for (int r : others) {
    if (IsAdult(r)) adults.push_back(r);
  }
  return adults.empty() ? -1 : adults[Draw(static_cast<int>(adults.size()))];
}

// A party member of the building when there is one, else an adult of the
// building, else of the grid (every household has an adult).
void PeopleBuilder::AddBuildingChiefs() {
  std::vector<std::vector<int>> living(plan_.buildings.size());
  std::vector<std::vector<int>> members(plan_.buildings.size());
  for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r) {
    const int b = plan_.households[plan_.residents[r].household].building;
    living[b].push_back(r);
    if (is_member_[r]) members[b].push_back(r);
  }
  for (int b = 0; b < static_cast<int>(plan_.buildings.size()); ++b) {
    int chief = PickAdult(members[b], living[b]);
    if (chief < 0) {
      std::vector<int> neighbours;
      for (int other : buildings_of_grid_[plan_.buildings[b].grid]) {
        neighbours.insert(neighbours.end(), living[other].begin(), living[other].end());
      }
      chief = PickAdult({}, neighbours);
    }
    plan_.chiefs.push_back({{NodeKind::kBuilding, b}, chief});
  }
}

// A party member living in the community, else any adult of it.
void PeopleBuilder::AddStreetChiefs() {
  std::vector<std::vector<int>> living(plan_.communities.size());
  std::vector<std::vector<int>> members(plan_.communities.size());
  for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r) {
    living[plan_.grids[GridOf(r)].community].push_back(r);
  }
  for (const PlanPartyMember& m : plan_.party_members) members[m.community].push_back(m.resident);
  for (int s = 0; s < static_cast<int>(plan_.back_streets.size()); ++s) {
    const int c = plan_.back_streets[s].community;
    plan_.chiefs.push_back({{NodeKind::kBackStreet, s}, PickAdult(members[c], living[c])});
  }
}

}  // namespace

void BuildPeople(DemoPlan& plan, uint64_t seed, double population_scale) {
  PeopleBuilder(plan, seed).Build(population_scale);
}

// Drawn from a fixed stream, skewed towards the smaller end (5,000 + 4,500 ×
// u^1.4 has mean 6,875 = 220,000 / 32), then nudged one resident at a time,
// within the bounds, until they add up to kCountyResidents exactly.
std::vector<int> CommunityPopulations(int communities) {
  Rng rng(kPopulationSeed);
  std::vector<int> out;
  int64_t sum = 0;
  for (int c = 0; c < communities; ++c) {
    const double u = rng.Unit();
    out.push_back(
        kMinCommunityResidents +
        static_cast<int>((kMaxCommunityResidents - kMinCommunityResidents) * std::pow(u, 1.4)));
    sum += out.back();
  }
  const int64_t target = int64_t{kCountyResidents} * communities / kCommunities;
  for (int c = 0; communities > 0 && sum != target; c = (c + 1) % communities) {
    if (sum < target && out[c] < kMaxCommunityResidents) {
      ++out[c];
      ++sum;
    } else if (sum > target && out[c] > kMinCommunityResidents) {
      --out[c];
      --sum;
    }
  }
  return out;
}

}  // namespace civicgrid::app::demo
