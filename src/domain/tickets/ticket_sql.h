// The ticket store's query builder: a WHERE clause that numbers its own
// placeholders, and the visibility of tickets as a predicate rendered into it.
// No caller counts placeholders: every condition asks the builder for its
// parameters ("$n") and the builder keeps them in order. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/access/caller.h"
#include "store/db.h"

namespace civicgrid::domain {

class SqlWhere {
 public:
  // Binds `value`; returns its placeholder ("$3").
  std::string Param(store::Value value);
  // AND-s `condition` (already holding placeholders from Param()).
  SqlWhere& And(const std::string& condition);
  // The conjunction ("1 = 1" when empty) and its parameters.
  std::string sql() const { return sql_.empty() ? "1 = 1" : sql_; }
  const store::Params& params() const { return params_; }

 private:
  std::string sql_;
  store::Params params_;
};

// "$first, $first+1, …" (`count` placeholders): the fixed-shape IN lists and
// multi-row VALUES of the ticket domain, whose statements are cached per shape
// rather than built with SqlWhere.
std::string Placeholders(size_t first, size_t count);

// A text column written so that no index is chosen for it (a filter beside the
// index the query walks): the {{unindexed:…}} dialect token of store/migrate.h.
std::string Unindexed(const std::string& text_column);

// Roles that manage tickets in their subtree, and those plus grid workers.
bool IsTicketManager(Role role);
bool IsTicketStaff(Role role);

// SQL: the path `path` (a column or a placeholder) lies in the subtree of the
// org node aliased `node`.
std::string InSubtreeOf(const std::string& node, const std::string& path);

// The tickets (alias t) `caller` may see, fail closed:
//   staff: tickets whose path lies in their scope;
//   everyone else: tickets they submitted, follow or hold (a member or unit as
//   assignee, a department called to it), public ones, and the board they may
//   claim from.
// With `scope_is_filter`, the staff path range is written so that it does not
// choose the index (the list query walks another index in id order).
std::string VisiblePredicate(const Caller& caller, SqlWhere& w, bool scope_is_filter = false);

// The published tickets `caller` may claim (a member: their community's; a
// unit admin: those of the communities the unit is paired with); "" for other
// roles. MayClaim in the service is the same rule for one ticket.
std::string OnBoardPredicate(const Caller& caller, SqlWhere& w);

// Tickets carry the ids of their node's ancestors by depth in columns
// scope_2 .. scope_6 (schema migration 12): scope_k is the k-th id of the path.
inline constexpr int kMinScopeDepth = 2;
inline constexpr int kMaxScopeDepth = 6;
// The number of ids in `path` ("/1/7/42/" → 3).
int PathDepth(std::string_view path);
// The id at `depth` (1-based) of `path`; none when the path is shallower.
std::optional<int64_t> PathIdAt(std::string_view path, int depth);
// "scope_<depth>".
std::string ScopeColumn(int depth);

// States in which a ticket is finished (the complement of IsOpen()), as an SQL
// list.
inline constexpr const char* kFinishedStates = "('resolved', 'closed', 'rejected')";

}  // namespace civicgrid::domain
