// How many tickets each inbox tab holds, without counting ticket rows: the
// table ticket_state_count (schema migration 13) keeps one counter per
// (path of the ticket's node, state, kind, overdue flag), changed in the
// transaction of every ticket change by TicketStats (an observer) and
// recomputed with the rollups by TicketStats::Rebuild. A subtree's counts
// are one range read of that table (its primary key starts with the path):
// the rows it reads are bounded by the nodes × states × kinds of the
// subtree, whatever the number of tickets.
//
// What each figure matches in GET /api/v1/tickets (for staff, whose view is
// their subtree):
//   by_state[s]   ?state=s
//   open          ?open=true          (not resolved, closed or rejected)
//   overdue       ?overdue=true       (any missed deadline, any state)
//   overdue_open  ?overdue=true&open=true
// each narrowed by ?kind= when a kind is asked for and by ?within= for a node.
// Internal to domain/tickets: functions, no state.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "domain/access/caller.h"
#include "domain/tickets/model.h"
#include "domain/tickets/ticket_types.h"
#include "store/db.h"

namespace civicgrid::domain {

inline constexpr size_t kTicketStateCount = 9;  // TicketState values
inline constexpr size_t kTicketKindCount = 6;   // TicketKind values

struct TicketCounts {
  std::array<int64_t, kTicketStateCount> by_state{};  // indexed by TicketState
  std::array<int64_t, kTicketKindCount> by_kind{};    // indexed by TicketKind
  int64_t total = 0;
  int64_t open = 0;
  int64_t overdue = 0;
  int64_t overdue_open = 0;
};

namespace counts {

// Moves the ticket of `change` from its counter before to its counter after
// (or adds it, on submit), inside the change's transaction.
core::Status Apply(store::Connection& conn, const TicketChange& change);

// Adds the tickets of a batch of submissions: one multi-row upsert per up to
// 64 counters, in key order (as Apply locks them).
core::Status AddMany(store::Connection& conn, const std::vector<const Ticket*>& tickets);

// Deletes every counter and recomputes them from the ticket table.
core::Status Rebuild(store::Connection& conn);

// The counts of the tickets inside `range`, of `kind` when given.
core::Result<TicketCounts> Read(store::Connection& conn, const PathRange& range,
                                std::optional<TicketKind> kind);

// The SQL of Read (for the plan tests): parameters path lo, path hi[, kind].
const std::string& ReadSql(bool with_kind);

}  // namespace counts
}  // namespace civicgrid::domain
