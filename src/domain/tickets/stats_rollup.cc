#include "domain/tickets/stats_rollup.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <iterator>
#include <map>
#include <mutex>
#include <tuple>

#include "domain/tickets/stats_rollup_columns.h"

namespace civicgrid::domain::rollup {
namespace internal {

const std::vector<std::string>& ColumnNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const Counter& c : kCounters) names.emplace_back(c.column);
    for (const char* kind : {"respond", "resolve"}) {
      for (size_t i = 0; i < kMinuteBuckets; ++i)
        names.push_back(fmt::format("{}_b{:02}", kind, i));
    }
    return names;
  }();
  return kNames;
}

TicketTally TallyFromRow(const store::Row& row, size_t first) {
  TicketTally t;
  size_t i = first;
  ForEachField(t, [&](int64_t& v) {
    v = row.IsNull(i) ? 0 : row.Int(i);
    ++i;
  });
  return t;
}

}  // namespace internal
namespace {

using internal::ColumnNames;
using internal::TallyFromRow;

// Rows written by one multi-row INSERT during a rebuild (60 parameters each).
constexpr size_t kInsertBatch = 64;
// Ticket rows read per page during a rebuild.
constexpr int64_t kRebuildPage = 10000;

// "received, rejected, …": every tally column, in column order.
const std::string& ColumnList() {
  static const std::string kList = fmt::format("{}", fmt::join(ColumnNames(), ", "));
  return kList;
}

std::string InsertHead() {
  return "INSERT INTO ticket_rollup (grain, period, path, node_id, " + ColumnList() + ") VALUES ";
}

// One row's values: key, node, then every tally column.
constexpr size_t kRowParams = 4 + kTallyColumns;

// The columns a delta changes: bit i for the i-th tally column, in column order.
static_assert(kTallyColumns <= 64);
constexpr uint64_t kEveryColumn =
    kTallyColumns == 64 ? ~uint64_t{0} : (uint64_t{1} << kTallyColumns) - 1;
uint64_t ChangedColumns(const TicketTally& delta) {
  uint64_t mask = 0;
  size_t i = 0;
  ForEachField(delta, [&](const int64_t& v) {
    if (v != 0) mask |= uint64_t{1} << i;
    ++i;
  });
  return mask;
}

// Upserts a delta to `rows` rows (1, 4, 16 or 64), naming only the columns of
// `mask`: the others default to 0 in a new row and stay as they are in an old
// one. A new ticket changes 2 of the 56 columns and most events a few, and a
// statement naming all 56 bound, added and wrote every one of them. Built
// once per (mask, rows) and shared; past 512 shapes (the masks follow the
// event types, but a mix of odd corrections could make more) every column is
// named, which is always right: `mask` then comes back widened, and the rows'
// values must be appended with it.
const std::string& UpsertSql(uint64_t& mask, size_t rows) {
  static std::mutex mutex;
  static std::map<std::pair<uint64_t, size_t>, std::string> built;  // GUARDED_BY(mutex)
  std::lock_guard lock(mutex);
  if (built.size() >= 512 && !built.contains({mask, rows})) mask = kEveryColumn;
  auto [it, added] = built.try_emplace({mask, rows});
  if (!added) return it->second;
  std::vector<std::string_view> columns;
  for (size_t i = 0; i < kTallyColumns; ++i) {
    if ((mask >> i) & 1) columns.push_back(ColumnNames()[i]);
  }
  const size_t row_params = 4 + columns.size();
  std::string sql =
      fmt::format("INSERT INTO ticket_rollup (grain, period, path, node_id{}{}) VALUES ",
                  columns.empty() ? "" : ", ", fmt::join(columns, ", "));
  for (size_t r = 0; r < rows; ++r) {
    sql += (r == 0 ? "(" : ", (") + Placeholders(1 + r * row_params, row_params) + ")";
  }
  sql += " ON CONFLICT (grain, period, path) DO UPDATE SET node_id = excluded.node_id";
  for (std::string_view c : columns)
    sql += fmt::format(", {0} = ticket_rollup.{0} + excluded.{0}", c);
  it->second = std::move(sql);
  return it->second;
}

const std::string& BatchInsertSql() {
  static const std::string kSql = [] {
    std::string sql = InsertHead();
    for (size_t r = 0; r < kInsertBatch; ++r) {
      sql += (r == 0 ? "(" : ", (") + Placeholders(1 + r * kRowParams, kRowParams) + ")";
    }
    return sql;
  }();
  return kSql;
}

const std::string& SingleInsertSql() {
  static const std::string kSql = InsertHead() + "(" + Placeholders(1, kRowParams) + ")";
  return kSql;
}

// One row's values: key, node, then the tally's columns of `mask` (every one by default).
void AppendRow(store::Params& params, Grain grain, int64_t period, const std::string& path,
               int64_t node_id, const TicketTally& tally, uint64_t mask = kEveryColumn) {
  params.emplace_back(static_cast<int64_t>(grain));
  params.emplace_back(period);
  params.emplace_back(path);
  params.emplace_back(node_id);
  size_t i = 0;
  ForEachField(tally, [&](const int64_t& v) {
    if ((mask >> i++) & 1) params.emplace_back(v);
  });
}

core::Status AddRow(store::Connection& conn, Grain grain, int64_t period, const std::string& path,
                    int64_t node_id, const TicketTally& delta) {
  const uint64_t mask = ChangedColumns(delta);
  if (mask == 0) return core::Ok();  // nothing to add (and no row to create)
  uint64_t shape = mask;
  const std::string& sql = UpsertSql(shape, 1);
  store::Params params;
  params.reserve(kRowParams);
  AppendRow(params, grain, period, path, node_id, delta, shape);
  CG_ASSIGN_OR_RETURN(int64_t changed, conn.Execute(sql, params));
  (void)changed;
  if (delta.received >= 0) return core::Ok();
  CG_ASSIGN_OR_RETURN(int64_t removed,
                      conn.Execute("DELETE FROM ticket_rollup WHERE grain = $1 AND period = $2 "
                                   "AND path = $3 AND received = 0",
                                   {static_cast<int64_t>(grain), period, path}));
  (void)removed;
  return core::Ok();
}

// The ticket columns Contribution reads, and the row → Ticket mapping.
constexpr std::string_view kTicketColumns =
    "id, node_id, path, state, duplicate_of, rating, callback_outcome, overdue, supervised, "
    "created_at, accept_due, respond_due, resolve_due, accepted_at, responded_at, resolved_at";

core::Result<Ticket> TicketFromRow(const store::Row& row) {
  Ticket t;
  t.id = row.Int(0);
  t.node_id = row.Int(1);
  t.path = row.Text(2);
  CG_ASSIGN_OR_RETURN(t.state, ParseTicketState(row.Text(3), "state"));
  t.duplicate_of = row.OptInt(4);
  t.rating = row.OptInt(5);
  t.callback_outcome = row.OptText(6);
  t.overdue = row.Int(7);
  t.supervised = row.Int(8) != 0;
  t.created_at = row.Int(9);
  t.accept_due = row.Int(10);
  t.respond_due = row.Int(11);
  t.resolve_due = row.Int(12);
  t.accepted_at = row.OptInt(13);
  t.responded_at = row.OptInt(14);
  t.resolved_at = row.OptInt(15);
  return t;
}

// Accumulates the rows of one path (the tickets come in path order) and
// writes them in multi-row INSERTs.
class RebuildWriter {
 public:
  explicit RebuildWriter(store::Connection& conn) : conn_(conn) {}

