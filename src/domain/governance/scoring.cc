#include <cmath>

#include "domain/governance/governance_types.h"
#include "domain/tickets/enum_names.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr NameTable<RaterGroup, 4> kGroups = {{
    {RaterGroup::kCommunity, "community"},
    {RaterGroup::kOwnersCommittee, "owners_committee"},
    {RaterGroup::kPropertyCompany, "property_company"},
    {RaterGroup::kGridWorkers, "grid_workers"},
}};
constexpr NameTable<Standing, 4> kStandings = {{
    {Standing::kRed, "red"},
    {Standing::kYellow, "yellow"},
    {Standing::kBlack, "black"},
    {Standing::kUnrated, "unrated"},
}};
constexpr NameTable<PeriodState, 3> kStates = {{
    {PeriodState::kOpen, "open"},
    {PeriodState::kScoring, "scoring"},
    {PeriodState::kPublished, "published"},
}};
constexpr NameTable<CommitteeDuty, 3> kDuties = {{
    {CommitteeDuty::kDirector, "director"},
    {CommitteeDuty::kDeputy, "deputy"},
    {CommitteeDuty::kMember, "member"},
}};

}  // namespace

std::string_view RaterGroupName(RaterGroup group) { return NameIn(kGroups, group); }
core::Result<RaterGroup> ParseRaterGroup(std::string_view name, std::string_view field) {
  return ParseIn(kGroups, name, field, "评分组");
}
std::string_view StandingName(Standing standing) { return NameIn(kStandings, standing); }
core::Result<Standing> ParseStanding(std::string_view name, std::string_view field) {
  return ParseIn(kStandings, name, field, "榜单");
}
std::string_view PeriodStateName(PeriodState state) { return NameIn(kStates, state); }
core::Result<PeriodState> ParsePeriodState(std::string_view name, std::string_view field) {
  return ParseIn(kStates, name, field, "评比状态");
}
std::string_view CommitteeDutyName(CommitteeDuty duty) { return NameIn(kDuties, duty); }
core::Result<CommitteeDuty> ParseCommitteeDuty(std::string_view name, std::string_view field) {
  return ParseIn(kDuties, name, field, "业委会职务");
}

Standing StandingFor(double score, const Thresholds& thresholds) {
  if (score >= thresholds.red_min) return Standing::kRed;
  if (score < thresholds.black_below) return Standing::kBlack;
  return Standing::kYellow;
}

ScoreOutcome CombineScores(const std::array<GroupScore, kRaterGroups>& groups,
                           std::optional<double> ticket_score, int64_t ticket_weight,
                           const Thresholds& thresholds, int64_t min_groups) {
  ScoreOutcome out;
  double weighted = 0;
  int64_t weights = 0;
  for (const GroupScore& g : groups) {
    if (!g.percent) continue;
    ++out.groups_scored;
    weighted += static_cast<double>(g.weight) * *g.percent;
    weights += g.weight;
  }
  if (ticket_weight > 0 && ticket_score) {
    weighted += static_cast<double>(ticket_weight) * *ticket_score;
    weights += ticket_weight;
  }
  if (out.groups_scored < min_groups || weights == 0) return out;
  double score = std::round(weighted / static_cast<double>(weights) * 100.0) / 100.0;
  out.score = score;
  out.standing = StandingFor(score, thresholds);
  return out;
}

core::Status ValidateWeights(const std::array<int64_t, kRaterGroups>& weights,
                             int64_t ticket_weight) {
  int64_t sum = ticket_weight;
  for (size_t i = 0; i < kRaterGroups; ++i) {
    if (weights[i] < 0 || weights[i] > 100) {
      return Error::Invalid("weights." + std::string(RaterGroupName(kAllRaterGroups[i])),
                            "权重应在 0 到 100 之间");
    }
    sum += weights[i];
  }
  if (ticket_weight < 0 || ticket_weight > 100) {
    return Error::Invalid("weights.tickets", "权重应在 0 到 100 之间");
  }
  if (sum != 100) {
    return Error::Invalid("weights", "各评分组权重之和应为 100，现为 " + std::to_string(sum));
  }
  return core::Ok();
}

core::Status ValidateThresholds(const Thresholds& t) {
  if (!(t.black_below >= 0 && t.black_below <= t.red_min && t.red_min <= 100)) {
    return Error::Invalid("thresholds", "应满足 0 ≤ 黑榜线 ≤ 红榜线 ≤ 100");
  }
  return core::Ok();
}

core::Result<std::pair<core::CivilDate, core::CivilDate>> ParseQuarter(std::string_view text,
                                                                       std::string_view field) {
  auto bad = [&] { return Error::Invalid(std::string(field), "季度格式应为 YYYY-Qn，如 2026-Q3"); };
  if (text.size() != 7 || text[4] != '-' || text[5] != 'Q' || text[6] < '1' || text[6] > '4') {
    return bad();
  }
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (text[i] < '0' || text[i] > '9') return bad();
    year = year * 10 + (text[i] - '0');
  }
  if (year < 2000 || year > 2100) return bad();
  int q = text[6] - '0';
  core::CivilDate from{year, 3 * q - 2, 1};
  core::CivilDate next =
      q == 4 ? core::CivilDate{year + 1, 1, 1} : core::CivilDate{year, 3 * q + 1, 1};
  core::CivilDate to = core::CivilFromDays(core::DaysFromCivil(next) - 1);
  return std::make_pair(from, to);
}

}  // namespace civicgrid::domain
