// Score sheets, the live standings of a period and the frozen lists.
#include <map>
#include <set>

#include "domain/governance/governance_internal.h"
#include "domain/tickets/stats.h"
#include "domain/tickets/stats_rollup.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using governance::CompoundRow;

constexpr std::array<std::string_view, kRaterGroups> kPctColumns = {
    "pct_community", "pct_owners_committee", "pct_property_company", "pct_grid_workers"};

core::Result<TicketTally> SumPeriod(store::Connection& conn, const PathRange& range,
                                    core::CivilDate from, core::CivilDate to) {
  rollup::Periods p = rollup::Split(from, to);
  CG_ASSIGN_OR_RETURN(TicketTally total, rollup::Sum(conn, rollup::Grain::kMonth, p.months, range));
  CG_ASSIGN_OR_RETURN(TicketTally added, rollup::Sum(conn, rollup::Grain::kDay, p.days, range));
  CG_ASSIGN_OR_RETURN(TicketTally removed,
                      rollup::Sum(conn, rollup::Grain::kDay, p.minus_days, range));
  total += added;
  total -= removed;
  return total;
}

// The compound's tickets of the period: those filed in the grids holding its
// buildings (a ticket's node is its grid or community).
core::Result<CompoundTickets> TicketsOf(store::Connection& conn, int64_t compound_id,
                                        const RankingPeriod& p, const GovernanceOptions& options) {
  CG_ASSIGN_OR_RETURN(store::Rows grids,
                      conn.Query("SELECT DISTINCT g.path FROM building_governance bg JOIN org_node "
                                 "b ON b.id = bg.building_id JOIN org_node g ON g.id = b.parent_id "
                                 "WHERE bg.compound_id = $1",
                                 {compound_id}));
  TicketTally tally;
  CompoundTickets t;
  int64_t from_ms = governance::DayStartMs(p.start);
  int64_t to_ms = governance::DayStartMs(p.end) + core::kMsPerDay;
  for (const auto& g : grids) {
    PathRange range = SubtreeRange(g.Text(0));
    CG_ASSIGN_OR_RETURN(TicketTally part, SumPeriod(conn, range, p.start, p.end));
    tally += part;
    CG_ASSIGN_OR_RETURN(
        int64_t complaints,
        // Along ticket_path (the grid's tickets), not the category's across the city.
        conn.QueryInt("SELECT COUNT(*) FROM ticket t WHERE t.path >= $2 AND t.path < $3 AND "
                      "t.created_at >= $4 AND t.created_at < $5 AND t.category_id + 0 = "
                      "(SELECT k.id FROM ticket_category k WHERE k.code = $1)",
                      {options.property_complaint_category, range.lo, range.hi, from_ms, to_ms}));
    t.property_complaints += complaints;
  }
  RateSet rates = ComputeRates(tally);
  t.received = tally.received;
  t.demands = tally.demands;
  t.overdue = tally.overdue_any;
  t.response_rate = rates.response_rate;
  t.resolution_rate = rates.resolution_rate;
  t.satisfaction_rate = rates.satisfaction_rate;
  t.score = CompositeScore(rates, ScoreWeights{});
  return t;
}

core::Result<CompoundStanding> Compute(store::Connection& conn, const RankingPeriod& p,
                                       const store::Row& c, const GovernanceOptions& options) {
  CompoundStanding s;
  s.compound_id = c.Int("id");
  s.code = c.Text("code");
  s.name = c.Text("name");
  if (!c.IsNull("unit_id")) s.property_company = NamedRef{c.Int("unit_id"), c.Text("unit_name")};
  CG_ASSIGN_OR_RETURN(store::Rows sheets,
                      conn.Query("SELECT grp, points, max_points FROM score_sheet WHERE period_id "
                                 "= $1 AND compound_id = $2",
                                 {p.id, s.compound_id}));
  for (const auto& r : sheets) {
    CG_ASSIGN_OR_RETURN(RaterGroup g, ParseRaterGroup(r.Text("grp"), "grp"));
    int64_t max = r.Int("max_points");
    if (max > 0) {
      s.percents[static_cast<size_t>(g)] =
          100.0 * static_cast<double>(r.Int("points")) / static_cast<double>(max);
    }
  }
  CG_ASSIGN_OR_RETURN(s.tickets, TicketsOf(conn, s.compound_id, p, options));
  std::array<GroupScore, kRaterGroups> groups;
  for (size_t i = 0; i < kRaterGroups; ++i) {
    groups[i] = GroupScore{kAllRaterGroups[i], p.weights[i], s.percents[i]};
  }
  s.outcome = CombineScores(groups, s.tickets.score, p.ticket_weight, p.thresholds, p.min_groups);
  return s;
}

