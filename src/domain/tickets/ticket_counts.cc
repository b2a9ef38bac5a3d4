#include "domain/tickets/ticket_counts.h"

#include <iterator>
#include <map>
#include <string>
#include <tuple>

#include "domain/tickets/ticket_sql.h"

namespace civicgrid::domain::counts {
namespace {

static_assert(static_cast<size_t>(TicketState::kRejected) + 1 == kTicketStateCount);
static_assert(static_cast<size_t>(TicketKind::kFollowUp) + 1 == kTicketKindCount);

// One counter: where a ticket is counted.
struct Key {
  std::string path;
  int64_t node_id = 0;
  std::string state;
  std::string kind;
  int64_t overdue = 0;  // 0 or 1
  auto Tie() const { return std::tie(path, state, kind, overdue); }
  bool operator==(const Key& o) const { return Tie() == o.Tie(); }
  bool operator<(const Key& o) const { return Tie() < o.Tie(); }
};

Key KeyOf(const Ticket& t) {
  return Key{t.path, t.node_id, std::string(TicketStateName(t.state)),
             std::string(TicketKindName(t.kind)), t.overdue != 0 ? 1 : 0};
}

core::Status AddTo(store::Connection& conn, const Key& key, int64_t delta) {
  CG_ASSIGN_OR_RETURN(
      int64_t changed,
      conn.Execute("INSERT INTO ticket_state_count (path, node_id, state, kind, overdue, n) "
                   "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (path, state, kind, overdue) "
                   "DO UPDATE SET n = ticket_state_count.n + excluded.n",
                   {key.path, key.node_id, key.state, key.kind, key.overdue, delta}));
  (void)changed;
  if (delta >= 0) return core::Ok();
  CG_ASSIGN_OR_RETURN(int64_t removed,
                      conn.Execute("DELETE FROM ticket_state_count WHERE path = $1 AND state = $2 "
                                   "AND kind = $3 AND overdue = $4 AND n = 0",
                                   {key.path, key.state, key.kind, key.overdue}));
  (void)removed;
  return core::Ok();
}

}  // namespace

core::Status Apply(store::Connection& conn, const TicketChange& change) {
  Key after = KeyOf(change.after);
  if (!change.before) return AddTo(conn, after, 1);
  Key before = KeyOf(*change.before);
  // As for the rollups (TicketStats::InTransaction): a node move that
  // committed after `before` was read has rewritten the counters' paths too.
  if (before.node_id == after.node_id) before.path = after.path;
  if (before == after) return core::Ok();
  // Both rows in key order, so two transactions never wait on each other's
  // second row (PostgreSQL row locks).
  if (after < before) {
    CG_TRY(AddTo(conn, after, 1));
    return AddTo(conn, before, -1);
  }
  CG_TRY(AddTo(conn, before, -1));
  return AddTo(conn, after, 1);
}

core::Status AddMany(store::Connection& conn, const std::vector<const Ticket*>& tickets) {
  std::map<Key, int64_t> deltas;  // key order: the lock order
  for (const Ticket* t : tickets) ++deltas[KeyOf(*t)];
  static const std::map<size_t, std::string> kSql = [] {
    std::map<size_t, std::string> out;
    for (size_t n : {1, 4, 16, 64}) {
      std::string sql =
          "INSERT INTO ticket_state_count (path, node_id, state, kind, overdue, n) VALUES ";
      for (size_t r = 0; r < n; ++r) {
        sql += std::string(r ? ", " : "") + "(" + Placeholders(r * 6 + 1, 6) + ")";
      }
      out.emplace(n, sql +
                         " ON CONFLICT (path, state, kind, overdue) DO UPDATE SET n = "
                         "ticket_state_count.n + excluded.n");
    }
    return out;
  }();
  auto it = deltas.begin();
  for (size_t size : {size_t{64}, size_t{16}, size_t{4}, size_t{1}}) {
    while (static_cast<size_t>(std::distance(it, deltas.end())) >= size) {
      store::Params params;
      for (size_t r = 0; r < size; ++r, ++it) {
        const Key& k = it->first;
        params.insert(params.end(), {k.path, k.node_id, k.state, k.kind, k.overdue, it->second});
      }
      CG_TRY(conn.Defer(kSql.at(size), params));  // sent with the batch's next statement
    }
  }
  return core::Ok();
}

core::Status Rebuild(store::Connection& conn) {
  CG_ASSIGN_OR_RETURN(int64_t removed, conn.Execute("DELETE FROM ticket_state_count"));
  (void)removed;
  CG_ASSIGN_OR_RETURN(
      int64_t added,
      conn.Execute("INSERT INTO ticket_state_count (path, node_id, state, kind, overdue, n) "
                   "SELECT path, MIN(node_id), state, kind, CASE WHEN overdue <> 0 THEN 1 ELSE 0 "
                   "END, COUNT(*) FROM ticket GROUP BY path, state, kind, CASE WHEN overdue <> 0 "
                   "THEN 1 ELSE 0 END"));
  (void)added;
  return core::Ok();
}

const std::string& ReadSql(bool with_kind) {
  static const std::string kAll =
      "SELECT state, kind, overdue, SUM(n) FROM ticket_state_count WHERE path >= $1 AND path < $2 "
      "GROUP BY state, kind, overdue";
  static const std::string kOfKind =
      "SELECT state, kind, overdue, SUM(n) FROM ticket_state_count WHERE path >= $1 AND path < $2 "
      "AND kind = $3 GROUP BY state, kind, overdue";
  return with_kind ? kOfKind : kAll;
}

core::Result<TicketCounts> Read(store::Connection& conn, const PathRange& range,
                                std::optional<TicketKind> kind) {
  store::Params params{range.lo, range.hi};
  if (kind) params.emplace_back(std::string(TicketKindName(*kind)));
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(ReadSql(kind.has_value()), params));
  TicketCounts c;
  for (const store::Row& row : rows) {
    CG_ASSIGN_OR_RETURN(TicketState state, ParseTicketState(row.Text(0), "state"));
    CG_ASSIGN_OR_RETURN(TicketKind k, ParseTicketKind(row.Text(1), "kind"));
    const int64_t n = row.Int(3);
    c.by_state[static_cast<size_t>(state)] += n;
    c.by_kind[static_cast<size_t>(k)] += n;
    c.total += n;
    if (IsOpen(state)) c.open += n;
    if (row.Int(2) != 0) {
      c.overdue += n;
      if (IsOpen(state)) c.overdue_open += n;
    }
  }
  return c;
}

}  // namespace civicgrid::domain::counts
