// The ledger, its rules and the statements. Rewards, redemptions and
// rankings are in rewards.cc.
#include "domain/timebank/timebank.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/timebank/timebank_store.h"

namespace civicgrid::domain {
namespace {

// Serialises the daily-cap check of one account (PostgreSQL advisory lock;
// SQLite writers are serialised already). "tb" in the top bytes.
constexpr int64_t kCapLockBase = int64_t{0x7462} << 40;

}  // namespace

bool IsTimeBankStaff(Role role) {
  return role == Role::kCountyAdmin || role == Role::kStreetAdmin ||
         role == Role::kCommunitySecretary || role == Role::kCommunityWorker;
}

TimeBank::TimeBank(store::Db& db, const core::Clock& clock, AuditLog& audit,
                   TimeBankOptions options)
    : db_(db), clock_(clock), audit_(audit), options_(std::move(options)) {}

core::Result<Posted> TimeBank::Post(store::Connection& tx, const NewPosting& posting) {
  return tb::Post(tx, posting, clock_.NowMs());
}

core::Result<int64_t> TimeBank::PostBatch(store::Connection& tx,
                                          const std::vector<NewPosting>& postings) {
  return tb::PostBatch(tx, postings, clock_.NowMs());
}

core::Result<TbAccount> TimeBank::EnsureAccount(store::Connection& tx, HolderKind kind,
                                                int64_t holder_id, Currency currency) {
  CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(tx, kind, holder_id));
  return tb::EnsureAccount(tx, holder, currency, clock_.NowMs());
}

namespace {

// The pool account of the holder's community (or of the holder's node when it
// lies under no community) in `currency`.
core::Result<TbAccount> PoolOf(store::Connection& tx, const tb::Holder& holder, Currency currency,
                               int64_t now) {
  int64_t node = holder.community_id.value_or(holder.node_id);
  tb::Holder pool;
  pool.kind = HolderKind::kCommunity;
  pool.id = node;
  CG_ASSIGN_OR_RETURN(auto row,
                      tx.QueryOne("SELECT name, path FROM org_node WHERE id = $1", {node}));
  pool.name = row.Text("name");
  pool.node_id = node;
  pool.path = row.Text("path");
  pool.community_id = holder.community_id;
  return tb::EnsureAccount(tx, pool, currency, now);
}

}  // namespace