constexpr std::string_view kCompoundSelect =
    "SELECT c.id, c.code, c.name, g.property_unit_id AS unit_id, u.name AS unit_name FROM org_node "
    "c LEFT JOIN compound_governance g ON g.compound_id = c.id LEFT JOIN unit u ON u.id = "
    "g.property_unit_id ";

CompoundStanding FromResult(const store::Row& r) {
  CompoundStanding s;
  s.compound_id = r.Int("id");
  s.code = r.Text("code");
  s.name = r.Text("name");
  if (!r.IsNull("unit_id")) s.property_company = NamedRef{r.Int("unit_id"), r.Text("unit_name")};
  for (size_t i = 0; i < kRaterGroups; ++i) {
    if (!r.IsNull(kPctColumns[i])) s.percents[i] = r.Real(kPctColumns[i]);
  }
  s.outcome.standing = ParseStanding(r.Text("standing"), "standing").value();
  if (!r.IsNull("score")) s.outcome.score = r.Real("score");
  s.outcome.groups_scored = r.Int("groups_scored");
  if (!r.IsNull("ticket_score")) s.tickets.score = r.Real("ticket_score");
  s.tickets.received = r.Int("tickets_received");
  s.tickets.overdue = r.Int("tickets_overdue");
  s.tickets.property_complaints = r.Int("property_complaints");
  if (!r.IsNull("response_rate")) s.tickets.response_rate = r.Real("response_rate");
  if (!r.IsNull("resolution_rate")) s.tickets.resolution_rate = r.Real("resolution_rate");
  if (!r.IsNull("satisfaction_rate")) s.tickets.satisfaction_rate = r.Real("satisfaction_rate");
  return s;
}

// Who may fill `group`'s form for the compound (see governance_service.h).
core::Result<bool> MayScore(store::Connection& conn, const Caller& caller, const CompoundRow& c,
                            RaterGroup group) {
  switch (group) {
    case RaterGroup::kCommunity:
      return (caller.role == Role::kCommunitySecretary || caller.role == Role::kCommunityWorker) &&
             caller.InScope(c.path);
    case RaterGroup::kOwnersCommittee: {
      if (!caller.resident_id) return false;
      CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM committee_member WHERE "
                                                   "compound_id = $1 AND resident_id = $2",
                                                   {c.id, *caller.resident_id}));
      return n > 0;
    }
    case RaterGroup::kPropertyCompany: {
      if (caller.role != Role::kUnitAdmin || !caller.unit_id) return false;
      CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM compound_governance "
                                                   "WHERE compound_id = $1 AND property_unit_id = "
                                                   "$2",
                                                   {c.id, *caller.unit_id}));
      return n > 0;
    }
    case RaterGroup::kGridWorkers: {
      if (caller.role != Role::kGridWorker) return false;
      PathRange r = caller.Scope();
      CG_ASSIGN_OR_RETURN(int64_t n,
                          conn.QueryInt("SELECT COUNT(*) FROM building_governance bg JOIN org_node "
                                        "b ON b.id = bg.building_id WHERE bg.compound_id = $1 AND "
                                        "b.path >= $2 AND b.path < $3",
                                        {c.id, r.lo, r.hi}));
      return n > 0;
    }
  }
  return false;
}

