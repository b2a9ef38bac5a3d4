// The ticket_rollup table (migration 8) behind TicketStats: the only SQL of
// the statistics. Rows are keyed by (grain, period, path): grain kDay with
// period yyyymmdd, grain kMonth with period yyyymm, path the materialised path
// of the ticket's node. Every other column is a TicketTally field, summed.
//
// Each ticket also counts in a second pair of rows (migration 29), grains
// kChildrenDay and kChildrenMonth, keyed by the path of its node's parent: the
// row of node P sums the tickets of P's children; and in a third pair
// (migration 32), grains kGrandchildrenDay and kGrandchildrenMonth, keyed by
// the path of its node's grandparent (none when the node has no grandparent).
// A node's subtree is then its own rows and its children rows at its exact
// path plus the grandchildren rows inside its range: every ticket two or more
// levels below the node has its grandparent in the range, and is counted
// there once. A county's year reads its own and its ~10 streets' rows, not its
// ~110 communities' (docs/rates.md, "Rows per parent"). No knowledge of node
// kinds is needed, and a move rewrites the rows inside the moved subtree with
// the paths (OrgTreeService::AddPathCopy); only the moved node's own tickets
// change parent and grandparent, and its children's tickets grandparent
// (OnNodeMoved).
//
// Internal to domain/tickets; functions, no state.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/access/caller.h"
#include "domain/tickets/stats.h"
#include "store/db.h"

