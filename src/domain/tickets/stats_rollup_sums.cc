// The read side of the rate rollup (stats_rollup.h): periods split into rows, and the sums of
// a subtree, per period, per node and per child.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "domain/tickets/stats_rollup.h"
#include "domain/tickets/stats_rollup_columns.h"

namespace civicgrid::domain::rollup {
namespace {

using internal::ColumnNames;
using internal::TallyFromRow;

// "SUM(r.received), …": NULL when there is no row. (No CAST: on SQLite it
// costs a fifth of the query; PostgreSQL's numeric sums read back exactly.)
std::string SumList(std::string_view alias) {
  std::string out;
  for (const std::string& c : ColumnNames()) {
    out += fmt::format("{}SUM({}{})", out.empty() ? "" : ", ", alias, c);
  }
  return out;
}

// IN lists come in these lengths (padded by repeating the last period), so a
// connection caches at most four statements for all period queries.
constexpr std::array<size_t, 4> kInListSizes = {1, 4, 16, 64};

// "grain = $1 AND path >= $2 AND path < $3" of a range, or (`exact`) "grain
// IN ($1, $2) AND path = $3"; the periods from $4 either way.
std::string KeyWhere(bool exact) {
  return exact ? "grain IN ($1, $2) AND path = $3" : "grain = $1 AND path >= $2 AND path < $3";
}

// The first three values for KeyWhere, to sum the subtree `range` of a node in
// `own` grain (kDay or kMonth): the grandchildren rows inside the range, or
// (`exact`) the node's own and children rows.
store::Params KeyParams(Grain own, const PathRange& range, bool exact) {
  if (exact) {
    return {static_cast<int64_t>(own), static_cast<int64_t>(ChildrenGrain(own)), range.lo};
  }
  return {static_cast<int64_t>(GrandchildrenGrain(own)), range.lo, range.hi};
}

const std::string& SumSql(size_t size_index, bool exact) {
  static const std::array<std::array<std::string, kInListSizes.size()>, 2> kSql = [] {
    std::array<std::array<std::string, kInListSizes.size()>, 2> sql;
    for (size_t i = 0; i < kInListSizes.size(); ++i) {
      for (bool e : {false, true}) {
        sql[e ? 1 : 0][i] = "SELECT " + SumList("") + " FROM ticket_rollup WHERE " + KeyWhere(e) +
                            " AND period IN (" + Placeholders(4, kInListSizes[i]) + ")";
      }
    }
    return sql;
  }();
  return kSql[exact ? 1 : 0][size_index];
}

// Children of $1 and the grandchildren rows of month $2 inside each child's
// path range. CROSS JOIN keeps SQLite on the plan "each child, then its range
// of the primary key"; PostgreSQL plans the same join freely, and read the
// whole month's rows of the city for it (800 children rows at city tier,
// 3.8 ms) until the parent's own range bounded its scan. With grandchildren
// rows a city's counties read about 90 (session 18).
const std::string& SumByChildSql() {
  static const std::string kSql =
      "SELECT c.id, " + SumList("r.") +
      " FROM org_node c CROSS JOIN ticket_rollup r WHERE c.parent_id = $1 AND r.grain = 6 AND "
      "r.period = $2 AND r.path >= c.path AND r.path < substr(c.path, 1, length(c.path) - 1) "
      "|| '0' AND r.path >= (SELECT p.path FROM org_node p WHERE p.id = $1) AND r.path < "
      "(SELECT substr(p.path, 1, length(p.path) - 1) || '0' FROM org_node p WHERE p.id = $1) "
      "GROUP BY c.id";
  return kSql;
}

// Children of $1 and their own and children rows of month $2.
const std::string& OwnByChildSql() {
  static const std::string kSql =
      "SELECT c.id, " + SumList("r.") +
      " FROM org_node c CROSS JOIN ticket_rollup r WHERE c.parent_id = $1 AND r.grain IN (2, 4) "
      "AND r.period = $2 AND r.path = c.path GROUP BY c.id";
  return kSql;
}

}  // namespace

Periods Split(core::CivilDate from, core::CivilDate to) {
  Periods out;
  const int64_t first = core::DaysFromCivil(from);
  const int64_t last = core::DaysFromCivil(to);
  for (int64_t day = first; day <= last;) {
    core::CivilDate d = core::CivilFromDays(day);
    const int64_t month_first = day - (d.day - 1);
    const int64_t month_last = core::DaysFromCivil(LastOfMonth(d));
    const int64_t in_first = std::max(first, month_first);
    const int64_t in_last = std::min(last, month_last);
    const int64_t inside = in_last - in_first + 1;
    const int64_t outside = month_last - month_first + 1 - inside;
    auto keys = [](std::vector<int64_t>& to_list, int64_t a, int64_t b) {
      for (int64_t k = a; k <= b; ++k) to_list.push_back(DayKey(core::CivilFromDays(k)));
    };
    if (outside == 0 || outside < inside) {
      out.months.push_back(MonthKey(d.year, d.month));
      keys(out.minus_days, month_first, in_first - 1);
      keys(out.minus_days, in_last + 1, month_last);
    } else {
      keys(out.days, in_first, in_last);
    }
    day = month_last + 1;
  }
  return out;
}

namespace {

// The rows KeyParams(own, range, exact) names, of `periods`.
core::Result<TicketTally> SumRows(store::Connection& conn, Grain own,
                                  const std::vector<int64_t>& periods, const PathRange& range,
                                  bool exact) {
  TicketTally total;
  constexpr size_t kLargest = kInListSizes.back();
  for (size_t first = 0; first < periods.size(); first += kLargest) {
    size_t count = std::min(kLargest, periods.size() - first);
    size_t size_index = 0;
    while (kInListSizes[size_index] < count) ++size_index;
    store::Params params = KeyParams(own, range, exact);
    for (size_t i = 0; i < kInListSizes[size_index]; ++i) {
      params.emplace_back(periods[first + std::min(i, count - 1)]);
    }
    CG_ASSIGN_OR_RETURN(store::Row row, conn.QueryOne(SumSql(size_index, exact), params));
    total += TallyFromRow(row, 0);
  }
  return total;
}

}  // namespace

core::Result<TicketTally> Sum(store::Connection& conn, Grain grain,
                              const std::vector<int64_t>& periods, const PathRange& range) {
  CG_ASSIGN_OR_RETURN(TicketTally total, SumRows(conn, grain, periods, range, /*exact=*/false));
  CG_ASSIGN_OR_RETURN(TicketTally own, SumRows(conn, grain, periods, range, /*exact=*/true));
  total += own;
  return total;
}

std::string SumGroupedSql(std::string_view group_column, size_t size, bool exact) {
  return fmt::format(
      "SELECT {0}, {1} FROM ticket_rollup WHERE {3} AND period IN ({2}) GROUP BY {0}", group_column,
      SumList(""), Placeholders(4, size), KeyWhere(exact));
}

namespace {

// The rows of SumGroupedSql for `key` (KeyWhere's three values) and
// `periods`, padded to an IN-list size.
core::Result<store::Rows> SumGrouped(store::Connection& conn, std::string_view group_column,
                                     store::Params params, const std::vector<int64_t>& periods,
                                     bool exact) {
  if (periods.empty()) return store::Rows{};
  if (periods.size() > kInListSizes.back()) {
    return core::Error::Invalid("months", "periods: at most 64");
  }
  size_t size_index = 0;
  while (kInListSizes[size_index] < periods.size()) ++size_index;
  for (size_t i = 0; i < kInListSizes[size_index]; ++i) {
    params.emplace_back(periods[std::min(i, periods.size() - 1)]);
  }
  return conn.Query(SumGroupedSql(group_column, kInListSizes[size_index], exact), params);
}

}  // namespace

core::Result<std::map<int64_t, TicketTally>> SumByPeriod(store::Connection& conn, Grain grain,
                                                         const std::vector<int64_t>& periods,
                                                         const PathRange& range) {
  std::map<int64_t, TicketTally> out;
  for (bool exact : {false, true}) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        SumGrouped(conn, "period", KeyParams(grain, range, exact), periods, exact));
    for (const store::Row& row : rows) out[row.Int(0)] += TallyFromRow(row, 1);
  }
  return out;
}

core::Result<std::map<std::string, TicketTally>> SumByPath(store::Connection& conn, Grain grain,
                                                           const std::vector<int64_t>& periods,
                                                           const PathRange& range) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      SumGrouped(conn, "path", {static_cast<int64_t>(grain), range.lo, range.hi}, periods, false));
  std::map<std::string, TicketTally> out;
  for (const store::Row& row : rows) out[row.Text(0)] = TallyFromRow(row, 1);
  return out;
}

core::Result<std::map<int64_t, TicketTally>> SumByChild(store::Connection& conn, int64_t parent_id,
                                                        int64_t month) {
  std::map<int64_t, TicketTally> out;
  for (const std::string* sql : {&SumByChildSql(), &OwnByChildSql()}) {
    CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(*sql, {parent_id, month}));
    for (const store::Row& row : rows) out[row.Int(0)] += TallyFromRow(row, 1);
  }
  return out;
}

}  // namespace civicgrid::domain::rollup