// The sheet's items checked against the group's form; errors name the field.
core::Result<int64_t> CheckItems(const std::vector<Criterion>& form,
                                 const std::vector<CriterionScore>& scores) {
  std::map<int64_t, const Criterion*> by_id;
  for (const Criterion& c : form) by_id[c.id] = &c;
  std::set<int64_t> seen;
  int64_t total = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    std::string at = "scores[" + std::to_string(i) + "]";
    auto it = by_id.find(scores[i].criterion_id);
    if (it == by_id.end() || !seen.insert(scores[i].criterion_id).second) {
      return Error::Invalid(at + ".criterion_id", "不是本评分表的评分项，或重复");
    }
    if (scores[i].points < 0 || scores[i].points > it->second->max_points) {
      return Error::Invalid(at + ".points",
                            "得分应在 0 到 " + std::to_string(it->second->max_points) + " 之间");
    }
    total += scores[i].points;
  }
  for (const Criterion& c : form) {
    if (!seen.count(c.id)) return Error::Invalid("scores", "缺少评分项: " + c.name);
  }
  return total;
}

}  // namespace

core::Status GovernanceService::Freeze(store::Connection& conn, const RankingPeriod& p) {
  CG_ASSIGN_OR_RETURN(std::string path, governance::PeriodPath(conn, p.id));
  PathRange range = SubtreeRange(path);
  int64_t after = 0;
  for (;;) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn.Query(std::string(kCompoundSelect) +
                                       "WHERE c.kind = 'compound' AND c.path >= $1 AND c.path < "
                                       "$2 AND c.id > $3 ORDER BY c.id LIMIT 200",
                                   {range.lo, range.hi, after}));
    if (rows.empty()) break;
    for (const auto& c : rows) {
      CG_ASSIGN_OR_RETURN(CompoundStanding s, Compute(conn, p, c, options_));
      store::Params params{p.id,
                           s.compound_id,
                           core::FormatDate(p.end),
                           c.OptInt("unit_id"),
                           StandingName(s.outcome.standing),
                           s.outcome.score,
                           s.outcome.groups_scored};
      for (const auto& pct : s.percents) params.emplace_back(pct);
      params.insert(params.end(), {s.tickets.score, s.tickets.received, s.tickets.overdue,
                                   s.tickets.property_complaints, s.tickets.response_rate,
                                   s.tickets.resolution_rate, s.tickets.satisfaction_rate});
      CG_TRY(conn.Execute(
          "INSERT INTO ranking_result (period_id, compound_id, period_end, property_unit_id, "
          "standing, score, groups_scored, pct_community, pct_owners_committee, "
          "pct_property_company, pct_grid_workers, ticket_score, tickets_received, "
          "tickets_overdue, property_complaints, response_rate, resolution_rate, "
          "satisfaction_rate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
          "$15, $16, $17, $18)",
          params));
      after = s.compound_id;
    }
  }
  return core::Ok();
}

