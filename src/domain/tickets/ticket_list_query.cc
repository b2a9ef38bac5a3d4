#include "domain/tickets/ticket_list_query.h"

namespace civicgrid::domain {
namespace {

// Which filter drives the walk, most selective first.
enum class Driver {
  kAssigned,
  kMine,
  kCategoryState,
  kCategoryOpen,
  kOverdue,
  kState,
  kCategory,
  kOpen,
  kKind,
  kScope,
  kId
};

bool HasScopeColumn(int depth) { return depth >= kMinScopeDepth && depth <= kMaxScopeDepth; }

// The node whose scope column a staff walk follows: the caller's scope (below
// the root, not deeper than the columns go), or `within` when it lies below
// that scope (narrowed: a county admin's list within one community walks the
// community's tickets, not the county's). depth 0: no scope column serves.
struct ScopeWalk {
  int depth = 0;
  int64_t node = 0;
  bool before_backlog = false;  // see ChooseDriver
  bool narrowed = false;        // the walk follows `within`'s node
  bool large = false;           // a child of the root: a county of a city, a street of a county
};

ScopeWalk WalkScope(const Caller& caller, const std::optional<PathRange>& within) {
  ScopeWalk walk;
  if (!IsTicketStaff(caller.role)) return walk;
  const int depth = PathDepth(caller.scope_path);
  // A community's or a grid's tickets are fewer than the table's open ones.
  const bool small = caller.role == Role::kGridWorker || caller.role == Role::kCommunitySecretary ||
                     caller.role == Role::kCommunityWorker;
  if (HasScopeColumn(depth)) {
    walk = ScopeWalk{depth, caller.scope_node_id, small, false, depth == kMinScopeDepth};
  }
  if (within && caller.InScope(within->lo)) {
    const int inner = PathDepth(within->lo);
    std::optional<int64_t> node = PathIdAt(within->lo, inner);
    if (node && inner > depth && HasScopeColumn(inner)) walk = ScopeWalk{inner, *node, true, true};
  }
  return walk;
}

// The person drivers (assigned, mine) and the backlog drivers (the open
// partial indexes and an open state, whose size is the open work, not the
// history) come first.
// Below the root a staff scope comes next: a grid's or a street's tickets are
// a small share of the table, while a state, a category, a kind or the
// overdue flag (which stays set on finished tickets) grows with the history.
// A community's or a grid's scope, or one narrowed to a node by `within`,
// comes before the backlog: the open tickets are one index over the whole
// table, which a community's few open tickets would have walked end to end (at
// city tier 16,000 entries against its 1,250 tickets a year).
Driver ChooseDriver(const ScopeWalk& scope, const TicketFilter& f) {
  if (f.assigned) return Driver::kAssigned;
  if (f.mine) return Driver::kMine;
  if (scope.before_backlog) return Driver::kScope;
  if (f.category_id && f.open == true) return Driver::kCategoryOpen;
  if (f.open == true) return Driver::kOpen;
  // An open state (submitted, in progress …) is backlog too: few rows.
  const bool open_state = f.state && IsOpen(*f.state);
  if (f.category_id && open_state) return Driver::kCategoryState;
  if (open_state) return Driver::kState;
  // A child of the root holds a large share of the table (a county, an eighth of a
  // city): one category's tickets along the wide category index (migration 33) are
  // fewer to walk than the scope's when few of them match (session 18: a county
  // admin's sparse category pages walked the county's 125,000 scope entries).
  if (scope.large && f.category_id) return Driver::kCategory;
  if (scope.depth != 0) return Driver::kScope;
  if (f.category_id && f.state) return Driver::kCategoryState;
  if (f.overdue) return Driver::kOverdue;
  if (f.state) return Driver::kState;
  if (f.category_id) return Driver::kCategory;
  if (f.kind) return Driver::kKind;
  return Driver::kId;
}

const char* DriverName(Driver d) {
  switch (d) {
    case Driver::kAssigned:
      return "assigned";
    case Driver::kMine:
      return "mine";
    case Driver::kCategoryState:
      return "category_state";
    case Driver::kCategoryOpen:
      return "category_open";
    case Driver::kOverdue:
      return "overdue";
    case Driver::kState:
      return "state";
    case Driver::kCategory:
      return "category";
    case Driver::kOpen:
      return "open";
    case Driver::kKind:
      return "kind";
    case Driver::kScope:
      return "scope";
    case Driver::kId:
      return "id";
  }
  return "id";
}

// The open states, exactly as the partial indexes ticket_open_* say it.
const std::string kOpenTerm = std::string("t.state NOT IN ") + kFinishedStates;

// Tickets assigned to the caller: a member, a unit (assigned or called to)
// or a staff account.
void Assigned(const Caller& caller, SqlWhere& w, const std::string& after, bool driver) {
  const std::string kind = driver ? "t.assignee_kind" : Unindexed("t.assignee_kind");
  const std::string id = driver ? "t.assignee_id" : "t.assignee_id + 0";
  if (caller.role == Role::kPartyMember && caller.party_member_id) {
    w.And(kind + " = 'member' AND " + id + " = " + w.Param(*caller.party_member_id));
  } else if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    const std::string unit = w.Param(*caller.unit_id);
    w.And("t.id IN (SELECT s.id FROM ticket s WHERE s.assignee_kind = 'unit' AND s.assignee_id = " +
          unit + " AND s.id > " + after +
          " UNION SELECT x.ticket_id FROM ticket_escalation x WHERE x.unit_id = " + unit +
          " AND x.ticket_id > " + after + ")");
  } else {
    w.And(kind + " = 'account' AND " + id + " = " + w.Param(caller.account_id));
  }
}

// Tickets the caller submitted or follows: both index walks, united.
// Tickets the caller submitted or follows. As the driver: both index walks,
// united (iterated in id order); as a filter: checked per row.
void Mine(const Caller& caller, SqlWhere& w, const std::string& after, bool driver) {
  const std::string me = w.Param(caller.account_id);
  if (!driver) {
    w.And("(t.submitter_account_id + 0 = " + me +
          " OR EXISTS (SELECT 1 FROM ticket_follower f WHERE f.ticket_id = t.id AND f.account_id "
          "= " +
          me + "))");
    return;
  }
  w.And("t.id IN (SELECT s.id FROM ticket s WHERE s.submitter_account_id = " + me + " AND s.id > " +
        after + " UNION SELECT f.ticket_id FROM ticket_follower f WHERE f.account_id = " + me +
        " AND f.ticket_id > " + after + ")");
}

void Equality(SqlWhere& w, const std::string& column, bool text, bool driver, store::Value v) {
  std::string lhs = driver ? column : text ? Unindexed(column) : column + " + 0";
  w.And(lhs + " = " + w.Param(std::move(v)));
}

void Filters(const Caller& caller, const TicketFilter& f, Driver d, SqlWhere& w,
             const std::string& after) {
  if (f.assigned) Assigned(caller, w, after, d == Driver::kAssigned);
  if (f.mine) Mine(caller, w, after, d == Driver::kMine);
  const bool by_category =
      d == Driver::kCategoryState || d == Driver::kCategoryOpen || d == Driver::kCategory;
  if (f.category_id) Equality(w, "t.category_id", false, by_category, *f.category_id);
  if (f.state) {
    Equality(w, "t.state", true, d == Driver::kCategoryState || d == Driver::kState,
             std::string(TicketStateName(*f.state)));
  }
  if (f.open == true) {
    w.And(d == Driver::kCategoryOpen || d == Driver::kOpen
              ? kOpenTerm
              : Unindexed("t.state") + " NOT IN " + kFinishedStates);
  }
  if (f.open == false) w.And(Unindexed("t.state") + " IN " + kFinishedStates);
  if (f.kind) {
    Equality(w, "t.kind", true, d == Driver::kKind, std::string(TicketKindName(*f.kind)));
  }
  if (f.overdue) w.And(d == Driver::kOverdue ? "t.overdue <> 0" : "t.overdue + 0 <> 0");
  if (f.created_from) w.And("t.created_at + 0 >= " + w.Param(*f.created_from));
  if (f.created_to) w.And("t.created_at + 0 < " + w.Param(*f.created_to));
  if (f.first_route) {
    Equality(w, "t.first_route", true, false, std::string(FirstRouteName(*f.first_route)));
  }
}

// A created-at window's tickets have ids between the window's smallest and
// largest, both read off the created index (migration 34) over the window
// alone, so whichever index drives, the walk starts at the window and (given
// its end) stops after it, instead of walking the history before it in id
// order (at city tier Open311's default window, the last 90 days, read the
// 750,000 older tickets first). Ids follow creation only roughly (a batch's
// clock, imported history), which bounds read this way need not assume: the
// created_at filter still decides. `+ 0` keeps PostgreSQL from answering
// MIN(id) by walking the primary key in id order, which is the long walk again.
void CreatedBounds(const TicketFilter& f, SqlWhere& w) {
  std::string window = "c.created_at >= " + w.Param(*f.created_from);
  if (f.created_to) window += " AND c.created_at < " + w.Param(*f.created_to);
  w.And("t.id >= (SELECT MIN(c.id + 0) FROM ticket c WHERE " + window + ")");
  if (f.created_to) w.And("t.id <= (SELECT MAX(c.id + 0) FROM ticket c WHERE " + window + ")");
}

// The columns the staff and board drivers carry after id (migration 28).
constexpr const char* kCarried = "path, state, category_id, kind, overdue";

// Recreates the scope indexes (scope_k, id, carried…), only their rows with a
// value when `partial`.
std::string ScopeIndexSql(bool partial) {
  std::string sql;
  for (int depth = kMinScopeDepth; depth <= kMaxScopeDepth; ++depth) {
    const std::string col = ScopeColumn(depth);
    sql += "DROP INDEX ticket_" + col + "_id;\n";
    sql += "CREATE INDEX ticket_" + col + "_id ON ticket(" + col + ", id, " + kCarried + ")" +
           (partial ? " WHERE " + col + " IS NOT NULL" : std::string()) + ";\n";
  }
  return sql;
}

}  // namespace

