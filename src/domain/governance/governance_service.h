// Compound governance and the red, yellow and black lists (issue 10 §1).
//
// A compound links to its property company (a unit of kind property_company),
// its owners' committee (name, term, members, the party branch it has) and its
// red stewards (红管家, staff); a building links to its compound and its
// building chief (楼长). Ranking periods (a quarter by default) move open →
// scoring → published; each rater group fills its scoring form once per
// compound (a new sheet replaces the group's earlier one while scoring); the
// weighted score puts the compound on the red, yellow or black list
// (CombineScores); publishing freezes the results, which stay as history.
//
// Who may do what (the role table has no governance permissions; this service
// decides by role, as stats.cc does):
// - read a compound: staff (roles with kStatsRead) when the compound, or one
//   of its buildings (grid workers), lies in their scope; the admin of its
//   property company; the members of its owners' committee (by resident).
// - edit links: roles with kOrgWrite, compound inside their scope.
// - periods: created, configured and moved on by roles with kOrgWrite for a
//   county, street or community inside their scope; read by whoever sees the
//   period's node, one of its ancestors' periods (staff) or one of its compounds.
// - score: community secretaries and workers for the community group
//   (compound in scope), a committee member for the owners' committee group,
//   the property company's unit admin for the property group, a grid worker
//   whose grid holds one of the compound's buildings for the grid group.
// Outside what a caller sees → NotFound; seen but not allowed → Forbidden.
// Every change is audited in its transaction. Thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/governance/governance_types.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct NamedRef {
  int64_t id = 0;
  std::string name;
};

struct CommitteeMember {
  int64_t id = 0;
  std::string name;
  CommitteeDuty duty = CommitteeDuty::kMember;
  std::optional<int64_t> resident_id;
};

struct NewCommitteeMember {
  std::string name;
  CommitteeDuty duty = CommitteeDuty::kMember;
  std::optional<int64_t> resident_id;
};

struct BuildingLink {
  int64_t id = 0;
  std::string name;
  int64_t grid_id = 0;
  std::optional<NamedRef> chief;  // 楼长
};

struct StandingEntry {
  int64_t period_id = 0;
  std::string period_name;
  core::CivilDate start;
  core::CivilDate end;
  Standing standing = Standing::kUnrated;
  std::optional<double> score;
  int64_t groups_scored = 0;
  std::array<std::optional<double>, kRaterGroups> percents;
};

struct CompoundGovernance {
  int64_t compound_id = 0;
  std::string code;
  std::string name;
  int64_t community_id = 0;
  std::optional<NamedRef> property_company;
  std::string committee_name;  // "" when the compound has no owners' committee
  std::optional<core::CivilDate> term_start;
  std::optional<core::CivilDate> term_end;
  std::optional<NamedRef> committee_branch;  // the committee's party branch
  std::vector<CommitteeMember> members;
  std::vector<NamedRef> stewards;  // 红管家
  std::vector<BuildingLink> buildings;
  std::optional<StandingEntry> latest;  // the latest published standing
  int64_t version = 0;                  // 0 until first edited
  bool editable = false;                // the caller may edit the links
};

// Replaces the compound's links as a whole.
struct CompoundGovernanceUpdate {
  std::optional<int64_t> property_unit_id;  // none: self-managed
  std::string committee_name;
  std::optional<std::string> term_start;  // YYYY-MM-DD
  std::optional<std::string> term_end;
  std::optional<int64_t> committee_branch_id;
  std::vector<NewCommitteeMember> members;
  std::vector<int64_t> steward_ids;
  std::optional<int64_t> version;  // expected version (0: never edited); mismatch → Conflict
};

struct CompoundFilter {
  std::optional<int64_t> within;            // subtree of this node (staff)
  std::optional<int64_t> property_unit_id;  // compounds of this property company
  Page page;
};

struct Criterion {
  int64_t id = 0;
  std::string name;
  int64_t max_points = 0;
};

struct RankingPeriod {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string node_name;
  std::string name;
  core::CivilDate start;
  core::CivilDate end;
  PeriodState state = PeriodState::kOpen;
  std::array<int64_t, kRaterGroups> weights{};
  int64_t ticket_weight = 0;
  Thresholds thresholds;
  int64_t min_groups = 3;
  std::array<std::vector<Criterion>, kRaterGroups> criteria;
  int64_t version = 1;
  std::optional<int64_t> published_at_ms;
  bool manageable = false;  // the caller may configure and move it on
};

// Configuration of a period; every field optional (defaults: the options, or
// the period's current values when updating). Only while open.
struct PeriodSettings {
  std::optional<std::string> name;
  std::optional<std::array<int64_t, kRaterGroups>> weights;
  std::optional<int64_t> ticket_weight;
  std::optional<Thresholds> thresholds;
  std::optional<int64_t> min_groups;
  std::array<std::optional<std::vector<NewCriterion>>, kRaterGroups> criteria;
  std::optional<int64_t> version;  // when updating: expected version
};

