// Who is due (the plan), who was not seen longest, coverage, and 千户访
// campaigns.
#include <algorithm>
#include <set>

#include "domain/visits/visit_internal.h"

namespace civicgrid::domain {
namespace {

using core::Error;

// The column of household_visit that holds a grid's or a community's id.
core::Result<std::string> ScopeColumn(const ListScope& scope) {
  if (scope.kind == "grid") return std::string("grid_id");
  if (scope.kind == "community") return std::string("community_id");
  return Error::Invalid("within", "请选择一个网格或社区");
}

int64_t DayOf(int64_t ms) { return (ms + core::kShanghaiOffsetMs) / core::kMsPerDay; }

int64_t DayStart(int64_t day) { return day * core::kMsPerDay - core::kShanghaiOffsetMs; }

bool PlanOrder(const PlanItem& a, const PlanItem& b) {
  if (a.campaign_id.has_value() != b.campaign_id.has_value()) return a.campaign_id.has_value();
  if (a.required != b.required) return a.required > b.required;
  const int64_t la = a.last_visited_at_ms.value_or(0), lb = b.last_visited_at_ms.value_or(0);
  if (la != lb) return la < lb;
  return a.household_id < b.household_id;
}

}  // namespace

core::Result<VisitPlan> VisitService::Plan(const Caller& caller, std::optional<int64_t> within,
                                           std::optional<std::string> date) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  int64_t day = DayOf(clock_.NowMs());
  if (date) {
    CG_ASSIGN_OR_RETURN(core::CivilDate d, core::ParseDate(*date, "date"));
    day = core::DaysFromCivil(d);
  }
  const int64_t day_end = DayStart(day + 1) - 1;
  VisitPlan plan;
  plan.date = core::FormatDate(core::CivilFromDays(day));
  plan.week_start_ms = WeekStartMs(day_end);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(ListScope scope, ScopeOfList(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(std::string col, ScopeColumn(scope));
  CG_ASSIGN_OR_RETURN(
      store::Rows households,
      conn->Query("SELECT hv.household_id, hv.grid_id, hv.flags, hv.last_visited_at, h.room, "
                  "b.name FROM household_visit hv JOIN household h ON h.id = hv.household_id "
                  "JOIN org_node b ON b.id = h.building_id WHERE hv." +
                      col + " = $1 ORDER BY hv.household_id LIMIT $2",
                  {scope.id, options_.max_plan_households}));
  plan.households = static_cast<int64_t>(households.size());
  std::vector<int64_t> ids;
  std::map<int64_t, int64_t> recorded;
  for (const auto& r : households) {
    ids.push_back(r.Int(0));
    if (!r.IsNull(2)) recorded[r.Int(0)] = r.Int(2);
  }
  CG_ASSIGN_OR_RETURN(auto flags, visits::EffectiveFlags(*conn, ids, recorded));
  // This week's visits, the residents (the head and the count) and the
  // caller's campaign households.
  std::map<int64_t, std::vector<int64_t>> week;
  CG_ASSIGN_OR_RETURN(
      store::Rows visits,
      conn->Query("SELECT household_id, visited_at FROM visit WHERE path >= $1 AND path < $2 AND "
                  "visited_at >= $3 AND visited_at <= $4",
                  {scope.range.lo, scope.range.hi, plan.week_start_ms, day_end}));
  for (const auto& v : visits) week[v.Int(0)].push_back(v.Int(1));
  std::map<int64_t, std::pair<std::string, int64_t>> people;
  CG_ASSIGN_OR_RETURN(
      store::Rows residents,
      conn->Query("SELECT household_id, name FROM resident WHERE " + col + " = $1 ORDER BY id",
                  {scope.id}));
  for (const auto& r : residents) {
    if (r.IsNull(0)) continue;
    auto& p = people[r.Int(0)];
    if (p.second++ == 0) p.first = r.Text(1);
  }
  std::map<int64_t, std::pair<int64_t, int64_t>> campaign;  // household → (campaign, starts_at)
  CG_ASSIGN_OR_RETURN(
      store::Rows assigned,
      conn->Query("SELECT a.household_id, a.campaign_id, c.starts_at FROM visit_assignment a JOIN "
                  "visit_campaign c ON c.id = a.campaign_id WHERE a.visitor_account_id = $1 AND "
                  "c.starts_at <= $2 AND c.ends_at > $3",
                  {caller.account_id, day_end, DayStart(day)}));
  for (const auto& a : assigned) campaign[a.Int(0)] = {a.Int(1), a.Int(2)};
  for (const auto& r : households) {
    PlanItem item;
    item.household_id = r.Int(0);
    item.grid_id = r.OptInt(1).value_or(0);
    item.flags = flags[item.household_id];
    if (r.Int(3) > 0) item.last_visited_at_ms = r.Int(3);
    item.room = r.Text(4);
    item.building_name = r.Text(5);
    item.required = RequiredPerWeek(options_.rules, item.flags);
    const auto& seen = week[item.household_id];
    item.visits_this_week = static_cast<int64_t>(seen.size());
    if (DueByRule(options_.rules, item.flags, seen, day_end)) {
      item.reasons.emplace_back("weekly");
      for (const auto& name : HouseholdFlagNames(item.flags)) {
        auto bit = ParseHouseholdFlags({name}, "flags");
        if (bit.ok() && RequiredPerWeek(options_.rules, *bit) > options_.rules.weekly) {
          item.reasons.push_back(name);
        }
      }
    }
    auto c = campaign.find(item.household_id);
    if (c != campaign.end() && r.Int(3) < c->second.second) {
      item.campaign_id = c->second.first;
      item.reasons.emplace_back("campaign");
    }
    if (item.reasons.empty()) continue;
    auto p = people.find(item.household_id);
    if (p != people.end()) {
      item.head_name = p->second.first;
      item.residents = p->second.second;
    }
    plan.items.push_back(std::move(item));
  }
  std::sort(plan.items.begin(), plan.items.end(), PlanOrder);
  return plan;
}

core::Result<StalePage> VisitService::Stale(const Caller& caller, const StaleFilter& filter) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(ListScope scope, ScopeOfList(*conn, caller, filter.within));
  CG_ASSIGN_OR_RETURN(std::string col, ScopeColumn(scope));
  const int64_t limit = std::clamp<int64_t>(filter.limit, 1, kMaxPageSize);
  // (last_visited_at, household_id) > cursor: a range of the (scope,
  // last_visited_at, household_id) index, walked in its order.
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT hv.household_id, hv.grid_id, hv.flags, hv.last_visited_at, h.room, "
                  "b.name AS building, g.name AS grid, v.visitor_name FROM household_visit hv "
                  "JOIN household h ON h.id = hv.household_id JOIN org_node b ON b.id = "
                  "h.building_id LEFT JOIN org_node g ON g.id = hv.grid_id LEFT JOIN visit v ON "
                  "v.id = hv.last_visit_id WHERE hv." +
                      col +
                      " = $1 AND (hv.last_visited_at, hv.household_id) > ($2, $3) ORDER BY "
                      "hv.last_visited_at, hv.household_id LIMIT $4",
                  {scope.id, filter.after_seen_ms, filter.after_id, limit}));
  std::vector<int64_t> ids;
  std::map<int64_t, int64_t> recorded;
  for (const auto& r : rows) {
    ids.push_back(r.Int(0));
    if (!r.IsNull(2)) recorded[r.Int(0)] = r.Int(2);
  }
  CG_ASSIGN_OR_RETURN(auto flags, visits::EffectiveFlags(*conn, ids, recorded));
  StalePage page;
  for (const auto& r : rows) {
    StaleHousehold s;
    s.household_id = r.Int(0);
    s.grid_id = r.OptInt(1).value_or(0);
    s.flags = flags[s.household_id];
    if (r.Int(3) > 0) s.last_visited_at_ms = r.Int(3);
    s.room = r.Text(4);
    s.building_name = r.Text(5);
    if (auto g = r.OptText(6)) s.grid_name = *g;
    if (auto v = r.OptText(7)) s.last_visitor_name = *v;
    page.items.push_back(std::move(s));
  }
  if (static_cast<int64_t>(rows.size()) == limit) {
    page.next = std::to_string(rows.back().Int(3)) + "." + std::to_string(rows.back().Int(0));
  }
  return page;
}

