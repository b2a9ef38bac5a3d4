// The rollup's column list and row mapping, shared by its write side (stats_rollup.cc) and its
// read side (stats_rollup_sums.cc). Internal to domain/tickets.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "domain/tickets/stats.h"
#include "domain/tickets/ticket_sql.h"  // Placeholders
#include "store/db.h"

namespace civicgrid::domain::rollup::internal {

// Every tally column in column order (the 24 counters, then the 32 buckets).
const std::vector<std::string>& ColumnNames();
// The tally in the row's columns from `first` on, in column order (NULL reads as 0).
TicketTally TallyFromRow(const store::Row& row, size_t first);

}  // namespace civicgrid::domain::rollup::internal