struct NewPeriod {
  int64_t node_id = 0;                 // county, street or community
  std::optional<std::string> quarter;  // "2026-Q3" (the default kind)
  std::optional<std::string> start;    // or explicit dates, YYYY-MM-DD
  std::optional<std::string> end;
  PeriodSettings settings;
};

struct PeriodFilter {
  std::optional<PeriodState> state;
  Page page;
};

struct CriterionScore {
  int64_t criterion_id = 0;
  int64_t points = 0;
};

struct NewScoreSheet {
  int64_t compound_id = 0;
  RaterGroup group = RaterGroup::kCommunity;
  std::vector<CriterionScore> scores;  // every criterion of the group's form, once
  std::string note;
};

struct ScoreSheet {
  int64_t id = 0;
  int64_t period_id = 0;
  int64_t compound_id = 0;
  RaterGroup group = RaterGroup::kCommunity;
  int64_t account_id = 0;
  int64_t points = 0;
  int64_t max_points = 0;
  double percent = 0;
  std::vector<CriterionScore> scores;
  std::string note;
  int64_t submitted_at_ms = 0;
};

// The compound's tickets of the period (filed in it, from the rate rollups of
// the grids holding its buildings) beside its scores.
struct CompoundTickets {
  int64_t received = 0;
  int64_t demands = 0;
  int64_t overdue = 0;
  int64_t property_complaints = 0;  // tickets of the property-complaint category
  std::optional<double> response_rate;
  std::optional<double> resolution_rate;
  std::optional<double> satisfaction_rate;
  std::optional<double> score;  // the composite (三率) score, 0–100
};

struct CompoundStanding {
  int64_t compound_id = 0;
  std::string code;
  std::string name;
  std::optional<NamedRef> property_company;
  std::array<std::optional<double>, kRaterGroups> percents;  // per group; empty: not scored
  ScoreOutcome outcome;
  CompoundTickets tickets;
};

struct StandingFilter {
  std::optional<Standing> list;  // published periods only
  Page page;
};

class GovernanceService {
 public:
  GovernanceService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                    GovernanceOptions options = {})
      : db_(db), clock_(clock), audit_(audit), options_(std::move(options)) {}

  // Compounds and their links.
  core::Result<CompoundGovernance> Get(const Caller& caller, int64_t compound_id);
  core::Result<PageOf<CompoundGovernance>> List(const Caller& caller, const CompoundFilter& filter);
  core::Result<CompoundGovernance> Update(const Caller& caller, int64_t compound_id,
                                          const CompoundGovernanceUpdate& update);
  // Links a building to a compound of its community (none: to no compound)
  // and to its building chief (a building_chief staff of that building).
  core::Result<BuildingLink> SetBuilding(const Caller& caller, int64_t building_id,
                                         std::optional<int64_t> compound_id,
                                         std::optional<int64_t> chief_staff_id);
  // The compound's published standings, oldest period first (its trend).
  core::Result<std::vector<StandingEntry>> History(const Caller& caller, int64_t compound_id);

  // Ranking periods.
  core::Result<RankingPeriod> CreatePeriod(const Caller& caller, const NewPeriod& period);
  core::Result<RankingPeriod> GetPeriod(const Caller& caller, int64_t id);
  core::Result<PageOf<RankingPeriod>> ListPeriods(const Caller& caller, const PeriodFilter& filter);
  core::Result<RankingPeriod> UpdatePeriod(const Caller& caller, int64_t id,
                                           const PeriodSettings& settings);
  // open → scoring, scoring → published (computes and freezes the lists).
  core::Result<RankingPeriod> Advance(const Caller& caller, int64_t id, PeriodState to,
                                      std::optional<int64_t> version);
  core::Result<ScoreSheet> Score(const Caller& caller, int64_t period_id,
                                 const NewScoreSheet& sheet);
  // Live while open or scoring; the frozen results once published.
  core::Result<PageOf<CompoundStanding>> Standings(const Caller& caller, int64_t period_id,
                                                   const StandingFilter& filter);

  // Unscoped writes inside an open transaction (the demo loader).
  core::Status InsertLinks(store::Connection& conn, int64_t compound_id,
                           std::optional<int64_t> property_unit_id, std::string_view committee_name,
                           std::optional<core::CivilDate> term_start,
                           std::optional<core::CivilDate> term_end);

  const GovernanceOptions& options() const { return options_; }

 private:
  // Computes every compound's standing of the period and stores it (publish).
  core::Status Freeze(store::Connection& conn, const RankingPeriod& period);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  GovernanceOptions options_;
};

}  // namespace civicgrid::domain
