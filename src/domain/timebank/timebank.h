// TimeBank: the double-entry ledger of the time bank (爱心存折 / 红色银行 /
// 文明积分), its rules, rewards and rankings.
//
// Three currencies (service minutes, member points, civility points); an
// account per holder and currency: people (party members, residents), teams
// and each community's pool. The pool is the issuer: credits come out of it
// and redemptions go back into it, so it alone may go below zero. Every
// posting's entries sum to zero per currency; entries and postings are
// immutable (database triggers on both backends) and corrected only by a
// reversal posting, which may reverse a posting once; every posting is
// idempotent on its key, so a retried approval never pays twice. A balance
// is the sum of the account's entries (the maintained column is checked by
// `civicgrid ledger verify`, timebank_verify.h).
//
// Who may do what (within the caller's org subtree, fail closed; outside it
// NotFound): people read their own statement and redeem from their own
// account; county and street admins, community secretaries and community
// workers ("time-bank staff") read statements, keep the rewards catalogue,
// redeem for a person at the counter, confirm hand-over, cancel, reverse and
// rank. A unit admin reads the statements of the unit's members.
//
// Thread-safe; all SQL is in timebank_store.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/timebank/timebank_types.h"
#include "store/pool.h"

namespace civicgrid::domain {

bool IsTimeBankStaff(Role role);

class TimeBank {
 public:
  TimeBank(store::Db& db, const core::Clock& clock, AuditLog& audit, TimeBankOptions options = {});

  // --- rules (called inside the caller's write transaction) ---------------------------------

  // An organiser approved `hours.minutes` of service by a member: service
  // minutes and member points (options().points_per_hour) from the member's
  // community pool, each clipped to the member's daily cap on the Asia/Shanghai
  // day of served_at (a fully capped approval still records its key, with no
  // entries). The same idempotency key again answers the first posting.
  core::Result<CreditedHours> CreditApprovedHours(store::Connection& tx,
                                                  const ApprovedHours& hours);
  // A board ticket claimed by a member was resolved: member points per the
  // ticket rule, once per ticket (key "ticket:<id>"). Nothing when the rule
  // gives 0 points or the daily points cap is used up.
  core::Result<std::optional<Posted>> CreditResolvedTicket(store::Connection& tx, int64_t ticket_id,
                                                           int64_t category_id, int64_t member_id,
                                                           int64_t at);

  // 文明积分: resident `resident_id` rated their own resolved report: civility
  // points per options().civility_report_points, once per ticket (key
  // "civility-report:<id>", kind award), within the daily cap.
  core::Result<std::optional<Posted>> CreditRatedReport(store::Connection& tx, int64_t ticket_id,
                                                        int64_t resident_id, int64_t at);

  // --- the ledger --------------------------------------------------------------------------

  // A raw balanced posting (tests, imports, the demo); accounts must exist.
  core::Result<Posted> Post(store::Connection& tx, const NewPosting& posting);
  // Many raw postings in one go (the demo's year of hours): tb::PostBatch.
  core::Result<int64_t> PostBatch(store::Connection& tx, const std::vector<NewPosting>& postings);
  // The holder's account in `currency`, created on first use.
  core::Result<TbAccount> EnsureAccount(store::Connection& tx, HolderKind kind, int64_t holder_id,
                                        Currency currency);
  // Staff: reverses posting `posting_id` (not a reversal itself) once; a second
  // call answers the first reversal. Invalid naming posting_id when an account
  // would go negative.
  core::Result<Posted> Reverse(const Caller& caller, int64_t posting_id, const std::string& memo);

  // --- statements (爱心存折) ------------------------------------------------------------------

  // The caller's own accounts (a member: service minutes and member points;
  // a resident: civility points); an account not yet used shows balance 0 and id 0.
  core::Result<std::vector<TbAccount>> MyAccounts(const Caller& caller);
  // The caller's own statement in `currency`, newest first; `page.after` is
  // the last entry id seen (0: from the newest).
  core::Result<Statement> MyStatement(const Caller& caller, Currency currency, const Page& page);
  // A person's (or team's) statement, for staff in scope and unit admins.
  core::Result<Statement> StatementOf(const Caller& caller, HolderKind kind, int64_t holder_id,
                                      Currency currency, const Page& page);

  // --- rewards (积分兑换) ---------------------------------------------------------------------

  // Rewards a person may redeem (their community's) or, for staff, those in
  // scope (`node_id` narrows to a subtree); id order.
  core::Result<PageOf<Reward>> Rewards(const Caller& caller, std::optional<int64_t> node_id,
                                       const Page& page);
  core::Result<Reward> CreateReward(const Caller& caller, const NewReward& reward);
  core::Result<Reward> UpdateReward(const Caller& caller, int64_t id, const RewardPatch& patch);
  // Debits the account and the stock in one transaction; neither goes below
  // zero (Invalid naming quantity when the balance is short, Conflict naming
  // stock when the stock is).
  core::Result<Redemption> Redeem(const Caller& caller, const RedeemRequest& request);
  // Counter staff hand the reward over (pending → handed_over).
  core::Result<Redemption> HandOver(const Caller& caller, int64_t redemption_id);
  // A pending redemption cancelled (by staff or its holder): the posting is
  // reversed and the stock restored.
  core::Result<Redemption> Cancel(const Caller& caller, int64_t redemption_id);
  // Staff: redemptions in scope (optionally of one state); a person: their own. Id order.
  core::Result<PageOf<Redemption>> Redemptions(const Caller& caller,
                                               std::optional<RedemptionState> state,
                                               const Page& page);

  // --- rankings ------------------------------------------------------------------------------

  core::Result<std::vector<RankingRow>> Rankings(const Caller& caller, const RankingQuery& query);

  const TimeBankOptions& options() const { return options_; }

 private:
  core::Result<Statement> StatementFor(store::Connection& conn, std::optional<TbAccount> account,
                                       const Page& page);
  core::Result<Redemption> LoadRedemption(store::Connection& conn, const Caller& caller,
                                          int64_t id);
  core::Result<Reward> LoadReward(store::Connection& conn, const Caller& caller, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  TimeBankOptions options_;
};

}  // namespace civicgrid::domain