core::Result<Coverage> VisitService::CoverageOf(const Caller& caller,
                                                std::optional<int64_t> within) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  const int64_t now = clock_.NowMs();
  Coverage out;
  out.week_start_ms = WeekStartMs(now);
  out.month_start_ms = MonthStartMs(now);
  const int64_t since = std::min(out.week_start_ms, out.month_start_ms);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(ListScope scope, ScopeOfList(*conn, caller, within));
  const auto& lo = scope.range.lo;
  const auto& hi = scope.range.hi;
  std::map<int64_t, VisitCoverageRow> grids;
  CG_ASSIGN_OR_RETURN(store::Rows nodes,
                      conn->Query("SELECT id, name, parent_id FROM org_node WHERE kind = 'grid' "
                                  "AND path >= $1 AND path < $2",
                                  {lo, hi}));
  for (const auto& n : nodes) {
    grids[n.Int(0)] = VisitCoverageRow{n.Int(0), n.Text(1), n.OptInt(2), 0, 0, 0, 0, 0};
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows counts,
      conn->Query("SELECT grid_id, COUNT(*), SUM(CASE WHEN last_visited_at >= $3 THEN 1 ELSE 0 "
                  "END), SUM(CASE WHEN last_visited_at >= $4 THEN 1 ELSE 0 END) FROM "
                  "household_visit WHERE path >= $1 AND path < $2 GROUP BY grid_id",
                  {lo, hi, out.week_start_ms, out.month_start_ms}));
  for (const auto& c : counts) {
    auto it = grids.find(c.OptInt(0).value_or(0));
    if (it == grids.end()) continue;
    it->second.households = c.Int(1);
    it->second.seen_week = c.Int(2);
    it->second.seen_month = c.Int(3);
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows per_grid,
      conn->Query("SELECT grid_id, SUM(CASE WHEN visited_at >= $3 THEN 1 ELSE 0 END), SUM(CASE "
                  "WHEN visited_at >= $4 THEN 1 ELSE 0 END) FROM visit WHERE path >= $1 AND path "
                  "< $2 AND visited_at >= $5 GROUP BY grid_id",
                  {lo, hi, out.week_start_ms, out.month_start_ms, since}));
  for (const auto& c : per_grid) {
    auto it = grids.find(c.OptInt(0).value_or(0));
    if (it == grids.end()) continue;
    it->second.visits_week = c.Int(1);
    it->second.visits_month = c.Int(2);
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows workers,
      conn->Query(
          "SELECT visitor_account_id, visitor_name, COUNT(DISTINCT CASE WHEN "
          "visited_at >= $3 THEN household_id END), COUNT(DISTINCT CASE WHEN visited_at "
          ">= $4 THEN household_id END), SUM(CASE WHEN visited_at >= $3 THEN 1 ELSE 0 "
          "END), SUM(CASE WHEN visited_at >= $4 THEN 1 ELSE 0 END) FROM visit WHERE path "
          ">= $1 AND path < $2 AND visited_at >= $5 GROUP BY visitor_account_id, visitor_name",
          {lo, hi, out.week_start_ms, out.month_start_ms, since}));
  for (const auto& w : workers) {
    out.workers.push_back(VisitCoverageRow{w.Int(0), w.Text(1), std::nullopt, 0, w.Int(2), w.Int(3),
                                           w.Int(4), w.Int(5)});
  }
  std::sort(out.workers.begin(), out.workers.end(), [](const auto& a, const auto& b) {
    if (a.seen_week != b.seen_week) return a.seen_week > b.seen_week;
    return a.id != b.id ? a.id < b.id : a.name < b.name;
  });
  std::map<int64_t, VisitCoverageRow> communities;
  CG_ASSIGN_OR_RETURN(store::Rows cnodes,
                      conn->Query("SELECT id, name, parent_id FROM org_node WHERE kind = "
                                  "'community' AND path >= $1 AND path < $2",
                                  {lo, hi}));
  for (const auto& n : cnodes) {
    communities[n.Int(0)] = VisitCoverageRow{n.Int(0), n.Text(1), n.OptInt(2), 0, 0, 0, 0, 0};
  }
  for (const auto& [id, g] : grids) {
    out.grids.push_back(g);
    if (!g.parent_id) continue;
    auto it = communities.find(*g.parent_id);
    if (it == communities.end()) continue;
    it->second.households += g.households;
    it->second.seen_week += g.seen_week;
    it->second.seen_month += g.seen_month;
    it->second.visits_week += g.visits_week;
    it->second.visits_month += g.visits_month;
  }
  for (auto& [id, c] : communities) out.communities.push_back(c);
  // Least covered this week first: the share seen (a grid without households last).
  auto least = [](const VisitCoverageRow& a, const VisitCoverageRow& b) {
    const bool ea = a.households == 0, eb = b.households == 0;
    if (ea != eb) return eb;
    const int64_t l = a.seen_week * std::max<int64_t>(b.households, 1);
    const int64_t r = b.seen_week * std::max<int64_t>(a.households, 1);
    if (l != r) return l < r;
    return a.id < b.id;
  };
  std::sort(out.grids.begin(), out.grids.end(), least);
  std::sort(out.communities.begin(), out.communities.end(), least);
  return out;
}

