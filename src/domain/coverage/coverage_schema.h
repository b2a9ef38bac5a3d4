// Migration 23: the communities' funding ledger (issue 11 §3) — one account per
// community, fund and year (allocated, spent and balance kept, the balance never
// below zero by a CHECK and a guarded UPDATE), and its entries: allocations,
// spendings against a category and reversals, append-only (triggers on both
// backends), a reversal pointing at the entry it reverses at most once.
#pragma once

#include "store/migrate.h"

namespace civicgrid::domain {

store::Migration CoverageMigration();

}  // namespace civicgrid::domain
