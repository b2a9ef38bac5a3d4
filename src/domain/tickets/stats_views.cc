#include "domain/tickets/stats_views.h"

#include <fmt/format.h>

#include <map>

#include "domain/registry/org_tree.h"
#include "domain/tickets/stats_rollup.h"

namespace civicgrid::domain {
namespace {

using core::Error;

// The node `id` if it lies inside the caller's scope (as TicketStats does).
core::Result<StatsNode> NodeInScope(store::Connection& conn, const Caller& caller, int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, kind, code, name, path FROM org_node WHERE id = $1 "
                                 "AND path >= $2 AND path < $3",
                                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("组织节点不存在");
  StatsNode n;
  n.id = rows[0].Int(0);
  CG_ASSIGN_OR_RETURN(n.kind, ParseOrgKind(rows[0].Text(1), "kind"));
  n.code = rows[0].Text(2);
  n.name = rows[0].Text(3);
  n.path = rows[0].Text(4);
  return n;
}

core::Result<MonthSpan> SpanOf(const core::Clock& clock, std::optional<YearMonth> last,
                               int months) {
  if (months < 1 || months > kMaxStatsMonths) {
    return Error::Invalid("months", fmt::format("月数应在 1 到 {} 之间", kMaxStatsMonths));
  }
  if (!last) {
    core::CivilDate today = core::ShanghaiDate(clock.NowMs());
    last = YearMonth{today.year, today.month};
  }
  return MonthSpan{*last, months};
}

YearMonth MonthsBefore(YearMonth m, int n) {
  int index = m.year * 12 + (m.month - 1) - n;
  return YearMonth{index / 12, index % 12 + 1};
}

// The grids of the subtree in path order (org_node_kind_path, migration 13),
// with their parent when it is a community; one more than `limit` at most.
const std::string& GridSql() {
  static const std::string kSql =
      "SELECT g.id, g.code, g.name, g.path, g.geometry, g.center_lon, g.center_lat, p.id, p.kind, "
      "p.name FROM org_node g LEFT JOIN org_node p ON p.id = g.parent_id WHERE g.kind = 'grid' AND "
      "g.path >= $1 AND g.path < $2 ORDER BY g.path LIMIT $3";
  return kSql;
}

GridFigures GridFromRow(const store::Row& row) {
  GridFigures g;
  g.id = row.Int(0);
  g.code = row.Text(1);
  g.name = row.Text(2);
  g.geometry = row.OptText(4);
  if (!row.IsNull(5) && !row.IsNull(6)) g.center = core::LonLat{row.Real(5), row.Real(6)};
  if (!row.IsNull(7) && row.Text(8) == OrgKindName(OrgKind::kCommunity)) {
    g.community_id = row.Int(7);
    g.community_name = row.Text(9);
  }
  return g;
}

// Open and overdue-open tickets per path of the subtree, from the counters.
const std::string& OpenByPathSql() {
  static const std::string kSql =
      "SELECT path, state, overdue, SUM(n) FROM ticket_state_count WHERE path >= $1 AND path < $2 "
      "GROUP BY path, state, overdue";
  return kSql;
}

}  // namespace

YearMonth MonthSpan::First() const { return MonthsBefore(last, months - 1); }

std::vector<int64_t> MonthSpan::Keys() const {
  std::vector<int64_t> keys;
  for (int i = months - 1; i >= 0; --i) {
    YearMonth m = MonthsBefore(last, i);
    keys.push_back(rollup::MonthKey(m.year, m.month));
  }
  return keys;
}

core::Result<NodeCounts> CountTickets(store::Db& db, const Caller& caller,
                                      std::optional<int64_t> node_id,
                                      std::optional<TicketKind> kind) {
  CG_TRY(caller.Require(Permission::kStatsRead));
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  NodeCounts out;
  CG_ASSIGN_OR_RETURN(out.node, NodeInScope(*conn, caller, node_id.value_or(caller.scope_node_id)));
  CG_ASSIGN_OR_RETURN(out.counts, counts::Read(*conn, SubtreeRange(out.node.path), kind));
  CG_TRY(tx.Commit());
  out.kind = kind;
  return out;
}

core::Result<RatesTrend> RatesByMonth(store::Db& db, const core::Clock& clock,
                                      const ScoreWeights& weights, const Caller& caller,
                                      std::optional<int64_t> node_id, std::optional<YearMonth> last,
                                      int months) {
  CG_TRY(caller.Require(Permission::kStatsRead));
  CG_ASSIGN_OR_RETURN(MonthSpan span, SpanOf(clock, last, months));
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  RatesTrend trend;
  trend.span = span;
  CG_ASSIGN_OR_RETURN(trend.node,
                      NodeInScope(*conn, caller, node_id.value_or(caller.scope_node_id)));
  const std::vector<int64_t> keys = span.Keys();
  CG_ASSIGN_OR_RETURN(auto sums, rollup::SumByPeriod(*conn, rollup::Grain::kMonth, keys,
                                                     SubtreeRange(trend.node.path)));
  CG_TRY(tx.Commit());
  for (int64_t key : keys) {
    MonthFigures m;
    m.month = YearMonth{static_cast<int>(key / 100), static_cast<int>(key % 100)};
    if (auto it = sums.find(key); it != sums.end()) m.tally = it->second;
    m.rates = ComputeRates(m.tally);
    m.score = CompositeScore(m.rates, weights);
    trend.months.push_back(std::move(m));
  }
  return trend;
}

core::Result<DailyTrend> RatesByDay(store::Db& db, const core::Clock& clock,
                                    const ScoreWeights& weights, const Caller& caller,
                                    std::optional<int64_t> node_id,
                                    std::optional<core::CivilDate> last, int days) {
  CG_TRY(caller.Require(Permission::kStatsRead));
  if (days < 1 || days > kMaxTrendDays) {
    return Error::Invalid("days", fmt::format("天数应在 1 到 {} 之间", kMaxTrendDays));
  }
  DailyTrend trend;
  trend.to = last.value_or(core::ShanghaiDate(clock.NowMs()));
  const int64_t last_index = core::DaysFromCivil(trend.to);
  trend.from = core::CivilFromDays(last_index - days + 1);
  std::vector<int64_t> keys;
  for (int64_t i = last_index - days + 1; i <= last_index; ++i) {
    keys.push_back(rollup::DayKey(core::CivilFromDays(i)));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(trend.node,
                      NodeInScope(*conn, caller, node_id.value_or(caller.scope_node_id)));
  CG_ASSIGN_OR_RETURN(auto sums, rollup::SumByPeriod(*conn, rollup::Grain::kDay, keys,
                                                     SubtreeRange(trend.node.path)));
  CG_TRY(tx.Commit());
  for (size_t i = 0; i < keys.size(); ++i) {
    DayFigures d;
    d.day = core::CivilFromDays(last_index - days + 1 + static_cast<int64_t>(i));
    if (auto it = sums.find(keys[i]); it != sums.end()) d.tally = it->second;
    d.rates = ComputeRates(d.tally);
    d.score = CompositeScore(d.rates, weights);
    trend.days.push_back(std::move(d));
  }
  return trend;
}

core::Result<GridMap> MapGrids(store::Db& db, const core::Clock& clock, const ScoreWeights& weights,
                               const Caller& caller, std::optional<int64_t> node_id, bool figures,
                               std::optional<YearMonth> last, int months) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  if (figures) CG_TRY(caller.Require(Permission::kStatsRead));
  GridMap map;
  if (figures) {
    CG_ASSIGN_OR_RETURN(map.span, SpanOf(clock, last, months));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(map.node, NodeInScope(*conn, caller, node_id.value_or(caller.scope_node_id)));
  const PathRange range = SubtreeRange(map.node.path);
  const int64_t limit = kMaxMapGrids;
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(GridSql(), {range.lo, range.hi, limit + 1}));
  if (static_cast<int64_t>(rows.size()) > limit) {
    return Error::Invalid("node_id", fmt::format("该节点下网格超过 {} 个，请选择下级节点", limit));
  }
  std::map<std::string, size_t> by_path;
  for (const store::Row& row : rows) {
    by_path[row.Text(3)] = map.grids.size();
    map.grids.push_back(GridFromRow(row));
  }
  CG_ASSIGN_OR_RETURN(store::Rows open, conn->Query(OpenByPathSql(), {range.lo, range.hi}));
  for (const store::Row& row : open) {
    auto it = by_path.find(row.Text(0));
    auto state = ParseTicketState(row.Text(1), "state");
    if (it == by_path.end() || !state.ok() || !IsOpen(*state)) continue;
    GridFigures& g = map.grids[it->second];
    g.open += row.Int(3);
    if (row.Int(2) != 0) g.overdue_open += row.Int(3);
  }
  if (map.span) {
    CG_ASSIGN_OR_RETURN(auto sums,
                        rollup::SumByPath(*conn, rollup::Grain::kMonth, map.span->Keys(), range));
    for (auto& [path, tally] : sums) {
      auto it = by_path.find(path);
      if (it == by_path.end()) continue;
      GridFigures& g = map.grids[it->second];
      g.tally = tally;
      g.rates = ComputeRates(tally);
      g.score = CompositeScore(g.rates, weights);
    }
    for (GridFigures& g : map.grids) {
      if (!g.tally) g.tally = TicketTally{};
    }
  }
  CG_TRY(tx.Commit());
  return map;
}

}  // namespace civicgrid::domain
