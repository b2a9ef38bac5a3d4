// Ranking periods: creation, configuration (weights, thresholds, scoring
// forms) while open, and the moves open → scoring → published.
#include <set>

#include "domain/governance/governance_internal.h"

namespace civicgrid::domain {
namespace governance {
namespace {

using core::Error;

constexpr std::string_view kPeriodSelect =
    "SELECT p.id, p.node_id, n.name AS node_name, n.path, p.name, p.start_date, p.end_date, "
    "p.state, p.weight_community, p.weight_owners_committee, p.weight_property_company, "
    "p.weight_grid_workers, p.weight_tickets, p.red_min, p.black_below, p.min_groups, p.version, "
    "p.published_at FROM ranking_period p JOIN org_node n ON n.id = p.node_id ";

constexpr std::array<std::string_view, kRaterGroups> kWeightColumns = {
    "weight_community", "weight_owners_committee", "weight_property_company",
    "weight_grid_workers"};

// The ids along a materialised path ("/1/7/42/" → 1, 7, 42).
void AddPathIds(std::string_view path, std::set<int64_t>& ids) {
  int64_t v = 0;
  bool any = false;
  for (char ch : path) {
    if (ch >= '0' && ch <= '9') {
      v = v * 10 + (ch - '0');
      any = true;
    } else if (any) {
      ids.insert(v);
      v = 0;
      any = false;
    }
  }
}

// "(…)": the period aliased `p` (node `n`) is visible: staff see the periods
// of their scope's subtree and of its ancestors; others those of the
// ancestors of the compounds they see.
core::Result<std::string> PeriodVisible(store::Connection& conn, const Caller& caller,
                                        Conditions& w) {
  std::set<int64_t> ids;
  std::string out;
  if (IsStaff(caller)) {
    PathRange r = caller.Scope();
    out = "(n.path >= " + w.Bind(r.lo) + " AND n.path < " + w.Bind(r.hi) + ")";
    AddPathIds(caller.scope_path, ids);
  } else {
    Conditions cw;
    cw.And("c.kind = 'compound'");
    cw.And(CompoundVisible(caller, cw));
    CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query("SELECT c.path FROM org_node c WHERE " +
                                                         cw.Sql() + " ORDER BY c.id LIMIT 200",
                                                     cw.params()));
    for (const auto& r : rows) AddPathIds(r.Text(0), ids);
  }
  if (!ids.empty()) {
    std::string list;
    for (int64_t id : ids) list += (list.empty() ? "" : ", ") + w.Bind(id);
    // "+ 0": not by the node_id index, so a page walks the periods in id order (periods are few
    // per node, the ancestors' ids a handful).
    out += (out.empty() ? "" : " OR ") + ("p.node_id + 0 IN (" + list + ")");
  }
  return out.empty() ? std::string("(1 = 0)") : "(" + out + ")";
}

RankingPeriod FromRow(const store::Row& r) {
  RankingPeriod p;
  p.id = r.Int("id");
  p.node_id = r.Int("node_id");
  p.node_name = r.Text("node_name");
  p.name = r.Text("name");
  p.start = DateOf(r.Text("start_date"));
  p.end = DateOf(r.Text("end_date"));
  p.state = ParsePeriodState(r.Text("state"), "state").value();
  for (size_t i = 0; i < kRaterGroups; ++i) p.weights[i] = r.Int(kWeightColumns[i]);
  p.ticket_weight = r.Int("weight_tickets");
  p.thresholds = Thresholds{r.Real("red_min"), r.Real("black_below")};
  p.min_groups = r.Int("min_groups");
  p.version = r.Int("version");
  p.published_at_ms = r.OptInt("published_at");
  return p;
}

core::Status LoadCriteria(store::Connection& conn, RankingPeriod& p) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, grp, name, max_points FROM ranking_criterion WHERE "
                                 "period_id = $1 ORDER BY grp, position",
                                 {p.id}));
  for (const auto& r : rows) {
    CG_ASSIGN_OR_RETURN(RaterGroup g, ParseRaterGroup(r.Text("grp"), "grp"));
    p.criteria[static_cast<size_t>(g)].push_back(
        Criterion{r.Int("id"), r.Text("name"), r.Int("max_points")});
  }
  return core::Ok();
}

}  // namespace