core::Result<CreditedHours> TimeBank::CreditApprovedHours(store::Connection& tx,
                                                          const ApprovedHours& hours) {
  if (hours.minutes < 1 || hours.minutes > options_.max_minutes_per_approval) {
    return core::Error::Invalid(
        "minutes", fmt::format("服务时长应为 1–{} 分钟", options_.max_minutes_per_approval));
  }
  if (hours.idempotency_key.empty()) return core::Error::Invalid("idempotency_key", "缺少幂等键");
  if (hours.served_at <= 0) return core::Error::Invalid("served_at", "缺少服务时间");
  int64_t now = clock_.NowMs();
  std::string key = "hours:" + hours.idempotency_key;
  CG_ASSIGN_OR_RETURN(tb::Holder holder,
                      tb::ResolveHolder(tx, HolderKind::kMember, hours.holder_member_id));
  CG_ASSIGN_OR_RETURN(TbAccount minutes_acct,
                      tb::EnsureAccount(tx, holder, Currency::kServiceMinutes, now));
  // The cap check and the credit of one holder run one at a time; a retry
  // waiting here sees the first attempt's posting once that committed.
  CG_TRY(tx.LockKey(kCapLockBase + minutes_acct.id));
  CG_ASSIGN_OR_RETURN(auto prior, tb::PostingByKey(tx, key));
  if (prior) {
    CreditedHours replay;
    replay.posting_id = *prior;
    replay.replayed = true;
    CG_ASSIGN_OR_RETURN(auto legs, tb::PostingLegs(tx, *prior));
    for (const Leg& leg : legs) {
      if (leg.amount <= 0) continue;
      CG_ASSIGN_OR_RETURN(TbAccount a, tb::LoadAccount(tx, leg.account_id));
      (a.currency == Currency::kServiceMinutes ? replay.minutes : replay.points) = leg.amount;
    }
    return replay;
  }
  CG_ASSIGN_OR_RETURN(TbAccount points_acct,
                      tb::EnsureAccount(tx, holder, Currency::kMemberPoints, now));
  CG_ASSIGN_OR_RETURN(TbAccount minutes_pool, PoolOf(tx, holder, Currency::kServiceMinutes, now));
  CG_ASSIGN_OR_RETURN(TbAccount points_pool, PoolOf(tx, holder, Currency::kMemberPoints, now));
  std::string day = tb::DayOf(hours.served_at);
  CG_ASSIGN_OR_RETURN(int64_t minutes_today,
                      tb::SumOnDay(tx, minutes_acct.id, day, {PostingKind::kHours}));
  CG_ASSIGN_OR_RETURN(
      int64_t points_today,
      tb::SumOnDay(tx, points_acct.id, day, {PostingKind::kHours, PostingKind::kTicket}));
  CreditedHours out;
  out.minutes = std::clamp<int64_t>(options_.daily_minutes_cap - minutes_today, 0, hours.minutes);
  int64_t points = hours.minutes * options_.points_per_hour / 60;
  out.points = std::clamp<int64_t>(options_.daily_points_cap - points_today, 0, points);
  out.capped = out.minutes < hours.minutes || out.points < points;
  NewPosting p;
  p.kind = PostingKind::kHours;
  p.idempotency_key = key;
  p.memo = fmt::format("志愿服务 {} 分钟（活动 {}）", hours.minutes, hours.activity_id);
  p.actor_account_id = hours.approved_by;
  p.ref_type = "activity";
  p.ref_id = hours.activity_id;
  p.at = hours.served_at;
  if (out.minutes > 0) {
    p.legs.push_back({minutes_acct.id, out.minutes});
    p.legs.push_back({minutes_pool.id, -out.minutes});
  }
  if (out.points > 0) {
    p.legs.push_back({points_acct.id, out.points});
    p.legs.push_back({points_pool.id, -out.points});
  }
  // Fully capped: the key is still recorded, as a posting without entries.
  CG_ASSIGN_OR_RETURN(Posted posted,
                      p.legs.empty() ? tb::PostEmpty(tx, p, now) : tb::Post(tx, p, now));
  out.posting_id = posted.posting_id;
  out.replayed = posted.replayed;
  return out;
}

core::Result<std::optional<Posted>> TimeBank::CreditRatedReport(store::Connection& tx,
                                                                int64_t ticket_id,
                                                                int64_t resident_id, int64_t at) {
  int64_t points = options_.civility_report_points;
  if (points <= 0) return std::optional<Posted>();
  std::string key = fmt::format("civility-report:{}", ticket_id);
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(tx, HolderKind::kResident, resident_id));
  CG_ASSIGN_OR_RETURN(TbAccount acct,
                      tb::EnsureAccount(tx, holder, Currency::kCivilityPoints, now));
  CG_ASSIGN_OR_RETURN(TbAccount pool, PoolOf(tx, holder, Currency::kCivilityPoints, now));
  CG_TRY(tx.LockKey(kCapLockBase + acct.id));  // the daily cap, one at a time per holder
  CG_ASSIGN_OR_RETURN(auto prior, tb::PostingByKey(tx, key));
  if (prior) return std::optional<Posted>(Posted{*prior, true});
  CG_ASSIGN_OR_RETURN(int64_t today,
                      tb::SumOnDay(tx, acct.id, tb::DayOf(at), {PostingKind::kAward}));
  points = std::min(points, options_.civility_daily_cap - today);
  if (points <= 0) return std::optional<Posted>();
  NewPosting p;
  p.kind = PostingKind::kAward;
  p.idempotency_key = key;
  p.memo = fmt::format("随手拍办结并评价（工单 {}）", ticket_id);
  p.ref_type = "ticket";
  p.ref_id = ticket_id;
  p.at = at;
  p.legs = {{acct.id, points}, {pool.id, -points}};
  CG_ASSIGN_OR_RETURN(Posted posted, tb::Post(tx, p, now));
  return std::optional<Posted>(posted);
}