  core::Status Add(const Ticket& ticket) {
    if (ticket.path != path_) CG_TRY(FlushPath());
    path_ = ticket.path;
    node_id_ = ticket.node_id;
    Cell cell = CellOf(ticket);
    TicketTally c = Contribution(ticket);
    cells_[{Grain::kDay, cell.day}] += c;
    cells_[{Grain::kMonth, cell.month}] += c;
    return core::Ok();
  }

  core::Status Finish() {
    CG_TRY(FlushPath());
    for (size_t r = 0; r < pending_rows_; ++r) {
      store::Params one(pending_.begin() + static_cast<std::ptrdiff_t>(r * kRowParams),
                        pending_.begin() + static_cast<std::ptrdiff_t>((r + 1) * kRowParams));
      CG_ASSIGN_OR_RETURN(int64_t n, conn_.Execute(SingleInsertSql(), one));
      (void)n;
    }
    return core::Ok();
  }

 private:
  core::Status FlushPath() {
    for (const auto& [key, tally] : cells_) {
      AppendRow(pending_, key.first, key.second, path_, node_id_, tally);
      if (++pending_rows_ == kInsertBatch) {
        CG_ASSIGN_OR_RETURN(int64_t n, conn_.Execute(BatchInsertSql(), pending_));
        (void)n;
        pending_.clear();
        pending_rows_ = 0;
      }
    }
    cells_.clear();
    return core::Ok();
  }

