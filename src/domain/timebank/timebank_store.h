// All SQL of the time bank's tables. The ledger's one primitive is Post: a
// balanced transfer, idempotent on its key, written as one posting row and
// one entry per leg, each entry carrying its account's balance after it.
// Functions take the connection of the caller's open write transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access/caller.h"
#include "domain/timebank/timebank_types.h"
#include "store/db.h"

namespace civicgrid::domain::tb {

// Who a holder is and where they live in the org tree.
struct Holder {
  HolderKind kind = HolderKind::kMember;
  int64_t id = 0;
  std::string name;
  int64_t node_id = 0;
  std::string path;
  std::optional<int64_t> community_id;
};

// Reads the holder (NotFound when absent). A team names its node and name.
core::Result<Holder> ResolveHolder(store::Connection& conn, HolderKind kind, int64_t id,
                                   std::optional<int64_t> team_node = std::nullopt,
                                   std::string team_name = {});

core::Result<std::optional<TbAccount>> FindAccount(store::Connection& conn, HolderKind kind,
                                                   int64_t holder_id, Currency currency);
core::Result<TbAccount> LoadAccount(store::Connection& conn, int64_t id);
// The holder's account in `currency`, created on first use (pools may go negative).
core::Result<TbAccount> EnsureAccount(store::Connection& conn, const Holder& holder,
                                      Currency currency, int64_t now);

// Posts a balanced transfer: every leg non-zero, the legs of each currency summing
// to zero, at least two legs. A key used before with the same legs answers that
// posting (replayed); with other legs, Conflict naming idempotency_key. An
// account that may not go negative and would: Invalid naming "balance".
core::Result<Posted> Post(store::Connection& conn, const NewPosting& posting, int64_t now);

// Many postings in one go (the demo, imports): the same rules as Post (balanced
// legs, no person's account below zero; a key used before is skipped), with the
// accounts locked and read once, each posting one INSERT, the entries in
// multi-row INSERTs and each account's balance written once. Returns how many
// were posted. On an error the caller's transaction must roll back.
core::Result<int64_t> PostBatch(store::Connection& conn, const std::vector<NewPosting>& postings,
                                int64_t now);

// A posting without entries (a fully capped credit): records the key only.
core::Result<Posted> PostEmpty(store::Connection& conn, const NewPosting& posting, int64_t now);

// Sum of the account's entries of `kinds` on `day` (daily caps).
core::Result<int64_t> SumOnDay(store::Connection& conn, int64_t account_id, const std::string& day,
                               const std::vector<PostingKind>& kinds);

// Newest first; `before` 0 starts at the newest.
core::Result<std::vector<TbEntry>> Entries(store::Connection& conn, int64_t account_id,
                                           int64_t before, int64_t limit);

struct PostingRow {
  int64_t id = 0;
  PostingKind kind = PostingKind::kAward;
  std::optional<int64_t> reverses_id;
  std::string memo;
};
core::Result<PostingRow> LoadPosting(store::Connection& conn, int64_t id);
core::Result<std::optional<int64_t>> PostingByKey(store::Connection& conn, const std::string& key);
// The legs of a posting (account, amount).
core::Result<std::vector<Leg>> PostingLegs(store::Connection& conn, int64_t posting_id);

// "YYYY-MM-DD" in Asia/Shanghai.
std::string DayOf(int64_t epoch_ms);

TbAccount AccountFromRow(const store::Row& row);
extern const char* const kAccountColumns;

}  // namespace civicgrid::domain::tb