TicketListQuery BuildListQuery(const Caller& caller, const TicketFilter& f,
                               const std::optional<PathRange>& within) {
  TicketListQuery q;
  const ScopeWalk scope = WalkScope(caller, within);
  const Driver d = ChooseDriver(scope, f);
  q.driver = DriverName(d);
  const std::string after = q.where.Param(f.page.after);
  q.where.And("t.id > " + after);
  if (f.created_from) CreatedBounds(f, q.where);
  if (d == Driver::kScope) {
    // Exactly the tickets of the staff path range (and of `within` when the
    // walk follows it, inside that range): those whose path holds the scope
    // node at its depth (the store writes the columns, a trigger keeps them
    // with the path). So the path ranges, a string comparison or two per
    // walked entry, are not tested again.
    q.where.And("t." + ScopeColumn(scope.depth) + " = " + q.where.Param(scope.node));
  } else {
    q.where.And(VisiblePredicate(caller, q.where, true));
  }
  // `within` is tested unless the walk follows its node (or the caller's, when
  // they are the same): one outside the scope or deeper than the columns go
  // still filters.
  const bool within_walked =
      d == Driver::kScope && within && (scope.narrowed || within->lo == caller.scope_path);
  if (within && !within_walked) {
    q.where.And(Unindexed("t.path") + " >= " + q.where.Param(within->lo) + " AND " +
                Unindexed("t.path") + " < " + q.where.Param(within->hi));
  }
  Filters(caller, f, d, q.where, after);
  q.tail = "ORDER BY t.id LIMIT " + q.where.Param(f.page.limit);
  return q;
}