  store::Connection& conn_;
  std::string path_;
  int64_t node_id_ = 0;
  std::map<std::pair<Grain, int64_t>, TicketTally> cells_;
  store::Params pending_;
  size_t pending_rows_ = 0;
};

}  // namespace

int64_t DayKey(core::CivilDate date) {
  return int64_t{date.year} * 10000 + date.month * 100 + date.day;
}

int64_t MonthKey(int year, int month) { return int64_t{year} * 100 + month; }

core::CivilDate LastOfMonth(core::CivilDate date) {
  core::CivilDate next{date.month == 12 ? date.year + 1 : date.year,
                       date.month == 12 ? 1 : date.month + 1, 1};
  return core::CivilFromDays(core::DaysFromCivil(next) - 1);
}

namespace {

// Where the last segment of "/1/7/42/" starts (at "42/"), or npos for "/".
size_t LastSegment(std::string_view path) {
  if (path.size() < 2) return std::string_view::npos;
  const size_t slash = path.rfind('/', path.size() - 2);
  return slash == std::string_view::npos ? slash : slash + 1;
}

}  // namespace

std::string ParentPath(std::string_view path) {
  const size_t last = LastSegment(path);
  return last == std::string_view::npos ? "/" : std::string(path.substr(0, last));
}

int64_t LastSegmentId(std::string_view path) {
  const size_t last = LastSegment(path);
  if (last == std::string_view::npos) return 0;
  const std::string_view digits = path.substr(last, path.size() - 1 - last);
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  return ec == std::errc() && end == digits.data() + digits.size() ? id : 0;
}

namespace {

// The grandparent's path of a node whose parent is at `parent_path`, or ""
// when it has none ("/" is no node).
std::string GrandparentPath(const std::string& parent_path) {
  if (parent_path == "/") return "";
  std::string grand = ParentPath(parent_path);
  return grand == "/" ? "" : grand;
}

}  // namespace

Cell CellOf(const Ticket& ticket) {
  core::CivilDate day = core::ShanghaiDate(ticket.created_at);
  Cell cell;
  cell.path = ticket.path;
  cell.node_id = ticket.node_id;
  cell.parent_path = ParentPath(ticket.path);
  cell.parent_id = LastSegmentId(cell.parent_path);
  cell.grand_path = GrandparentPath(cell.parent_path);
  cell.grand_id = cell.grand_path.empty() ? 0 : LastSegmentId(cell.grand_path);
  cell.day = DayKey(day);
  cell.month = MonthKey(day.year, day.month);
  return cell;
}