core::Result<ScoreSheet> GovernanceService::Score(const Caller& caller, int64_t period_id,
                                                  const NewScoreSheet& sheet) {
  CG_ASSIGN_OR_RETURN(std::string note, CleanText(sheet.note, "note", 500, false));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(RankingPeriod p, governance::LoadPeriod(*conn, caller, period_id));
  auto c = governance::LoadCompound(*conn, caller, sheet.compound_id);
  if (!c.ok()) return Error::Invalid("compound_id", "小区不存在");
  CG_ASSIGN_OR_RETURN(std::string path, governance::PeriodPath(*conn, p.id));
  if (!c->path.starts_with(path)) return Error::Invalid("compound_id", "小区不在本次评比范围内");
  CG_ASSIGN_OR_RETURN(bool may, MayScore(*conn, caller, *c, sheet.group));
  if (!may) return Error::Forbidden("当前账号不能代表该评分组为此小区评分");
  if (p.state != PeriodState::kScoring) {
    return Error::Conflict("评比不在评分阶段", "state");
  }
  const auto& form = p.criteria[static_cast<size_t>(sheet.group)];
  CG_ASSIGN_OR_RETURN(int64_t points, CheckItems(form, sheet.scores));
  int64_t max = 0;
  for (const Criterion& cr : form) max += cr.max_points;
  std::string grp(RaterGroupName(sheet.group));
  CG_TRY(
      conn->Execute("DELETE FROM score_item WHERE sheet_id IN (SELECT id FROM score_sheet WHERE "
                    "period_id = $1 AND compound_id = $2 AND grp = $3)",
                    {p.id, c->id, grp}));
  CG_TRY(
      conn->Execute("DELETE FROM score_sheet WHERE period_id = $1 AND compound_id = $2 AND grp "
                    "= $3",
                    {p.id, c->id, grp}));
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(
      int64_t id, conn->QueryInt("INSERT INTO score_sheet (period_id, compound_id, grp, "
                                 "account_id, points, max_points, note, submitted_at) VALUES "
                                 "($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                                 {p.id, c->id, grp, caller.account_id, points, max, note, now}));
  for (const auto& s : sheet.scores) {
    CG_TRY(
        conn->Execute("INSERT INTO score_item (sheet_id, criterion_id, points) VALUES ($1, $2, "
                      "$3)",
                      {id, s.criterion_id, s.points}));
  }
  CG_TRY(audit_.Append(*conn, caller, "ranking.score", "ranking_period", p.id,
                       grp + " " + std::to_string(c->id) + " " + std::to_string(points)));
  CG_TRY(tx.Commit());
  return ScoreSheet{id,
                    p.id,
                    c->id,
                    sheet.group,
                    caller.account_id,
                    points,
                    max,
                    max > 0 ? 100.0 * static_cast<double>(points) / static_cast<double>(max) : 0,
                    sheet.scores,
                    note,
                    now};
}

core::Result<PageOf<CompoundStanding>> GovernanceService::Standings(const Caller& caller,
                                                                    int64_t period_id,
                                                                    const StandingFilter& filter) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(RankingPeriod p, governance::LoadPeriod(*conn, caller, period_id));
  bool published = p.state == PeriodState::kPublished;
  if (filter.list && !published) {
    return Error::Invalid("list", "榜单发布后才能按榜单筛选");
  }
  CG_ASSIGN_OR_RETURN(std::string path, governance::PeriodPath(*conn, p.id));
  PathRange range = SubtreeRange(path);
  Conditions w;
  std::string select;
  if (published) {
    select =
        "SELECT c.id, c.code, c.name, r.property_unit_id AS unit_id, u.name AS unit_name, r.* "
        "FROM ranking_result r JOIN org_node c ON c.id = r.compound_id LEFT JOIN unit u ON u.id = "
        "r.property_unit_id ";
    w.And("r.period_id = " + w.Bind(p.id));
    w.And("r.compound_id > " + w.Bind(filter.page.after));
    if (filter.list) w.And("r.standing = " + w.Bind(StandingName(*filter.list)));
  } else {
    select = std::string(kCompoundSelect);
    w.And("c.kind = 'compound'");
    w.And("c.path >= " + w.Bind(range.lo) + " AND c.path < " + w.Bind(range.hi));
    w.And("c.id > " + w.Bind(filter.page.after));
  }
  w.And(governance::CompoundVisible(caller, w));
  std::string limit = w.Bind(filter.page.limit);
  // Published pages walk ranking_result's key (period, compound) or (period, standing,
  // compound); live pages org_node's (kind, id).
  const std::string order = published ? " ORDER BY r.compound_id LIMIT " : " ORDER BY c.id LIMIT ";
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(select + "WHERE " + w.Sql() + order + limit, w.params()));
  std::vector<CompoundStanding> items;
  for (const auto& r : rows) {
    if (published) {
      items.push_back(FromResult(r));
    } else {
      CG_ASSIGN_OR_RETURN(CompoundStanding s, Compute(*conn, p, r, options_));
      items.push_back(std::move(s));
    }
  }
  CG_TRY(tx.Commit());
  return FinishPage(
      std::move(items), filter.page, +[](const CompoundStanding& s) { return s.compound_id; });
}

}  // namespace civicgrid::domain