namespace civicgrid::domain::rollup {

enum class Grain : int64_t {
  kDay = 1,
  kMonth = 2,
  kChildrenDay = 3,
  kChildrenMonth = 4,
  kGrandchildrenDay = 5,
  kGrandchildrenMonth = 6
};
// The grain that sums a node's children's tickets for `own` (kDay or kMonth).
constexpr Grain ChildrenGrain(Grain own) {
  return own == Grain::kDay ? Grain::kChildrenDay : Grain::kChildrenMonth;
}
// The grain that sums a node's grandchildren's tickets for `own`.
constexpr Grain GrandchildrenGrain(Grain own) {
  return own == Grain::kDay ? Grain::kGrandchildrenDay : Grain::kGrandchildrenMonth;
}

// The parent's path of the node at `path` ("/1/7/42/" → "/1/7/", "/1/" → "/"),
// and the id its last segment names (0 for "/").
std::string ParentPath(std::string_view path);
int64_t LastSegmentId(std::string_view path);

// The counters of TicketTally and their columns, in column order; the bucket
// columns (respond_b00 … respond_b15, resolve_b00 … resolve_b15) follow.
struct Counter {
  std::string_view column;
  int64_t TicketTally::*field;
};
inline constexpr std::array<Counter, 24> kCounters = {{
    {"received", &TicketTally::received},
    {"rejected", &TicketTally::rejected},
    {"duplicates", &TicketTally::duplicates},
    {"withdrawn", &TicketTally::withdrawn},
    {"demands", &TicketTally::demands},
    {"accepted", &TicketTally::accepted},
    {"accepted_on_time", &TicketTally::accepted_on_time},
    {"responded", &TicketTally::responded},
    {"responded_on_time", &TicketTally::responded_on_time},
    {"resolved", &TicketTally::resolved},
    {"resolved_on_time", &TicketTally::resolved_on_time},
    {"rated", &TicketTally::rated},
    {"satisfied", &TicketTally::satisfied},
    {"solved", &TicketTally::solved},
    {"unsolved", &TicketTally::unsolved},
    {"unreachable", &TicketTally::unreachable},
    {"overdue_accept", &TicketTally::overdue_accept},
    {"overdue_respond", &TicketTally::overdue_respond},
    {"overdue_resolve", &TicketTally::overdue_resolve},
    {"overdue_escalation", &TicketTally::overdue_escalation},
    {"overdue_any", &TicketTally::overdue_any},
    {"supervised", &TicketTally::supervised},
    {"respond_minutes", &TicketTally::respond_minutes},
    {"resolve_minutes", &TicketTally::resolve_minutes},
}};
inline constexpr size_t kTallyColumns = kCounters.size() + 2 * kMinuteBuckets;

// Calls f(a_field, b_field) for every field of the two tallies, in column order.
template <typename A, typename B, typename F>
void ForEachPair(A& a, B& b, F&& f) {
  for (const Counter& c : kCounters) f(a.*(c.field), b.*(c.field));
  for (size_t i = 0; i < kMinuteBuckets; ++i) f(a.respond_buckets[i], b.respond_buckets[i]);
  for (size_t i = 0; i < kMinuteBuckets; ++i) f(a.resolve_buckets[i], b.resolve_buckets[i]);
}
// Calls f(field) for every field, in column order.
template <typename T, typename F>
void ForEachField(T& tally, F&& f) {
  ForEachPair(tally, tally, [&f](auto& x, auto&) { f(x); });
}

// Where one ticket's contribution goes: its node, its node's parent and
// grandparent (grand_path empty when there is none) and its creation day.
struct Cell {
  std::string path;
  int64_t node_id = 0;
  std::string parent_path;
  int64_t parent_id = 0;
  std::string grand_path;
  int64_t grand_id = 0;
  int64_t day = 0;    // yyyymmdd in Asia/Shanghai
  int64_t month = 0;  // yyyymm
  bool operator==(const Cell& other) const = default;
};
Cell CellOf(const Ticket& ticket);

int64_t DayKey(core::CivilDate date);
int64_t MonthKey(int year, int month);
// The last day of `date`'s month.
core::CivilDate LastOfMonth(core::CivilDate date);

// Adds `delta` (which may be negative) to the day row and the month row of
// `cell`, to its parent's children rows and its grandparent's grandchildren
// rows of that day and month, creating them when absent; rows left with no
// ticket are removed.
core::Status Add(store::Connection& conn, const Cell& cell, const TicketTally& delta);

// Adds many non-negative deltas at once (a batch of submissions): summed per
// row, then written in key order (so that two writers lock rows in the same
// order) by multi-row upserts of up to 64 rows.
core::Status AddMany(store::Connection& conn,
                     const std::vector<std::pair<Cell, TicketTally>>& deltas);

// Deletes every row and recomputes them from the ticket table.
core::Status Rebuild(store::Connection& conn);

// The children rows computed from the node rows (grains kDay, kMonth), as
// INSERT … SELECT: Rebuild's second step and migration 29's; the
// grandchildren rows likewise (Rebuild's third step, migration 32's).
const std::string& ChildrenFromOwnSql();
const std::string& GrandchildrenFromOwnSql();

// After the node at `old_path` moved to `new_path` (paths inside the subtree
// already rewritten): its own tickets' sums leave the old parent's children
// rows and the old grandparent's grandchildren rows for the new ones, and its
// children's tickets leave the old parent's grandchildren rows for the new
// parent's.
core::Status OnNodeMoved(store::Connection& conn, std::string_view old_path,
                         std::string_view new_path);

// The days [from, to] as period keys, in ascending order: the months whose
// rows are added, the days whose rows are added, and the days whose rows are
// subtracted. Whole months are month rows. A month only partly inside is
// either its days inside, or — when fewer days lie outside — its month row
// minus the days outside; so no more than 15 day rows are read per partial
// month, and a month-to-date or year-to-date period (whose days outside are
// in the future and have no rows) costs no more than whole months.
struct Periods {
  std::vector<int64_t> months;      // yyyymm
  std::vector<int64_t> days;        // yyyymmdd
  std::vector<int64_t> minus_days;  // yyyymmdd
};
Periods Split(core::CivilDate from, core::CivilDate to);

// The tickets of the subtree `range` (= SubtreeRange(node path)) filed in one
// of `periods` of `grain` (kDay or kMonth), summed: the grandchildren rows
// inside the range, and the node's own and children rows at range.lo. One
// equality seek per period (an IN list) for each, so the rows of other nodes
// are never read.
core::Result<TicketTally> Sum(store::Connection& conn, Grain grain,
                              const std::vector<int64_t>& periods, const PathRange& range);

// The sums of `periods` (at most 64) of `grain` (kDay or kMonth): per period
// for the subtree `range` (the rows Sum reads), or per node
// path of the node rows inside `range` (SumByPath: one entry per node with
// tickets, as a grid map needs). Periods and paths without rows are absent.
// The rows read are the subtree's parents (or nodes) × periods, whatever the
// number of tickets.
core::Result<std::map<int64_t, TicketTally>> SumByPeriod(store::Connection& conn, Grain grain,
                                                         const std::vector<int64_t>& periods,
                                                         const PathRange& range);
core::Result<std::map<std::string, TicketTally>> SumByPath(store::Connection& conn, Grain grain,
                                                           const std::vector<int64_t>& periods,
                                                           const PathRange& range);
// The SQL of those (for the plan tests): $1 grain, $2 lo, $3 hi, then `size`
// periods; or, `exact`, $1 and $2 two grains, $3 path, then `size` periods.
std::string SumGroupedSql(std::string_view group_column, size_t size, bool exact = false);

// The month's sums per child id of `parent_id` (children without rows absent):
// each child's grandchildren rows in its range and its own and children rows.
core::Result<std::map<int64_t, TicketTally>> SumByChild(store::Connection& conn, int64_t parent_id,
                                                        int64_t month);

}  // namespace civicgrid::domain::rollup