core::Result<Campaign> VisitService::LoadCampaign(store::Connection& conn, int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, name, node_id, starts_on, ends_on, starts_at, ends_at "
                                 "FROM visit_campaign WHERE id = $1",
                                 {id}));
  if (rows.empty()) return Error::NotFound("千户访活动不存在");
  Campaign c;
  c.id = rows[0].Int(0);
  c.name = rows[0].Text(1);
  c.node_id = rows[0].Int(2);
  c.starts_on = rows[0].Text(3);
  c.ends_on = rows[0].Text(4);
  CG_ASSIGN_OR_RETURN(
      store::Rows assigned,
      conn.Query("SELECT a.visitor_account_id, a.visitor_name, a.household_id, EXISTS (SELECT 1 "
                 "FROM visit v WHERE v.household_id = a.household_id AND v.visited_at >= $2 AND "
                 "v.visited_at < $3) AS seen FROM visit_assignment a WHERE a.campaign_id = $1 "
                 "ORDER BY a.visitor_account_id, a.household_id",
                 {id, rows[0].Int(5), rows[0].Int(6)}));
  for (const auto& a : assigned) {
    if (c.assignments.empty() || c.assignments.back().visitor_account_id != a.Int(0)) {
      c.assignments.push_back(CampaignAssignment{a.Int(0), a.Text(1), {}, 0});
    }
    c.assignments.back().household_ids.push_back(a.Int(2));
    const bool seen = a.Int(3) != 0;
    c.assignments.back().visited += seen ? 1 : 0;
    c.visited += seen ? 1 : 0;
    ++c.households;
  }
  return c;
}

