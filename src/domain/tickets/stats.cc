#include "domain/tickets/stats.h"

#include <algorithm>

#include "domain/tickets/stats_rollup.h"
#include "domain/tickets/ticket_counts.h"

namespace civicgrid::domain {
namespace {

using core::CivilDate;
using core::Error;

int64_t MinutesBetween(int64_t from_ms, int64_t to_ms) {
  return std::max<int64_t>(0, (to_ms - from_ms) / core::kMsPerMinute);
}

void CountTime(int64_t minutes, int64_t& sum, MinuteHistogram& buckets) {
  sum += minutes;
  ++buckets[MinuteBucket(minutes)];
}

std::optional<double> Ratio(int64_t numerator, int64_t denominator) {
  if (denominator <= 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

// Kinds that are ranked among siblings; buildings, compounds and back streets
// hold no tickets of their own.
bool RankedKind(OrgKind kind) {
  switch (kind) {
    case OrgKind::kProvince:
    case OrgKind::kCity:
    case OrgKind::kCounty:
    case OrgKind::kStreet:
    case OrgKind::kCommunity:
    case OrgKind::kGrid:
      return true;
    case OrgKind::kBuilding:
    case OrgKind::kCompound:
    case OrgKind::kBackStreet:
      return false;
  }
  return false;
}

core::Result<StatsNode> NodeFromRow(const store::Row& row) {
  StatsNode n;
  n.id = row.Int(0);
  CG_ASSIGN_OR_RETURN(n.kind, ParseOrgKind(row.Text(1), "kind"));
  n.code = row.Text(2);
  n.name = row.Text(3);
  n.path = row.Text(4);
  return n;
}

CivilDate FirstOfMonth(CivilDate d) { return CivilDate{d.year, d.month, 1}; }

// The rollup rows of [from, to] inside `range`, summed (see rollup::Split).
core::Result<TicketTally> SumPeriod(store::Connection& conn, const PathRange& range, CivilDate from,
                                    CivilDate to) {
  rollup::Periods p = rollup::Split(from, to);
  CG_ASSIGN_OR_RETURN(TicketTally total, rollup::Sum(conn, rollup::Grain::kMonth, p.months, range));
  CG_ASSIGN_OR_RETURN(TicketTally added, rollup::Sum(conn, rollup::Grain::kDay, p.days, range));
  CG_ASSIGN_OR_RETURN(TicketTally removed,
                      rollup::Sum(conn, rollup::Grain::kDay, p.minus_days, range));
  total += added;
  total -= removed;
  return total;
}

// Better first: higher score, then more demands, then lower id.
bool RankedBefore(const RankedNode& a, const RankedNode& b) {
  const NodeRates& x = a.figures;
  const NodeRates& y = b.figures;
  if (x.score.has_value() != y.score.has_value()) return x.score.has_value();
  if (x.score && *x.score != *y.score) return *x.score > *y.score;
  if (x.tally.demands != y.tally.demands) return x.tally.demands > y.tally.demands;
  return x.node.id < y.node.id;
}

// Competition ranking ("1, 2, 2, 4") over the sorted items with a score.
void AssignRanks(std::vector<RankedNode>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& score = items[i].figures.score;
    if (!score) break;
    bool tie = i > 0 && items[i - 1].figures.score == score;
    items[i].rank = tie ? items[i - 1].rank : static_cast<int64_t>(i + 1);
  }
}

}  // namespace

size_t MinuteBucket(int64_t minutes) {
  auto it = std::upper_bound(kMinuteBucketBounds.begin(), kMinuteBucketBounds.end(), minutes);
  return static_cast<size_t>(it - kMinuteBucketBounds.begin());
}

TicketTally& TicketTally::operator+=(const TicketTally& other) {
  rollup::ForEachPair(*this, other, [](int64_t& a, const int64_t& b) { a += b; });
  return *this;
}

TicketTally& TicketTally::operator-=(const TicketTally& other) {
  rollup::ForEachPair(*this, other, [](int64_t& a, const int64_t& b) { a -= b; });
  return *this;
}

TicketTally Contribution(const Ticket& t) {
  TicketTally c;
  c.received = 1;
  bool resolved = t.resolved_at.has_value() &&
                  (t.state == TicketState::kResolved || t.state == TicketState::kClosed);
  if (t.state == TicketState::kRejected) {
    c.rejected = 1;
    return c;
  }
  if (t.duplicate_of) {
    c.duplicates = 1;
    return c;
  }
  if (t.state == TicketState::kClosed && !resolved) {
    c.withdrawn = 1;
    return c;
  }
  c.demands = 1;
  if (t.accepted_at) {
    c.accepted = 1;
    c.accepted_on_time = *t.accepted_at <= t.accept_due;
  }
  if (t.responded_at) {
    c.responded = 1;
    c.responded_on_time = *t.responded_at <= t.respond_due;
    CountTime(MinutesBetween(t.created_at, *t.responded_at), c.respond_minutes, c.respond_buckets);
  }
  if (resolved) {
    c.resolved = 1;
    c.resolved_on_time = *t.resolved_at <= t.resolve_due;
    CountTime(MinutesBetween(t.created_at, *t.resolved_at), c.resolve_minutes, c.resolve_buckets);
  }
  if (t.rating) {
    c.rated = 1;
    c.satisfied = *t.rating >= kSatisfiedRating;
  }
  if (t.callback_outcome) {
    c.solved = *t.callback_outcome == "solved";
    c.unsolved = *t.callback_outcome == "unsolved";
    c.unreachable = *t.callback_outcome == "unreachable";
  }
  c.overdue_accept = (t.overdue & kOverdueAccept) != 0;
  c.overdue_respond = (t.overdue & kOverdueRespond) != 0;
  c.overdue_resolve = (t.overdue & kOverdueResolve) != 0;
  c.overdue_escalation = (t.overdue & kOverdueEscalation) != 0;
  c.overdue_any = t.overdue != 0;
  c.supervised = t.supervised;
  return c;
}

DurationSummary Summarize(int64_t count, int64_t sum_minutes, const MinuteHistogram& buckets) {
  DurationSummary s;
  s.count = count;
  if (count <= 0) return s;
  s.average_minutes = static_cast<double>(sum_minutes) / static_cast<double>(count);
  int64_t total = 0;
  for (int64_t b : buckets) total += b;
  if (total <= 0) return s;
  double middle = static_cast<double>(total) / 2.0;
  double below = 0;
  for (size_t i = 0; i < kMinuteBuckets; ++i) {
    double here = static_cast<double>(buckets[i]);
    if (buckets[i] == 0 || below + here < middle) {
      below += here;
      continue;
    }
    int64_t low = i == 0 ? 0 : kMinuteBucketBounds[i - 1];
    s.median_low = low;
    if (i + 1 == kMinuteBuckets) {
      s.median_minutes = static_cast<double>(low);
    } else {
      int64_t high = kMinuteBucketBounds[i];
      s.median_high = high;
      s.median_minutes =
          static_cast<double>(low) + (middle - below) / here * static_cast<double>(high - low);
    }
    break;
  }
  return s;
}

RateSet ComputeRates(const TicketTally& t) {
  RateSet r;
  r.response_rate = Ratio(t.responded_on_time, t.demands);
  r.resolution_rate = Ratio(t.resolved, t.demands);
  r.on_time_resolution_rate = Ratio(t.resolved_on_time, t.demands);
  r.solve_rate = Ratio(t.solved, t.solved + t.unsolved);
  r.satisfaction_rate = Ratio(t.satisfied, t.rated);
  return r;
}

std::optional<double> CompositeScore(const RateSet& rates, const ScoreWeights& weights) {
  const std::pair<const std::optional<double>&, double> parts[] = {
      {rates.response_rate, weights.response},
      {rates.resolution_rate, weights.resolution},
      {rates.solve_rate, weights.solve},
      {rates.satisfaction_rate, weights.satisfaction},
  };
  double weighted = 0;
  double total = 0;
  for (const auto& [rate, weight] : parts) {
    if (!rate || weight <= 0) continue;
    weighted += weight * *rate;
    total += weight;
  }
  if (total <= 0) return std::nullopt;
  return 100.0 * weighted / total;
}

core::Result<YearMonth> ParseYearMonth(std::string_view text, std::string_view field) {
  auto date = core::ParseDate(std::string(text) + "-01", field);
  if (text.size() != 7 || !date.ok()) {
    return Error::Invalid(std::string(field), "月份格式应为 YYYY-MM，且为有效月份");
  }
  return YearMonth{date->year, date->month};
}

namespace {

// Applies change.after − change.before to the rollup.
core::Status RollupChange(store::Connection& conn, const TicketChange& change) {
  TicketTally after = Contribution(change.after);
  rollup::Cell after_cell = rollup::CellOf(change.after);
  if (!change.before) return rollup::Add(conn, after_cell, after);
  TicketTally before = Contribution(*change.before);
  rollup::Cell before_cell = rollup::CellOf(*change.before);
  // A ticket stays at its node; only a node move changes its path, and one
  // that committed after `before` was read has rewritten the rollup rows too
  // (OrgTreeService::AddPathCopy): the ticket's cell is where `after`, read
  // after this transaction's update, says.
  if (before_cell.node_id == after_cell.node_id) {
    before_cell.path = after_cell.path;
    before_cell.parent_path = after_cell.parent_path;
    before_cell.parent_id = after_cell.parent_id;
    before_cell.grand_path = after_cell.grand_path;
    before_cell.grand_id = after_cell.grand_id;
  }
  if (before_cell == after_cell) {
    if (before == after) return core::Ok();  // most events: nothing counted changed
    after -= before;
    return rollup::Add(conn, after_cell, after);
  }
  TicketTally removed;
  removed -= before;
  CG_TRY(rollup::Add(conn, before_cell, removed));
  return rollup::Add(conn, after_cell, after);
}

}  // namespace

// The rollup, then the state counters of the inbox tabs (ticket_counts.h).
core::Status TicketStats::InTransaction(store::Connection& conn, const TicketChange& change) {
  CG_TRY(RollupChange(conn, change));
  return counts::Apply(conn, change);
}

core::Status TicketStats::InTransactionBatch(store::Connection& conn,
                                             const std::vector<TicketChange>& changes) {
  std::vector<std::pair<rollup::Cell, TicketTally>> cells;
  std::vector<const Ticket*> added;
  for (const TicketChange& change : changes) {
    if (change.before) {
      CG_TRY(InTransaction(conn, change));
      continue;
    }
    cells.emplace_back(rollup::CellOf(change.after), Contribution(change.after));
    added.push_back(&change.after);
  }
  CG_TRY(rollup::AddMany(conn, cells));
  return counts::AddMany(conn, added);
}

core::Status TicketStats::OnSubtreeMoved(store::Connection& conn,
                                         const OrgTreeService::SubtreeMove& move) {
  return rollup::OnNodeMoved(conn, move.old_path, move.new_path);
}

// The state counters are recomputed too.
core::Status TicketStats::Rebuild(store::Connection& conn) {
  CG_TRY(rollup::Rebuild(conn));
  return counts::Rebuild(conn);
}

core::Status TicketStats::Rebuild() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kWrite));
  CG_TRY(Rebuild(*conn));
  return tx.Commit();
}

