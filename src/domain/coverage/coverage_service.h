// The 15-minute service circle and the communities' funds (issue 11 §3).
//
// Coverage: the share of residents (counted by their building) within a
// 15-minute walk of a party-and-people service centre, per community and for
// the whole scope, and the buildings outside every circle with their positions
// for the map; centres under the 500 m² norm are flagged. The walk is an
// APPROXIMATION (coverage_types.h CircleParams): straight-line distance times a
// detour factor, no street network. Centres outside the caller's scope still
// cover its buildings (residents walk across boundaries) but are not listed.
// Buildings without a position count as not covered ("unplaced").
//
// Staffing against 18 community workers per 10,000 residents is
// StaffService::Staffing (registry/staff.h); nothing here repeats it.
//
// Funds: a small dedicated ledger, not the time bank's. The time bank is a
// double-entry ledger of points between holders with a pool that may go
// negative; a community's fund is one balance per (community, fund, year) fed
// by allocations and drawn by spendings, in fen. It keeps the time bank's
// invariants: entries are immutable (database triggers), corrected only by a
// reversal that may reverse an entry once; every write is idempotent on an
// optional key; the balance never goes below zero, also under concurrent
// spendings (a guarded UPDATE … WHERE balance + amount >= 0, and a CHECK).
//
// Who: reads (coverage, funds, statements) for county and street admins,
// community secretaries and community workers within their subtree; allocating
// for county and street admins; spending and reversing a spending for those
// and a community's secretary. A community outside the scope does not exist
// (NotFound). Thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/coverage/coverage_types.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

class CoverageService {
 public:
  CoverageService(store::Db& db, CoverageOptions options = {}) : db_(db), options_(options) {}

  // The options' defaults, or the request's walk and detour factor (Invalid naming
  // walk_m or detour_factor outside the options' bounds).
  core::Result<CircleParams> Params(std::optional<double> walk_m,
                                    std::optional<double> detour_factor) const;

  // Coverage of the caller's scope (narrowed to `within`).
  core::Result<CoverageReport> Report(const Caller& caller, std::optional<int64_t> within,
                                      const CircleParams& params);
  // Placed buildings beyond every circle, id order (keyset on building id).
  core::Result<PageOf<OutsideBuilding>> Outside(const Caller& caller, std::optional<int64_t> within,
                                                const CircleParams& params, const Page& page);

  const CoverageOptions& options() const { return options_; }

 private:
  store::Db& db_;
  CoverageOptions options_;
};

class FundLedger {
 public:
  FundLedger(store::Db& db, const core::Clock& clock, AuditLog& audit, FundOptions options = {})
      : db_(db), clock_(clock), audit_(audit), options_(options) {}

  // Both funds of every community in scope for `year` (community code order); a fund
  // with nothing recorded shows zeros and id 0.
  core::Result<std::vector<FundAccount>> Accounts(const Caller& caller,
                                                  std::optional<int64_t> within, int year);
  core::Result<FundEntry> Allocate(const Caller& caller, const NewAllocation& allocation);
  // The yearly norm of both funds to every community in scope that has no default
  // allocation for `year` yet (idempotent: a second call writes nothing).
  core::Result<DefaultAllocations> AllocateDefaults(const Caller& caller,
                                                    std::optional<int64_t> within, int year);
  // Invalid naming amount_fen when the balance is short.
  core::Result<FundEntry> Spend(const Caller& caller, const NewSpending& spending);
  // Reverses entry `entry_id` once (a second call answers the first reversal); a
  // reversal is not reversed. Invalid naming entry_id when the balance would go below zero.
  core::Result<FundEntry> Reverse(const Caller& caller, int64_t entry_id, const std::string& memo);
  // Entries newest first; `page.after` is the last entry id seen (0: from the newest).
  core::Result<FundStatement> Statement(const Caller& caller, int64_t community_id,
                                        const std::string& fund, int year, const Page& page);

  const FundOptions& options() const { return options_; }

 private:
  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  FundOptions options_;
};

}  // namespace civicgrid::domain