core::Result<RankingPeriod> LoadPeriod(store::Connection& conn, const Caller& caller, int64_t id) {
  Conditions w;
  w.And("p.id = " + w.Bind(id));
  CG_ASSIGN_OR_RETURN(std::string visible, PeriodVisible(conn, caller, w));
  w.And(visible);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kPeriodSelect) + "WHERE " + w.Sql(), w.params()));
  if (rows.empty()) return Error::NotFound("评比不存在");
  RankingPeriod p = FromRow(rows[0]);
  p.manageable = caller.Can(Permission::kOrgWrite) && caller.InScope(rows[0].Text("path"));
  CG_TRY(LoadCriteria(conn, p));
  return p;
}

core::Result<std::string> PeriodPath(store::Connection& conn, int64_t period_id) {
  CG_ASSIGN_OR_RETURN(store::Row r, conn.QueryOne("SELECT n.path FROM ranking_period p JOIN "
                                                  "org_node n ON n.id = p.node_id WHERE p.id = $1",
                                                  {period_id}));
  return r.Text(0);
}

core::Result<PageOf<RankingPeriod>> ListPeriodsIn(store::Connection& conn, const Caller& caller,
                                                  const PeriodFilter& filter) {
  Conditions w;
  w.And("p.id > " + w.Bind(filter.page.after));
  if (filter.state) w.And("p.state = " + w.Bind(PeriodStateName(*filter.state)));
  CG_ASSIGN_OR_RETURN(std::string visible, PeriodVisible(conn, caller, w));
  w.And(visible);
  std::string limit = w.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(std::string(kPeriodSelect) + "WHERE " + w.Sql() +
                                                       " ORDER BY p.id LIMIT " + limit,
                                                   w.params()));
  std::vector<RankingPeriod> items;
  for (const auto& r : rows) {
    RankingPeriod p = FromRow(r);
    p.manageable = caller.Can(Permission::kOrgWrite) && caller.InScope(r.Text("path"));
    CG_TRY(LoadCriteria(conn, p));
    items.push_back(std::move(p));
  }
  return FinishPage(
      std::move(items), filter.page, +[](const RankingPeriod& p) { return p.id; });
}

// Validates one group's form; errors name "criteria.<group>[i].<field>".
core::Result<std::vector<NewCriterion>> CleanCriteria(RaterGroup group,
                                                      const std::vector<NewCriterion>& in,
                                                      const GovernanceOptions& options) {
  std::string at = "criteria." + std::string(RaterGroupName(group));
  if (in.empty()) return Error::Invalid(at, "评分表至少需要一项");
  if (static_cast<int64_t>(in.size()) > options.max_criteria) {
    return Error::Invalid(at, "评分项过多");
  }
  std::vector<NewCriterion> out;
  for (size_t i = 0; i < in.size(); ++i) {
    std::string item = at + "[" + std::to_string(i) + "]";
    CG_ASSIGN_OR_RETURN(std::string name, CleanName(in[i].name, item + ".name", 40));
    if (in[i].max_points < 1 || in[i].max_points > options.max_points) {
      return Error::Invalid(item + ".max_points",
                            "满分应在 1 到 " + std::to_string(options.max_points) + " 之间");
    }
    out.push_back(NewCriterion{name, in[i].max_points});
  }
  return out;
}

core::Status WriteCriteria(store::Connection& conn, int64_t period_id, RaterGroup group,
                           const std::vector<NewCriterion>& criteria) {
  CG_TRY(conn.Execute("DELETE FROM ranking_criterion WHERE period_id = $1 AND grp = $2",
                      {period_id, RaterGroupName(group)}));
  for (size_t i = 0; i < criteria.size(); ++i) {
    CG_TRY(
        conn.Execute("INSERT INTO ranking_criterion (period_id, grp, position, name, "
                     "max_points) VALUES ($1, $2, $3, $4, $5)",
                     {period_id, RaterGroupName(group), static_cast<int64_t>(i), criteria[i].name,
                      criteria[i].max_points}));
  }
  return core::Ok();
}

