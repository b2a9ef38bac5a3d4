// The shapes of the ticket list queries (GET /tickets under every filter and
// role, the board): a keyset walk in id order along one driving index.
//
// Every filter has two renderings: as the driver (a plain condition an index
// ending in id serves: `t.category_id = $3` on ticket_category_id (category_id,
// id)) and as a filter (written so that no index is chosen for it:
// `t.category_id + 0 = $3`, `+t.state = $4`: Unindexed(), which PostgreSQL
// renders as `COALESCE(t.state, '')`). The driver is the most selective filter
// present, in this order:
//   assigned, mine; the scope of a grid worker or community staff, or for
//   staff listing `within` a node below their scope, that node's scope column
//   (`t.scope_4 = $within`); category+open, open, category+state and state for
//   an open state (the backlog, not the history); then, for staff scoped below
//   the root, the scope (`t.scope_3 = $4` on ticket_scope_3_id: a street's
//   tickets, schema migration 12) — except that staff scoped to a child of the
//   root (a county of a city) walk the category first when one is given; then
//   category+state, overdue, state, category, kind; else the primary key.
// The keyset condition `t.id > $after` and `ORDER BY t.id LIMIT n` make the
// walk stop after one page; the staff path range and `within` are filters,
// except on a scope walk, whose column stands for them. So no plan sorts the
// whole result and the cost of a page depends on how dense matches are along
// the driver, not on the size of the table.
// Pure functions (SQL text and parameters); the tests read their plans.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access/caller.h"
#include "domain/tickets/ticket_sql.h"
#include "domain/tickets/ticket_types.h"

namespace civicgrid::domain {

struct TicketListQuery {
  SqlWhere where;      // over alias t (joins c, n)
  std::string tail;    // ORDER BY t.id LIMIT $n
  std::string driver;  // which index the walk follows ("state", "id" …), for tests and docs
};

TicketListQuery BuildListQuery(const Caller& caller, const TicketFilter& filter,
                               const std::optional<PathRange>& within);
// The wish wall of a community (path range `community`): open wishes in id
// order along the partial index ticket_open_wish_id (schema migration 13);
// public ones only unless `all` (staff).
TicketListQuery BuildWishQuery(const PathRange& community, bool all, const Page& page);
TicketListQuery BuildBoardQuery(const Caller& caller, const std::vector<std::string>& skills,
                                bool by_skills, const Page& page);

// Schema migration 28: the staff and board drivers (the scope columns, the
// state and the open partial indexes) carry the columns the other filters read after id
// (path, state, category_id, kind, overdue). id is unique, so the walk's
// order is unchanged; SQLite then tests a walked entry from the index and
// seeks the ticket row only for a match, instead of decoding every row it
// then skips (a page of a rare filter walks thousands).
std::string WideListIndexSql();
// Schema migration 30: the same scope indexes without the rows whose column is
// NULL (a ticket on a grid has no value at the depths below it: in a county
// deployment scope_5 and scope_6, each a wide entry written per submission for
// nothing). `t.scope_k = $n` implies the index's `scope_k IS NOT NULL` on both
// backends, so every scope walk still reads them.
std::string PartialScopeIndexSql();
// Schema migration 33: the category driver's index carries the same columns, so a
// category walk for staff scoped to a child of the root (ChooseDriver) filters
// their path range, state, kind and overdue flag from the index.
std::string WideCategoryIndexSql();

}  // namespace civicgrid::domain