core::Result<std::optional<Posted>> TimeBank::CreditResolvedTicket(store::Connection& tx,
                                                                   int64_t ticket_id,
                                                                   int64_t category_id,
                                                                   int64_t member_id, int64_t at) {
  auto rule = options_.ticket_points_by_category.find(category_id);
  int64_t points =
      rule != options_.ticket_points_by_category.end() ? rule->second : options_.ticket_points;
  if (points <= 0) return std::optional<Posted>();
  std::string key = fmt::format("ticket:{}", ticket_id);
  CG_ASSIGN_OR_RETURN(auto prior, tb::PostingByKey(tx, key));
  if (prior) return std::optional<Posted>(Posted{*prior, true});
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(tx, HolderKind::kMember, member_id));
  CG_ASSIGN_OR_RETURN(TbAccount minutes_acct,
                      tb::EnsureAccount(tx, holder, Currency::kServiceMinutes, now));
  CG_ASSIGN_OR_RETURN(TbAccount acct, tb::EnsureAccount(tx, holder, Currency::kMemberPoints, now));
  CG_ASSIGN_OR_RETURN(TbAccount pool, PoolOf(tx, holder, Currency::kMemberPoints, now));
  CG_TRY(tx.LockKey(kCapLockBase + minutes_acct.id));  // the same lock as approved hours
  CG_ASSIGN_OR_RETURN(prior, tb::PostingByKey(tx, key));
  if (prior) return std::optional<Posted>(Posted{*prior, true});
  CG_ASSIGN_OR_RETURN(int64_t today, tb::SumOnDay(tx, acct.id, tb::DayOf(at),
                                                  {PostingKind::kHours, PostingKind::kTicket}));
  points = std::min(points, options_.daily_points_cap - today);
  if (points <= 0) return std::optional<Posted>();
  NewPosting p;
  p.kind = PostingKind::kTicket;
  p.idempotency_key = key;
  p.memo = fmt::format("认领工单办结（工单 {}）", ticket_id);
  p.ref_type = "ticket";
  p.ref_id = ticket_id;
  p.at = at;
  p.legs = {{acct.id, points}, {pool.id, -points}};
  CG_ASSIGN_OR_RETURN(Posted posted, tb::Post(tx, p, now));
  return std::optional<Posted>(posted);
}

core::Result<Posted> TimeBank::Reverse(const Caller& caller, int64_t posting_id,
                                       const std::string& memo) {
  if (!IsTimeBankStaff(caller.role)) return core::Error::Forbidden("当前角色无权冲正");
  CG_ASSIGN_OR_RETURN(std::string clean, CleanText(memo, "memo", options_.max_memo_chars, true));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(tb::PostingRow original, tb::LoadPosting(*conn, posting_id));
  CG_ASSIGN_OR_RETURN(auto legs, tb::PostingLegs(*conn, posting_id));
  for (const Leg& leg : legs) {  // every account of the posting must lie in scope
    CG_ASSIGN_OR_RETURN(TbAccount a, tb::LoadAccount(*conn, leg.account_id));
    if (!caller.InScope(a.path)) return core::Error::NotFound("记账不存在");
  }
  if (original.kind == PostingKind::kReversal) {
    return core::Error::Invalid("posting_id", "冲正记账不能再冲正");
  }
  if (original.kind == PostingKind::kRedemption) {
    return core::Error::Invalid("posting_id", "兑换请通过取消兑换冲正");
  }
  if (legs.empty()) return core::Error::Invalid("posting_id", "该记账没有分录");
  NewPosting p;
  p.kind = PostingKind::kReversal;
  p.idempotency_key = fmt::format("reverse:{}", posting_id);
  p.memo = clean;
  p.reverses_id = posting_id;
  p.actor_account_id = caller.account_id;
  p.ref_type = "posting";
  p.ref_id = posting_id;
  for (const Leg& leg : legs) p.legs.push_back({leg.account_id, -leg.amount});
  auto posted = tb::Post(*conn, p, clock_.NowMs());
  if (!posted.ok() && posted.error().field == "balance") {
    return core::Error::Invalid("posting_id", posted.error().message);
  }
  CG_TRY(posted);
  if (!posted->replayed) {
    CG_TRY(audit_.Append(*conn, caller, "timebank.reverse", "tb_posting", posting_id, clean));
  }
  CG_TRY(tx.Commit());
  return *posted;
}