core::Status Add(store::Connection& conn, const Cell& cell, const TicketTally& delta) {
  // Always in key order (grain, then period, then path): two transactions
  // touching the same cell lock its rows in the same order.
  CG_TRY(AddRow(conn, Grain::kDay, cell.day, cell.path, cell.node_id, delta));
  CG_TRY(AddRow(conn, Grain::kMonth, cell.month, cell.path, cell.node_id, delta));
  CG_TRY(AddRow(conn, Grain::kChildrenDay, cell.day, cell.parent_path, cell.parent_id, delta));
  CG_TRY(AddRow(conn, Grain::kChildrenMonth, cell.month, cell.parent_path, cell.parent_id, delta));
  if (cell.grand_path.empty()) return core::Ok();
  CG_TRY(AddRow(conn, Grain::kGrandchildrenDay, cell.day, cell.grand_path, cell.grand_id, delta));
  return AddRow(conn, Grain::kGrandchildrenMonth, cell.month, cell.grand_path, cell.grand_id,
                delta);
}

core::Status AddMany(store::Connection& conn,
                     const std::vector<std::pair<Cell, TicketTally>>& deltas) {
  // (grain, period, path) → node, summed delta; the map's order is the
  // lock order (day rows before month rows, as Add).
  std::map<std::tuple<int64_t, int64_t, std::string>, std::pair<int64_t, TicketTally>> rows;
  for (const auto& [cell, delta] : deltas) {
    if (delta.received < 0) return core::Error::Internal("AddMany takes no removals");
    const std::tuple<Grain, int64_t, const std::string&, int64_t> targets[] = {
        {Grain::kDay, cell.day, cell.path, cell.node_id},
        {Grain::kMonth, cell.month, cell.path, cell.node_id},
        {Grain::kChildrenDay, cell.day, cell.parent_path, cell.parent_id},
        {Grain::kChildrenMonth, cell.month, cell.parent_path, cell.parent_id},
        {Grain::kGrandchildrenDay, cell.day, cell.grand_path, cell.grand_id},
        {Grain::kGrandchildrenMonth, cell.month, cell.grand_path, cell.grand_id}};
    for (const auto& [grain, period, path, node_id] : targets) {
      if (path.empty()) continue;  // no grandparent
      auto& row = rows[{static_cast<int64_t>(grain), period, path}];
      row.first = node_id;
      row.second += delta;
    }
  }
  // One statement shape for the batch: the columns any of its rows changes.
  uint64_t mask = 0;
  for (const auto& [key, row] : rows) mask |= ChangedColumns(row.second);
  auto it = rows.begin();
  for (size_t size : {size_t{64}, size_t{16}, size_t{4}, size_t{1}}) {
    while (static_cast<size_t>(std::distance(it, rows.end())) >= size) {
      const std::string& sql = UpsertSql(mask, size);
      store::Params params;
      params.reserve(size * kRowParams);
      for (size_t r = 0; r < size; ++r, ++it) {
        const auto& [key, row] = *it;
        AppendRow(params, static_cast<Grain>(std::get<0>(key)), std::get<1>(key), std::get<2>(key),
                  row.first, row.second, mask);
      }
      CG_TRY(conn.Defer(sql, params));  // sent with the batch's next statement
    }
  }
  return core::Ok();
}

core::Status Rebuild(store::Connection& conn) {
  CG_ASSIGN_OR_RETURN(int64_t removed, conn.Execute("DELETE FROM ticket_rollup"));
  (void)removed;
  static const std::string kPageSql =
      fmt::format("SELECT {} FROM ticket WHERE (path, id) > ($1, $2) ORDER BY path, id LIMIT $3",
                  kTicketColumns);
  RebuildWriter writer(conn);
  std::string after_path;  // "" sorts before every path ("/…")
  int64_t after_id = 0;
  while (true) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn.Query(kPageSql, {after_path, after_id, kRebuildPage}));
    for (const store::Row& row : rows) {
      CG_ASSIGN_OR_RETURN(Ticket ticket, TicketFromRow(row));
      CG_TRY(writer.Add(ticket));
      after_path = ticket.path;
      after_id = ticket.id;
    }
    if (static_cast<int64_t>(rows.size()) < kRebuildPage) break;
  }
  CG_TRY(writer.Finish());
  CG_ASSIGN_OR_RETURN(int64_t children, conn.Execute(ChildrenFromOwnSql()));
  CG_ASSIGN_OR_RETURN(int64_t grandchildren, conn.Execute(GrandchildrenFromOwnSql()));
  (void)children;
  (void)grandchildren;
  return core::Ok();
}

