// What the console and the big screen read besides rates and rankings
// (stats.h): the counts of the inbox tabs, the rates month by month, and the
// grids of a subtree with their boundaries and figures. Range reads of the
// state counters (ticket_counts.h) and the month rows of the rollup
// (stats_rollup.h); nothing here counts ticket rows. Free functions over the
// database; thread-safe.
//
// Access: the counts and the trend as for Rates (kStatsRead, a node inside
// the scope, else NotFound); the grid map for any role within its scope
// (kOrgRead), its figures with kStatsRead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/time.h"
#include "domain/access/caller.h"
#include "domain/tickets/stats.h"
#include "domain/tickets/ticket_counts.h"
#include "store/pool.h"

namespace civicgrid::domain {

// Most months of a trend or of a grid map's figures.
inline constexpr int kMaxStatsMonths = 24;
// Most days of a daily trend (two months: a day key list stays within the
// 64 periods one rollup read takes).
inline constexpr int kMaxTrendDays = 62;
// Most grids one map answer holds (a city's grids; a province asks per city).
inline constexpr int64_t kMaxMapGrids = 5000;

// Whole months: `months` of them, the last being `last`.
struct MonthSpan {
  YearMonth last;
  int months = 1;
  YearMonth First() const;
  std::vector<int64_t> Keys() const;  // yyyymm, oldest first
};

// The inbox tab counts of a node's subtree.
struct NodeCounts {
  StatsNode node;
  std::optional<TicketKind> kind;  // counted only this kind, when set
  TicketCounts counts;
};

// How many tickets of `node_id`'s subtree (default: the caller's scope node)
// are in each state, open, overdue, now.
core::Result<NodeCounts> CountTickets(store::Db& db, const Caller& caller,
                                      std::optional<int64_t> node_id,
                                      std::optional<TicketKind> kind);

struct MonthFigures {
  YearMonth month;
  TicketTally tally;
  RateSet rates;
  std::optional<double> score;
};

// Oldest first, every month present (a month without tickets has zero
// counts and empty rates).
struct RatesTrend {
  StatsNode node;
  MonthSpan span;
  std::vector<MonthFigures> months;
};

// The figures of `node_id` (default: the caller's scope node) for each of
// `months` months ending with `last` (default: the current month in
// Asia/Shanghai). months in [1, kMaxStatsMonths], else Invalid "months".
core::Result<RatesTrend> RatesByMonth(store::Db& db, const core::Clock& clock,
                                      const ScoreWeights& weights, const Caller& caller,
                                      std::optional<int64_t> node_id, std::optional<YearMonth> last,
                                      int months);

struct DayFigures {
  core::CivilDate day;
  TicketTally tally;
  RateSet rates;  // empty where the day has no base (no demands, no ratings)
  std::optional<double> score;
};

// Oldest first, every day present: a day without tickets has zero counts and
// empty rates, which a chart draws as a gap, not as a fall to zero.
struct DailyTrend {
  StatsNode node;
  core::CivilDate from;
  core::CivilDate to;
  std::vector<DayFigures> days;
};

// The figures of `node_id` (default: the caller's scope node) for each of
// `days` days ending with `last` (default: today in Asia/Shanghai), from the
// day rows of the rollup in one read. days in [1, kMaxTrendDays], else
// Invalid "days".
core::Result<DailyTrend> RatesByDay(store::Db& db, const core::Clock& clock,
                                    const ScoreWeights& weights, const Caller& caller,
                                    std::optional<int64_t> node_id,
                                    std::optional<core::CivilDate> last, int days);

// One grid of a map.
struct GridFigures {
  int64_t id = 0;
  std::string code;
  std::string name;
  std::optional<int64_t> community_id;
  std::string community_name;
  std::optional<std::string> geometry;  // GeoJSON MultiPolygon, WGS-84
  std::optional<core::LonLat> center;
  int64_t open = 0;                  // open tickets filed at the grid, now
  int64_t overdue_open = 0;          // of which overdue
  std::optional<TicketTally> tally;  // over the span, when figures were asked for
  RateSet rates;
  std::optional<double> score;
};

struct GridMap {
  StatsNode node;
  std::optional<MonthSpan> span;   // set when figures were asked for
  std::vector<GridFigures> grids;  // in path order
};

// The grids under `node_id` (default: the caller's scope node; the node
// itself when it is a grid). More than kMaxMapGrids: Invalid "node_id".
core::Result<GridMap> MapGrids(store::Db& db, const core::Clock& clock, const ScoreWeights& weights,
                               const Caller& caller, std::optional<int64_t> node_id, bool figures,
                               std::optional<YearMonth> last, int months);

}  // namespace civicgrid::domain
