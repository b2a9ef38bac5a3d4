// Compound governance and the red, yellow and black lists (红黄黑榜): value
// types and options. Every limit and default lives once in GovernanceOptions;
// routes pass request values through. See docs/governance.md for the rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace civicgrid::domain {

// The four rater groups, in this order everywhere (arrays are indexed by it).
enum class RaterGroup { kCommunity, kOwnersCommittee, kPropertyCompany, kGridWorkers };
inline constexpr size_t kRaterGroups = 4;
inline constexpr std::array<RaterGroup, kRaterGroups> kAllRaterGroups = {
    RaterGroup::kCommunity, RaterGroup::kOwnersCommittee, RaterGroup::kPropertyCompany,
    RaterGroup::kGridWorkers};
std::string_view RaterGroupName(RaterGroup group);  // "community", "owners_committee" …
core::Result<RaterGroup> ParseRaterGroup(std::string_view name, std::string_view field);

enum class Standing { kRed, kYellow, kBlack, kUnrated };
std::string_view StandingName(Standing standing);  // "red", "yellow", "black", "unrated"
core::Result<Standing> ParseStanding(std::string_view name, std::string_view field);

enum class PeriodState { kOpen, kScoring, kPublished };
std::string_view PeriodStateName(PeriodState state);  // "open", "scoring", "published"
core::Result<PeriodState> ParsePeriodState(std::string_view name, std::string_view field);

enum class CommitteeDuty { kDirector, kDeputy, kMember };  // 主任, 副主任, 委员
std::string_view CommitteeDutyName(CommitteeDuty duty);
core::Result<CommitteeDuty> ParseCommitteeDuty(std::string_view name, std::string_view field);

struct Thresholds {
  double red_min = 85;      // score ≥ red_min: red list
  double black_below = 60;  // score < black_below: black list; between: yellow
};

struct NewCriterion {
  std::string name;
  int64_t max_points = 0;
};

struct GovernanceOptions {
  // Weights of community, owners' committee, property company, grid workers (红黄黑榜:
  // 40/30/20/10).
  std::array<int64_t, kRaterGroups> weights = {40, 30, 20, 10};
  int64_t ticket_weight = 0;  // the compound's ticket score weighted in (0: shown only)
  Thresholds thresholds;
  // A compound is ranked when at least this many rater groups scored it; the
  // present groups' weights are then renormalised. Fewer: unrated.
  int64_t min_groups = 3;
  int64_t max_criteria = 20;
  int64_t max_points = 100;  // per criterion
  int64_t max_members = 30;  // owners' committee members
  int64_t max_stewards = 20;
  int64_t max_period_days = 366;
  // The ticket category counted as complaints about the property (物业服务问题).
  std::string property_complaint_category = "S-DLY-07";
  // The default scoring form of each group (every form sums to 100 points).
  std::array<std::vector<NewCriterion>, kRaterGroups> default_criteria = {{
      {{"党建引领", 20}, {"服务质量", 30}, {"环境卫生", 25}, {"安全管理", 25}},
      {{"履职尽责", 30}, {"收费与公开", 30}, {"维修及时", 40}},
      {{"业主配合", 30}, {"业委会协作", 30}, {"矛盾化解", 40}},
      {{"巡查发现", 40}, {"隐患整改", 30}, {"居民评价", 30}},
  }};
};

// One group's share of a compound's score: its weight and, when it scored, the
// percentage of its form's points (0–100).
struct GroupScore {
  RaterGroup group = RaterGroup::kCommunity;
  int64_t weight = 0;
  std::optional<double> percent;
};

struct ScoreOutcome {
  std::optional<double> score;  // 0–100, two decimals; empty: unrated
  Standing standing = Standing::kUnrated;
  int64_t groups_scored = 0;
};

// The rule (docs/governance.md): a compound scored by fewer than `min_groups`
// rater groups is unrated. Otherwise its score is Σ wᵢ·pᵢ / Σ wᵢ over the
// groups that scored — the missing groups' weights renormalised away — plus
// the ticket score with `ticket_weight` when that weight is set and the
// compound had tickets (no tickets: that weight drops out the same way). The
// score is rounded to two decimals before the thresholds apply.
ScoreOutcome CombineScores(const std::array<GroupScore, kRaterGroups>& groups,
                           std::optional<double> ticket_score, int64_t ticket_weight,
                           const Thresholds& thresholds, int64_t min_groups);
Standing StandingFor(double score, const Thresholds& thresholds);

// Checks the weights (each 0–100, the four groups and the ticket weight
// summing to 100: field "weights") and the thresholds (0 ≤ black_below ≤
// red_min ≤ 100: field "thresholds").
core::Status ValidateWeights(const std::array<int64_t, kRaterGroups>& weights,
                             int64_t ticket_weight);
core::Status ValidateThresholds(const Thresholds& thresholds);

// "2026-Q3" → 2026-07-01 … 2026-09-30; errors name `field`.
core::Result<std::pair<core::CivilDate, core::CivilDate>> ParseQuarter(std::string_view text,
                                                                       std::string_view field);

}  // namespace civicgrid::domain