core::Result<StatsNode> TicketStats::NodeInScope(store::Connection& conn, const Caller& caller,
                                                 int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, kind, code, name, path FROM org_node WHERE id = $1 "
                                 "AND path >= $2 AND path < $3",
                                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("组织节点不存在");
  return NodeFromRow(rows[0]);
}

NodeRates TicketStats::Figures(StatsNode node, CivilDate from, CivilDate to,
                               const TicketTally& tally) const {
  NodeRates f;
  f.node = std::move(node);
  f.from = from;
  f.to = to;
  f.tally = tally;
  f.rates = ComputeRates(tally);
  f.score = CompositeScore(f.rates, options_.weights);
  f.respond = Summarize(tally.responded, tally.respond_minutes, tally.respond_buckets);
  f.resolve = Summarize(tally.resolved, tally.resolve_minutes, tally.resolve_buckets);
  return f;
}

core::Result<NodeRates> TicketStats::Rates(const Caller& caller, std::optional<int64_t> node_id,
                                           std::optional<CivilDate> from,
                                           std::optional<CivilDate> to) {
  CG_TRY(caller.Require(Permission::kStatsRead));
  if (!from && !to) from = FirstOfMonth(core::ShanghaiDate(clock_.NowMs()));
  if (!from) from = FirstOfMonth(*to);
  if (!to) to = rollup::LastOfMonth(*from);
  int64_t days = core::DaysFromCivil(*to) - core::DaysFromCivil(*from) + 1;
  if (days < 1) return Error::Invalid("to", "结束日期不能早于开始日期");
  if (days > options_.max_period_days) {
    return Error::Invalid(
        "to", "统计区间过长（最多 " + std::to_string(options_.max_period_days) + " 天）");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(StatsNode node,
                      NodeInScope(*conn, caller, node_id.value_or(caller.scope_node_id)));
  CG_ASSIGN_OR_RETURN(TicketTally total, SumPeriod(*conn, SubtreeRange(node.path), *from, *to));
  CG_TRY(tx.Commit());
  return Figures(std::move(node), *from, *to, total);
}

core::Result<Ranking> TicketStats::Rankings(const Caller& caller, std::optional<int64_t> parent_id,
                                            std::optional<YearMonth> month) {
  CG_TRY(caller.Require(Permission::kStatsRead));
  if (!month) {
    CivilDate today = core::ShanghaiDate(clock_.NowMs());
    month = YearMonth{today.year, today.month};
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  Ranking ranking;
  ranking.month = *month;
  ranking.weights = options_.weights;
  CG_ASSIGN_OR_RETURN(ranking.parent,
                      NodeInScope(*conn, caller, parent_id.value_or(caller.scope_node_id)));
  CG_ASSIGN_OR_RETURN(store::Rows children,
                      conn->Query("SELECT id, kind, code, name, path FROM org_node WHERE "
                                  "parent_id = $1 ORDER BY id",
                                  {ranking.parent.id}));
  CG_ASSIGN_OR_RETURN(auto sums, rollup::SumByChild(*conn, ranking.parent.id,
                                                    rollup::MonthKey(month->year, month->month)));
  CG_TRY(tx.Commit());
  CivilDate from{month->year, month->month, 1};
  CivilDate to = rollup::LastOfMonth(from);
  for (const store::Row& row : children) {
    CG_ASSIGN_OR_RETURN(StatsNode child, NodeFromRow(row));
    if (!RankedKind(child.kind)) continue;
    auto sum = sums.find(child.id);
    TicketTally tally = sum == sums.end() ? TicketTally{} : sum->second;
    ranking.items.push_back(RankedNode{std::nullopt, Figures(std::move(child), from, to, tally)});
  }
  std::sort(ranking.items.begin(), ranking.items.end(), RankedBefore);
  AssignRanks(ranking.items);
  return ranking;
}

}  // namespace civicgrid::domain