// The period's settings after `s` applies to `base`, validated.
core::Status MergeSettings(const PeriodSettings& s, RankingPeriod& p) {
  if (s.name) {
    CG_ASSIGN_OR_RETURN(p.name, CleanName(*s.name, "name", 60));
  }
  if (s.weights) p.weights = *s.weights;
  if (s.ticket_weight) p.ticket_weight = *s.ticket_weight;
  if (s.thresholds) p.thresholds = *s.thresholds;
  if (s.min_groups) p.min_groups = *s.min_groups;
  CG_TRY(ValidateWeights(p.weights, p.ticket_weight));
  CG_TRY(ValidateThresholds(p.thresholds));
  if (p.min_groups < 1 || p.min_groups > static_cast<int64_t>(kRaterGroups)) {
    return Error::Invalid("min_groups", "至少评分组数应在 1 到 4 之间");
  }
  return core::Ok();
}

}  // namespace governance

using core::Error;
using governance::LoadPeriod;

core::Result<RankingPeriod> GovernanceService::CreatePeriod(const Caller& caller,
                                                            const NewPeriod& np) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  RankingPeriod p;
  std::string default_name;
  if (np.quarter) {
    CG_ASSIGN_OR_RETURN(auto q, ParseQuarter(*np.quarter, "quarter"));
    p.start = q.first;
    p.end = q.second;
    default_name = np.quarter->substr(0, 4) + "年第" + np.quarter->substr(6, 1) + "季度红黄黑榜";
  } else if (np.start || np.end) {
    CG_ASSIGN_OR_RETURN(p.start, core::ParseDate(np.start.value_or(""), "start"));
    CG_ASSIGN_OR_RETURN(p.end, core::ParseDate(np.end.value_or(""), "end"));
    int64_t days = core::DaysFromCivil(p.end) - core::DaysFromCivil(p.start) + 1;
    if (days < 1 || days > options_.max_period_days) {
      return Error::Invalid(
          "end", "评比期应在 1 到 " + std::to_string(options_.max_period_days) + " 天之间");
    }
    default_name = core::FormatDate(p.start) + " 至 " + core::FormatDate(p.end) + " 红黄黑榜";
  } else {
    return Error::Invalid("quarter", "请给出季度 (YYYY-Qn) 或起止日期");
  }
  p.name = default_name;
  p.weights = options_.weights;
  p.ticket_weight = options_.ticket_weight;
  p.thresholds = options_.thresholds;
  p.min_groups = options_.min_groups;
  CG_TRY(governance::MergeSettings(np.settings, p));
  std::array<std::vector<NewCriterion>, kRaterGroups> forms;
  for (size_t i = 0; i < kRaterGroups; ++i) {
    CG_ASSIGN_OR_RETURN(
        forms[i], governance::CleanCriteria(
                      kAllRaterGroups[i],
                      np.settings.criteria[i].value_or(options_.default_criteria[i]), options_));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, np.node_id));
  if (kind != "county" && kind != "street" && kind != "community") {
    return Error::Invalid("node_id", "评比应由管辖范围内的县、街道或社区组织");
  }
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt(
          "INSERT INTO ranking_period (node_id, name, start_date, end_date, state, "
          "weight_community, weight_owners_committee, weight_property_company, "
          "weight_grid_workers, weight_tickets, red_min, black_below, min_groups, "
          "version, created_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, "
          "$10, $11, $12, 1, $13) RETURNING id",
          {np.node_id, p.name, core::FormatDate(p.start), core::FormatDate(p.end), p.weights[0],
           p.weights[1], p.weights[2], p.weights[3], p.ticket_weight, p.thresholds.red_min,
           p.thresholds.black_below, p.min_groups, clock_.NowMs()}));
  for (size_t i = 0; i < kRaterGroups; ++i) {
    CG_TRY(governance::WriteCriteria(*conn, id, kAllRaterGroups[i], forms[i]));
  }
  CG_TRY(audit_.Append(*conn, caller, "ranking.create", "ranking_period", id, p.name));
  CG_ASSIGN_OR_RETURN(RankingPeriod out, LoadPeriod(*conn, caller, id));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<RankingPeriod> GovernanceService::GetPeriod(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(RankingPeriod p, LoadPeriod(*conn, caller, id));
  CG_TRY(tx.Commit());
  return p;
}