TicketListQuery BuildWishQuery(const PathRange& community, bool all, const Page& page) {
  TicketListQuery q;
  q.driver = "open_wish";
  SqlWhere& w = q.where;
  w.And("t.id > " + w.Param(page.after));
  // Exactly the condition of the partial index.
  w.And(std::string("t.kind = 'wish' AND t.state NOT IN ") + kFinishedStates);
  w.And(Unindexed("t.path") + " >= " + w.Param(community.lo) + " AND " + Unindexed("t.path") +
        " < " + w.Param(community.hi));
  if (!all) w.And("t.is_public + 0 = 1");
  q.tail = "ORDER BY t.id LIMIT " + w.Param(page.limit);
  return q;
}

TicketListQuery BuildBoardQuery(const Caller& caller, const std::vector<std::string>& skills,
                                bool by_skills, const Page& page) {
  TicketListQuery q;
  q.driver = "state";
  SqlWhere& w = q.where;
  w.And("t.id > " + w.Param(page.after));
  w.And("t.state = 'published'");
  // Claimers see what they may claim (not public wishes of other
  // communities); staff and residents the published tickets they may see.
  if (caller.role == Role::kPartyMember && caller.party_member_id) {
    PathRange scope = caller.Scope();
    w.And(Unindexed("t.path") + " >= " + w.Param(scope.lo) + " AND " + Unindexed("t.path") + " < " +
          w.Param(scope.hi));
  } else if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    w.And(
        "EXISTS (SELECT 1 FROM unit_pairing up JOIN org_node pn ON pn.id = up.node_id WHERE "
        "up.unit_id = " +
        w.Param(*caller.unit_id) + " AND " + InSubtreeOf("pn", "t.path") + ")");
  } else {
    w.And(VisiblePredicate(caller, w, true));
  }
  if (by_skills) {
    std::string list;
    for (const auto& skill : skills) list += (list.empty() ? "" : ", ") + w.Param(skill);
    // On t's columns only (no join): PostgreSQL walks a page's ids alone
    // (TicketStore::PageSql); `+ 0` keeps the category index from driving.
    w.And(list.empty() ? "1 = 0"
                       : "t.category_id + 0 IN (SELECT sc.id FROM ticket_category sc WHERE "
                         "sc.skill IN (" +
                             list + "))");
  }
  q.tail = "ORDER BY t.id LIMIT " + w.Param(page.limit);
  return q;
}

std::string PartialScopeIndexSql() { return ScopeIndexSql(true); }

std::string WideCategoryIndexSql() {
  return "DROP INDEX ticket_category_id;\n"
         "CREATE INDEX ticket_category_id ON ticket(category_id, id, path, state, kind, "
         "overdue);\n";
}

std::string WideListIndexSql() {
  std::string sql = ScopeIndexSql(false);
  const std::string open = std::string(" WHERE state NOT IN ") + kFinishedStates + ";\n";
  // The state driver: an open state's backlog, and the board (published tickets of a path range).
  sql += "DROP INDEX ticket_state_id;\n";
  sql += "CREATE INDEX ticket_state_id ON ticket(state, id, path, category_id, kind, overdue);\n";
  sql += "DROP INDEX ticket_open_id;\n";
  sql += std::string("CREATE INDEX ticket_open_id ON ticket(id, ") + kCarried + ")" + open;
  sql += "DROP INDEX ticket_open_category_id;\n";
  sql +=
      "CREATE INDEX ticket_open_category_id ON ticket(category_id, id, path, state, kind, "
      "overdue)" +
      open;
  return sql;
}

}  // namespace civicgrid::domain