core::Result<Campaign> VisitService::CreateCampaign(const Caller& caller, const NewCampaign& in) {
  CG_TRY(caller.Require(Permission::kOrgWrite));  // cadres: county, street, secretary
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(in.name, "name", 60));
  CG_ASSIGN_OR_RETURN(core::CivilDate from, core::ParseDate(in.starts_on, "starts_on"));
  CG_ASSIGN_OR_RETURN(core::CivilDate until, core::ParseDate(in.ends_on, "ends_on"));
  const int64_t first = core::DaysFromCivil(from), last = core::DaysFromCivil(until);
  if (last < first) return Error::Invalid("ends_on", "结束日期不能早于开始日期");
  if (last - first > 366) return Error::Invalid("ends_on", "活动不能超过一年");
  if (in.assignments.empty()) return Error::Invalid("assignments", "请至少分派一位走访人");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows node,
                      conn->Query("SELECT path FROM org_node WHERE id = $1 AND path >= $2 AND "
                                  "path < $3",
                                  {in.node_id, scope.lo, scope.hi}));
  if (node.empty()) return Error::Invalid("node_id", "区域不存在或不在管辖范围内");
  const PathRange area = SubtreeRange(node[0].Text(0));
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt(
          "INSERT INTO visit_campaign (name, node_id, path, starts_on, ends_on, "
          "starts_at, ends_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
          "$7, $8, $9) RETURNING id",
          {name, in.node_id, node[0].Text(0), core::FormatDate(from), core::FormatDate(until),
           DayStart(first), DayStart(last + 1), caller.account_id, clock_.NowMs()}));
  std::set<int64_t> seen;
  int64_t total = 0;
  for (size_t i = 0; i < in.assignments.size(); ++i) {
    const auto& a = in.assignments[i];
    const std::string at = "assignments[" + std::to_string(i) + "]";
    // The visitor: a staff account whose scope lies in the caller's.
    CG_ASSIGN_OR_RETURN(
        store::Rows who,
        conn->Query("SELECT a.display_name, a.role, n.path FROM account a JOIN org_node n ON n.id "
                    "= a.scope_node_id WHERE a.id = $1 AND a.disabled = 0 AND n.path >= $2 AND "
                    "n.path < $3",
                    {a.visitor_account_id, scope.lo, scope.hi}));
    const std::set<std::string> staff = {"county_admin", "street_admin", "community_secretary",
                                         "community_worker", "grid_worker"};
    if (who.empty() || staff.count(who[0].Text(1)) == 0) {
      return Error::Invalid(at + ".visitor_account_id", "走访人不存在或不在管辖范围内");
    }
    const PathRange reach = SubtreeRange(who[0].Text(2));
    if (a.household_ids.empty()) return Error::Invalid(at + ".household_ids", "请至少分派一户");
    for (size_t j = 0; j < a.household_ids.size(); ++j) {
      const std::string field = at + ".household_ids[" + std::to_string(j) + "]";
      const int64_t h = a.household_ids[j];
      if (!seen.insert(h).second) return Error::Invalid(field, "该户已分派");
      if (++total > options_.max_campaign_households) {
        return Error::Invalid(field, "户数过多");
      }
      CG_ASSIGN_OR_RETURN(
          int64_t ok,
          conn->QueryInt("SELECT COUNT(*) FROM household_visit WHERE household_id = $1 AND path "
                         ">= $2 AND path < $3 AND path >= $4 AND path < $5",
                         {h, area.lo, area.hi, reach.lo, reach.hi}));
      if (ok == 0) return Error::Invalid(field, "该户不在活动区域或走访人的管辖范围内");
      CG_TRY(
          conn->Execute("INSERT INTO visit_assignment (campaign_id, household_id, "
                        "visitor_account_id, visitor_name) VALUES ($1, $2, $3, $4)",
                        {id, h, a.visitor_account_id, who[0].Text(0)}));
    }
  }
  CG_TRY(audit_.Append(*conn, caller, "visit.campaign.create", "visit_campaign", id,
                       name + "; households " + std::to_string(total)));
  CG_TRY(tx.Commit());
  return LoadCampaign(*conn, id);
}

core::Result<PageOf<Campaign>> VisitService::Campaigns(const Caller& caller, const Page& page) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT c.id FROM visit_campaign c WHERE c.id > $3 AND ((c.path >= $1 AND "
                  "c.path < $2) OR EXISTS (SELECT 1 FROM visit_assignment a WHERE a.campaign_id "
                  "= c.id AND a.visitor_account_id = $4)) ORDER BY c.id LIMIT $5",
                  {scope.lo, scope.hi, page.after, caller.account_id, page.limit}));
  std::vector<Campaign> items;
  for (const auto& r : rows) {
    CG_ASSIGN_OR_RETURN(Campaign c, LoadCampaign(*conn, r.Int(0)));
    items.push_back(std::move(c));
  }
  return FinishPage(
      std::move(items), page, +[](const Campaign& c) { return c.id; });
}

}  // namespace civicgrid::domain