core::Result<PageOf<RankingPeriod>> GovernanceService::ListPeriods(const Caller& caller,
                                                                   const PeriodFilter& filter) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(auto page, governance::ListPeriodsIn(*conn, caller, filter));
  CG_TRY(tx.Commit());
  return page;
}

namespace {

core::Status CheckManage(const RankingPeriod& p, std::optional<int64_t> version) {
  if (!p.manageable) return Error::Forbidden("当前角色无权管理此评比");
  if (version && *version != p.version) return Error::Conflict("评比已被他人修改", "version");
  return core::Ok();
}

}  // namespace

core::Result<RankingPeriod> GovernanceService::UpdatePeriod(const Caller& caller, int64_t id,
                                                            const PeriodSettings& settings) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(RankingPeriod p, LoadPeriod(*conn, caller, id));
  CG_TRY(CheckManage(p, settings.version));
  if (p.state != PeriodState::kOpen) {
    return Error::Conflict("评分开始后不能再修改评比设置", "state");
  }
  CG_TRY(governance::MergeSettings(settings, p));
  std::array<std::optional<std::vector<NewCriterion>>, kRaterGroups> forms;
  for (size_t i = 0; i < kRaterGroups; ++i) {
    if (!settings.criteria[i]) continue;
    CG_ASSIGN_OR_RETURN(
        forms[i], governance::CleanCriteria(kAllRaterGroups[i], *settings.criteria[i], options_));
  }
  CG_TRY(conn->Execute(
      "UPDATE ranking_period SET name = $2, weight_community = $3, "
      "weight_owners_committee = $4, weight_property_company = $5, "
      "weight_grid_workers = $6, weight_tickets = $7, red_min = $8, black_below "
      "= $9, min_groups = $10, version = version + 1 WHERE id = $1",
      {id, p.name, p.weights[0], p.weights[1], p.weights[2], p.weights[3], p.ticket_weight,
       p.thresholds.red_min, p.thresholds.black_below, p.min_groups}));
  for (size_t i = 0; i < kRaterGroups; ++i) {
    if (forms[i]) CG_TRY(governance::WriteCriteria(*conn, id, kAllRaterGroups[i], *forms[i]));
  }
  CG_TRY(audit_.Append(*conn, caller, "ranking.update", "ranking_period", id, p.name));
  CG_ASSIGN_OR_RETURN(RankingPeriod out, LoadPeriod(*conn, caller, id));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<RankingPeriod> GovernanceService::Advance(const Caller& caller, int64_t id,
                                                       PeriodState to,
                                                       std::optional<int64_t> version) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(RankingPeriod p, LoadPeriod(*conn, caller, id));
  CG_TRY(CheckManage(p, version));
  bool allowed = (p.state == PeriodState::kOpen && to == PeriodState::kScoring) ||
                 (p.state == PeriodState::kScoring && to == PeriodState::kPublished);
  if (!allowed) {
    return Error::Conflict("评比不能从 " + std::string(PeriodStateName(p.state)) + " 转为 " +
                               std::string(PeriodStateName(to)),
                           "state");
  }
  std::optional<int64_t> published_at;
  if (to == PeriodState::kPublished) {
    published_at = clock_.NowMs();
    CG_TRY(Freeze(*conn, p));
  }
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("UPDATE ranking_period SET state = $2, published_at "
                                               "= $3, version = version + 1 WHERE id = $1 AND "
                                               "version = $4",
                                               {id, PeriodStateName(to), published_at, p.version}));
  if (n == 0) return Error::Conflict("评比已被他人修改", "version");
  CG_TRY(audit_.Append(*conn, caller, "ranking.state", "ranking_period", id, PeriodStateName(to)));
  CG_ASSIGN_OR_RETURN(RankingPeriod out, LoadPeriod(*conn, caller, id));
  CG_TRY(tx.Commit());
  return out;
}

}  // namespace civicgrid::domain