// --- statements ------------------------------------------------------------------------------

core::Result<Statement> TimeBank::StatementFor(store::Connection& conn,
                                               std::optional<TbAccount> account, const Page& page) {
  Statement s;
  if (!account) return s;  // never used: balance 0, no entries
  s.account = *account;
  CG_ASSIGN_OR_RETURN(s.entries, tb::Entries(conn, account->id, page.after, page.limit));
  if (static_cast<int64_t>(s.entries.size()) == page.limit && !s.entries.empty()) {
    s.next_after = s.entries.back().id;
  }
  return s;
}

namespace {

// The caller's own holder and the currencies a person of that kind holds.
core::Result<std::pair<HolderKind, int64_t>> OwnHolder(const Caller& caller) {
  if (caller.party_member_id) return std::make_pair(HolderKind::kMember, *caller.party_member_id);
  if (caller.resident_id) return std::make_pair(HolderKind::kResident, *caller.resident_id);
  return core::Error::NotFound("当前账号没有爱心存折");
}

std::vector<Currency> CurrenciesOf(HolderKind kind) {
  if (kind == HolderKind::kResident) return {Currency::kCivilityPoints};
  return {Currency::kServiceMinutes, Currency::kMemberPoints};
}

}  // namespace

core::Result<std::vector<TbAccount>> TimeBank::MyAccounts(const Caller& caller) {
  CG_ASSIGN_OR_RETURN(auto own, OwnHolder(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::vector<TbAccount> out;
  for (Currency c : CurrenciesOf(own.first)) {
    CG_ASSIGN_OR_RETURN(auto found, tb::FindAccount(*conn, own.first, own.second, c));
    if (!found) {
      found = TbAccount{};
      found->holder_kind = own.first;
      found->holder_id = own.second;
      found->currency = c;
    }
    out.push_back(*found);
  }
  return out;
}

core::Result<Statement> TimeBank::MyStatement(const Caller& caller, Currency currency,
                                              const Page& page) {
  CG_ASSIGN_OR_RETURN(auto own, OwnHolder(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto found, tb::FindAccount(*conn, own.first, own.second, currency));
  CG_ASSIGN_OR_RETURN(Statement s, StatementFor(*conn, found, page));
  if (!found) {
    s.account.holder_kind = own.first;
    s.account.holder_id = own.second;
    s.account.currency = currency;
  }
  return s;
}

core::Result<Statement> TimeBank::StatementOf(const Caller& caller, HolderKind kind,
                                              int64_t holder_id, Currency currency,
                                              const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  bool own = false;
  if (auto mine = OwnHolder(caller); mine.ok()) own = *mine == std::make_pair(kind, holder_id);
  bool unit_member = false;
  if (caller.role == Role::kUnitAdmin && caller.unit_id && kind == HolderKind::kMember) {
    CG_ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT 1 FROM party_member WHERE id = $1 AND "
                                               "unit_id = $2",
                                               {holder_id, *caller.unit_id}));
    unit_member = !rows.empty();
  }
  if (!own && !unit_member && !IsTimeBankStaff(caller.role)) {
    return core::Error::NotFound("爱心存折不存在");
  }
  CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(*conn, kind, holder_id));
  if (!own && !unit_member && !caller.InScope(holder.path)) {
    return core::Error::NotFound("爱心存折不存在");
  }
  CG_ASSIGN_OR_RETURN(auto found, tb::FindAccount(*conn, kind, holder_id, currency));
  CG_ASSIGN_OR_RETURN(Statement s, StatementFor(*conn, found, page));
  if (!found) {
    s.account.holder_kind = kind;
    s.account.holder_id = holder_id;
    s.account.currency = currency;
    s.account.name = holder.name;
    s.account.node_id = holder.node_id;
  }
  return s;
}

}  // namespace civicgrid::domain