namespace {

// The rows of grain + `grain_step` at the ancestor `levels` up of each node
// row's path, summed from the node rows. rtrim twice strips a path's last
// segment: "/1/7/42/" → "/1/7/42" → "/1/7/". Ancestors shorter than "/1/"
// ("/" and "", for nodes without one) are no node and get no row.
std::string AncestorRowsFromOwnSql(int grain_step, int levels) {
  const std::string& columns = ColumnList();
  std::string sums;
  for (const std::string& c : ColumnNames()) sums += fmt::format(", SUM({})", c);
  std::string ancestor = "path";
  for (int i = 0; i < levels; ++i) ancestor = "rtrim(rtrim(" + ancestor + ", '/'), '0123456789')";
  return fmt::format(
      "INSERT INTO ticket_rollup (grain, period, path, node_id, {0}) SELECT grain + {1}, period, "
      "ancestor, COALESCE((SELECT o.id FROM org_node o WHERE o.path = ancestor), 0){2} FROM "
      "(SELECT grain, period, {3} AS ancestor, {0} FROM ticket_rollup WHERE grain IN (1, 2)) own "
      "{4}GROUP BY grain, period, ancestor",
      columns, grain_step, sums, ancestor, levels > 1 ? "WHERE length(ancestor) > 1 " : "");
}

}  // namespace

const std::string& ChildrenFromOwnSql() {
  static const std::string kSql = AncestorRowsFromOwnSql(2, 1);
  return kSql;
}

const std::string& GrandchildrenFromOwnSql() {
  static const std::string kSql = AncestorRowsFromOwnSql(4, 2);
  return kSql;
}

core::Status OnNodeMoved(store::Connection& conn, std::string_view old_path,
                         std::string_view new_path) {
  const std::string from = ParentPath(old_path);
  const std::string to = ParentPath(new_path);
  if (from == to) return core::Ok();
  // The node's own rows (grains 1, 2) and its children rows (3, 4), in one read.
  static const std::string kRowsSql =
      "SELECT grain, period, " + ColumnList() +
      " FROM ticket_rollup WHERE grain IN (1, 2, 3, 4) AND path = $1 ORDER BY grain, period";
  // Moves `moved` from the row of `grain` at `a` to the one at `b` (an empty
  // path: no grandparent, no row).
  auto shift = [&conn](Grain grain, int64_t period, const std::string& a, const std::string& b,
                       const TicketTally& moved) -> core::Status {
    TicketTally removed;
    removed -= moved;
    if (!a.empty()) CG_TRY(AddRow(conn, grain, period, a, LastSegmentId(a), removed));
    if (!b.empty()) CG_TRY(AddRow(conn, grain, period, b, LastSegmentId(b), moved));
    return core::Ok();
  };
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(kRowsSql, {std::string(new_path)}));
  for (const store::Row& row : rows) {
    const Grain grain = static_cast<Grain>(row.Int(0));
    const int64_t period = row.Int(1);
    const TicketTally moved = TallyFromRow(row, 2);
    if (grain == Grain::kDay || grain == Grain::kMonth) {
      // The node's own tickets: a new parent and a new grandparent.
      CG_TRY(shift(ChildrenGrain(grain), period, from, to, moved));
      CG_TRY(shift(GrandchildrenGrain(grain), period, GrandparentPath(from), GrandparentPath(to),
                   moved));
    } else {
      // Its children's tickets: their grandparent is the node's parent.
      const Grain own = grain == Grain::kChildrenDay ? Grain::kDay : Grain::kMonth;
      CG_TRY(shift(GrandchildrenGrain(own), period, from, to, moved));
    }
  }
  return core::Ok();
}

}  // namespace civicgrid::domain::rollup
