// `civicgrid ledger verify`: checks every invariant of the time bank's ledger
// on the raw tables, so that it also finds what was done around the domain
// (raw SQL with the guards dropped):
//   - every posting's entries sum to zero per currency, in its accounts' currencies;
//   - each entry's balance_after is the running sum of its account's entries
//     (an edited or deleted entry breaks the chain), and each posting's entries
//     still match the digest written with it;
//   - each account's balance column equals the sum of its entries;
//   - no account that may not go negative is or was below zero (only pools may);
//   - a reversal points at a real posting that is not itself a reversal, at
//     most once, and its entries negate that posting's exactly;
//   - redemptions point at their posting, a cancelled one at its reversal, and
//     no stock is below zero;
//   - the append-only triggers are in place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/db.h"

namespace civicgrid::domain {

struct LedgerCheck {
  std::string name;                     // what was checked
  int64_t checked = 0;                  // rows looked at
  std::vector<std::string> violations;  // at most a few, for the report
  int64_t violation_count = 0;
};

struct LedgerVerifyReport {
  std::vector<LedgerCheck> checks;
  bool ok() const {
    for (const auto& c : checks) {
      if (c.violation_count > 0) return false;
    }
    return true;
  }
};

core::Result<LedgerVerifyReport> VerifyLedger(store::Connection& conn);

}  // namespace civicgrid::domain
