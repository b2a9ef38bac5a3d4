// The communities' funding ledger (coverage_service.h "Funds").
#include <fmt/format.h>

#include <limits>

#include "domain/coverage/coverage_service.h"
#include "domain/tickets/enum_names.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr NameTable<Fund, 2> kFunds{{{Fund::kWork, "work"}, {Fund::kService, "service"}}};
constexpr NameTable<FundEntryKind, 3> kEntryKinds{{{FundEntryKind::kAllocation, "allocation"},
                                                   {FundEntryKind::kSpending, "spending"},
                                                   {FundEntryKind::kReversal, "reversal"}}};
constexpr NameTable<SpendCategory, 7> kCategories{{{SpendCategory::kActivities, "activities"},
                                                   {SpendCategory::kServices, "services"},
                                                   {SpendCategory::kFacilities, "facilities"},
                                                   {SpendCategory::kAssistance, "assistance"},
                                                   {SpendCategory::kTraining, "training"},
                                                   {SpendCategory::kOffice, "office"},
                                                   {SpendCategory::kOther, "other"}}};

bool MayRead(Role r) {
  return r == Role::kCountyAdmin || r == Role::kStreetAdmin || r == Role::kCommunitySecretary ||
         r == Role::kCommunityWorker;
}
bool MayAllocate(Role r) { return r == Role::kCountyAdmin || r == Role::kStreetAdmin; }
bool MaySpend(Role r) { return MayAllocate(r) || r == Role::kCommunitySecretary; }

// Advisory key of an account's writers ('FUND' in the high half): a second reversal or a
// retried key waits for the first to commit (PostgreSQL; SQLite writers are serial anyway).
int64_t LockKeyOf(int64_t account_id) { return (int64_t{0x46554E44} << 32) | account_id; }

struct Community {
  int64_t id = 0;
  std::string code, name, path;
};

core::Result<Community> CommunityInScope(store::Connection& conn, const Caller& caller,
                                         int64_t id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT id, code, name, path, kind FROM org_node WHERE id = $1", {id}));
  if (rows.empty() || !caller.InScope(rows[0].Text(3))) return Error::NotFound("社区不存在");
  if (rows[0].Text(4) != "community") return Error::Invalid("community_id", "应为社区");
  return Community{rows[0].Int(0), rows[0].Text(1), rows[0].Text(2), rows[0].Text(3)};
}

core::Status CheckYear(const FundOptions& o, int year) {
  if (year < o.min_year || year > o.max_year) {
    return Error::Invalid("year", fmt::format("年度应在 {}–{} 之间", o.min_year, o.max_year));
  }
  return core::Ok();
}

core::Status CheckAmount(const FundOptions& o, int64_t amount) {
  if (amount <= 0 || amount > o.max_amount_fen) {
    return Error::Invalid("amount_fen", fmt::format("金额应为 1–{} 分", o.max_amount_fen));
  }
  return core::Ok();
}

core::Result<int64_t> EnsureAccount(store::Connection& conn, const Community& c, Fund fund,
                                    int year, int64_t now) {
  CG_TRY(
      conn.Execute("INSERT INTO fund_account (community_id, path, fund, year, created_at) "
                   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id, fund, year) DO NOTHING",
                   {c.id, c.path, FundName(fund), int64_t{year}, now}));
  return conn.QueryInt(
      "SELECT id FROM fund_account WHERE community_id = $1 AND fund = $2 AND year = $3",
      {c.id, FundName(fund), int64_t{year}});
}

constexpr const char* kEntryColumns =
    "e.id, e.account_id, e.kind, e.amount, e.balance_after, e.category, e.memo, e.spent_on, "
    "e.reverses_id, e.actor_account_id, e.at, "
    "(SELECT r.id FROM fund_entry r WHERE r.reverses_id = e.id) AS reversed_by";

FundEntry EntryOf(const store::Row& r) {
  FundEntry e;
  e.id = r.Int("id");
  e.account_id = r.Int("account_id");
  const std::string& kind = r.Text("kind");
  for (const auto& [k, name] : kEntryKinds) {
    if (name == kind) e.kind = k;
  }
  e.amount_fen = r.Int("amount");
  e.balance_after_fen = r.Int("balance_after");
  e.category = r.Text("category");
  e.memo = r.Text("memo");
  e.spent_on = r.Text("spent_on");
  e.reverses_id = r.OptInt(r.Index("reverses_id"));
  e.reversed_by_id = r.OptInt(r.Index("reversed_by"));
  e.actor_account_id = r.Int("actor_account_id");
  e.at_ms = r.Int("at");
  return e;
}

core::Result<std::optional<FundEntry>> EntryByKey(store::Connection& conn, const std::string& key) {
  if (key.empty()) return std::optional<FundEntry>();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(
          fmt::format("SELECT {} FROM fund_entry e WHERE e.idempotency_key = $1", kEntryColumns),
          {key}));
  if (rows.empty()) return std::optional<FundEntry>();
  return std::optional<FundEntry>(EntryOf(rows[0]));
}

// One entry: the account's balance moved by `amount` only if it stays at or above zero
// (the guarded UPDATE is the invariant under concurrency; the CHECK is the backstop).
struct Draft {
  int64_t account_id = 0;
  FundEntryKind kind = FundEntryKind::kAllocation;
  int64_t amount = 0;
  int64_t allocated_delta = 0;
  int64_t spent_delta = 0;
  std::string category, memo, spent_on, key;
  std::optional<int64_t> reverses_id;
  std::string short_field = "amount_fen";  // named when the balance is short
};

core::Result<FundEntry> Write(store::Connection& conn, const Caller& caller, int64_t now,
                              const Draft& d) {
  CG_ASSIGN_OR_RETURN(
      store::Rows moved,
      conn.Query("UPDATE fund_account SET balance = balance + $1, allocated = allocated + $2, "
                 "spent = spent + $3 WHERE id = $4 AND balance + $1 >= 0 RETURNING balance",
                 {d.amount, d.allocated_delta, d.spent_delta, d.account_id}));
  if (moved.empty()) {
    CG_ASSIGN_OR_RETURN(
        int64_t balance,
        conn.QueryInt("SELECT balance FROM fund_account WHERE id = $1", {d.account_id}));
    return Error::Invalid(d.short_field,
                          fmt::format("余额不足：余额 {} 分，不够支出 {} 分", balance, -d.amount));
  }
  const int64_t balance = moved[0].Int(0);
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn.QueryInt(
          "INSERT INTO fund_entry (account_id, kind, amount, balance_after, category, memo, "
          "spent_on, reverses_id, idempotency_key, actor_account_id, at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
          {d.account_id, FundEntryKindName(d.kind), d.amount, balance, d.category, d.memo,
           d.spent_on, d.reverses_id, d.key.empty() ? store::Value() : store::Value(d.key),
           caller.account_id, now}));
  FundEntry e;
  e.id = id;
  e.account_id = d.account_id;
  e.kind = d.kind;
  e.amount_fen = d.amount;
  e.balance_after_fen = balance;
  e.category = d.category;
  e.memo = d.memo;
  e.spent_on = d.spent_on;
  e.reverses_id = d.reverses_id;
  e.actor_account_id = caller.account_id;
  e.at_ms = now;
  return e;
}

// The key's earlier entry when it was the same write; Conflict when the key meant another.
core::Result<std::optional<FundEntry>> Replay(store::Connection& conn, const Draft& d) {
  CG_ASSIGN_OR_RETURN(auto earlier, EntryByKey(conn, d.key));
  if (!earlier) return earlier;
  if (earlier->account_id != d.account_id || earlier->kind != d.kind ||
      earlier->amount_fen != d.amount) {
    return Error::Conflict("幂等键已用于另一笔记录", "idempotency_key");
  }
  return earlier;
}

std::string Today(int64_t now) { return core::FormatDate(core::ShanghaiDate(now)); }

}  // namespace

std::string_view FundName(Fund fund) { return NameIn(kFunds, fund); }
core::Result<Fund> ParseFund(std::string_view name, std::string_view field) {
  return ParseIn(kFunds, name, field, "经费");
}
std::string_view FundEntryKindName(FundEntryKind kind) { return NameIn(kEntryKinds, kind); }
std::string_view SpendCategoryName(SpendCategory c) { return NameIn(kCategories, c); }
core::Result<SpendCategory> ParseSpendCategory(std::string_view name, std::string_view field) {
  return ParseIn(kCategories, name, field, "支出类别");
}
std::vector<std::string_view> SpendCategoryNames() {
  std::vector<std::string_view> out;
  for (const auto& [c, name] : kCategories) out.push_back(name);
  return out;
}

core::Result<std::vector<FundAccount>> FundLedger::Accounts(const Caller& caller,
                                                            std::optional<int64_t> within,
                                                            int year) {
  if (!MayRead(caller.role)) return Error::Forbidden("无权查看社区经费");
  CG_TRY(CheckYear(options_, year));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT c.id, c.code, c.name, a.id, a.fund, a.allocated, a.spent, a.balance "
                  "FROM org_node c LEFT JOIN fund_account a ON a.community_id = c.id "
                  "AND a.year = $3 WHERE c.kind = 'community' AND c.path >= $1 AND c.path < $2 "
                  "ORDER BY c.code, a.fund",
                  {range.lo, range.hi, int64_t{year}}));
  std::vector<FundAccount> out;
  for (size_t i = 0; i < rows.size();) {
    const int64_t community = rows[i].Int(0);
    FundAccount base;
    base.community_id = community;
    base.community_code = rows[i].Text(1);
    base.community_name = rows[i].Text(2);
    base.year = year;
    FundAccount work = base, service = base;
    work.fund = Fund::kWork;
    service.fund = Fund::kService;
    for (; i < rows.size() && rows[i].Int(0) == community; ++i) {
      if (rows[i].IsNull(3)) continue;
      FundAccount& a = rows[i].Text(4) == "work" ? work : service;
      a.id = rows[i].Int(3);
      a.allocated_fen = rows[i].Int(5);
      a.spent_fen = rows[i].Int(6);
      a.balance_fen = rows[i].Int(7);
    }
    work.norm_fen = options_.DefaultFor(Fund::kWork);
    service.norm_fen = options_.DefaultFor(Fund::kService);
    out.push_back(std::move(work));
    out.push_back(std::move(service));
  }
  return out;
}

core::Result<FundEntry> FundLedger::Allocate(const Caller& caller, const NewAllocation& a) {
  if (!MayAllocate(caller.role)) return Error::Forbidden("只有县、街道管理员可以拨付经费");
  CG_ASSIGN_OR_RETURN(Fund fund, ParseFund(a.fund, "fund"));
  CG_TRY(CheckYear(options_, a.year));
  const int64_t amount = a.amount_fen.value_or(options_.DefaultFor(fund));
  CG_TRY(CheckAmount(options_, amount));
  CG_ASSIGN_OR_RETURN(std::string memo, CleanText(a.memo, "memo", 200, false));
  if (a.idempotency_key.size() > 200) return Error::Invalid("idempotency_key", "至多 200 字节");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Community c, CommunityInScope(*conn, caller, a.community_id));
  const int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(int64_t account, EnsureAccount(*conn, c, fund, a.year, now));
  CG_TRY(conn->LockKey(LockKeyOf(account)));
  Draft d;
  d.account_id = account;
  d.kind = FundEntryKind::kAllocation;
  d.amount = amount;
  d.allocated_delta = amount;
  d.memo = memo;
  d.spent_on = Today(now);
  d.key = a.idempotency_key;
  CG_ASSIGN_OR_RETURN(auto earlier, Replay(*conn, d));
  if (earlier) return *earlier;
  CG_ASSIGN_OR_RETURN(FundEntry e, Write(*conn, caller, now, d));
  CG_TRY(audit_.Append(*conn, caller, "fund.allocate", "fund_entry", e.id,
                       fmt::format("{} {} {} +{}", c.code, a.fund, a.year, amount)));
  CG_TRY(tx.Commit());
  return e;
}

core::Result<DefaultAllocations> FundLedger::AllocateDefaults(const Caller& caller,
                                                              std::optional<int64_t> within,
                                                              int year) {
  if (!MayAllocate(caller.role)) return Error::Forbidden("只有县、街道管理员可以拨付经费");
  CG_TRY(CheckYear(options_, year));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, code, name, path FROM org_node WHERE kind = "
                                  "'community' AND path >= $1 AND path < $2 ORDER BY code",
                                  {range.lo, range.hi}));
  const int64_t now = clock_.NowMs();
  DefaultAllocations out;
  for (const auto& r : rows) {
    Community c{r.Int(0), r.Text(1), r.Text(2), r.Text(3)};
    for (Fund fund : {Fund::kWork, Fund::kService}) {
      CG_ASSIGN_OR_RETURN(int64_t account, EnsureAccount(*conn, c, fund, year, now));
      CG_TRY(conn->LockKey(LockKeyOf(account)));
      Draft d;
      d.account_id = account;
      d.amount = d.allocated_delta = options_.DefaultFor(fund);
      d.memo = "年度标准拨付";
      d.spent_on = Today(now);
      d.key = fmt::format("default:{}:{}:{}", c.id, FundName(fund), year);
      CG_ASSIGN_OR_RETURN(auto earlier, Replay(*conn, d));
      if (earlier) {
        out.existing += 1;
        continue;
      }
      CG_ASSIGN_OR_RETURN(FundEntry e, Write(*conn, caller, now, d));
      CG_TRY(audit_.Append(*conn, caller, "fund.allocate", "fund_entry", e.id,
                           fmt::format("{} {} {} +{}", c.code, FundName(fund), year, d.amount)));
      out.created += 1;
    }
  }
  CG_TRY(tx.Commit());
  return out;
}

core::Result<FundEntry> FundLedger::Spend(const Caller& caller, const NewSpending& s) {
  if (!MaySpend(caller.role)) return Error::Forbidden("无权记录经费支出");
  CG_ASSIGN_OR_RETURN(Fund fund, ParseFund(s.fund, "fund"));
  CG_TRY(CheckYear(options_, s.year));
  CG_TRY(CheckAmount(options_, s.amount_fen));
  CG_ASSIGN_OR_RETURN(SpendCategory category, ParseSpendCategory(s.category, "category"));
  CG_ASSIGN_OR_RETURN(std::string memo, CleanText(s.memo, "memo", 200, true));
  if (s.idempotency_key.size() > 200) return Error::Invalid("idempotency_key", "至多 200 字节");
  const int64_t now = clock_.NowMs();
  std::string spent_on = Today(now);
  if (s.spent_on) {
    CG_ASSIGN_OR_RETURN(core::CivilDate date, core::ParseDate(*s.spent_on, "spent_on"));
    spent_on = core::FormatDate(date);
    if (spent_on > Today(now)) return Error::Invalid("spent_on", "支出日期不能晚于今天");
  }
  if (spent_on.substr(0, 4) != std::to_string(s.year)) {
    return Error::Invalid("spent_on", fmt::format("支出日期应在 {} 年内", s.year));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Community c, CommunityInScope(*conn, caller, s.community_id));
  CG_ASSIGN_OR_RETURN(int64_t account, EnsureAccount(*conn, c, fund, s.year, now));
  CG_TRY(conn->LockKey(LockKeyOf(account)));
  Draft d;
  d.account_id = account;
  d.kind = FundEntryKind::kSpending;
  d.amount = -s.amount_fen;
  d.spent_delta = s.amount_fen;
  d.category = std::string(SpendCategoryName(category));
  d.memo = memo;
  d.spent_on = spent_on;
  d.key = s.idempotency_key;
  CG_ASSIGN_OR_RETURN(auto earlier, Replay(*conn, d));
  if (earlier) return *earlier;
  CG_ASSIGN_OR_RETURN(FundEntry e, Write(*conn, caller, now, d));
  CG_TRY(audit_.Append(
      *conn, caller, "fund.spend", "fund_entry", e.id,
      fmt::format("{} {} {} -{} {}", c.code, s.fund, s.year, s.amount_fen, d.category)));
  CG_TRY(tx.Commit());
  return e;
}

core::Result<FundEntry> FundLedger::Reverse(const Caller& caller, int64_t entry_id,
                                            const std::string& raw_memo) {
  if (!MaySpend(caller.role)) return Error::Forbidden("无权冲正经费记录");
  CG_ASSIGN_OR_RETURN(std::string memo, CleanText(raw_memo, "memo", 200, true));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows acc,
                      conn->Query("SELECT a.id, a.path FROM fund_entry e JOIN fund_account a "
                                  "ON a.id = e.account_id WHERE e.id = $1",
                                  {entry_id}));
  if (acc.empty() || !caller.InScope(acc[0].Text(1))) return Error::NotFound("经费记录不存在");
  CG_TRY(conn->LockKey(LockKeyOf(acc[0].Int(0))));
  CG_ASSIGN_OR_RETURN(
      store::Row row,
      conn->QueryOne(fmt::format("SELECT {} FROM fund_entry e WHERE e.id = $1", kEntryColumns),
                     {entry_id}));
  const FundEntry entry = EntryOf(row);
  if (entry.kind == FundEntryKind::kReversal) {
    return Error::Invalid("entry_id", "冲正记录不能再冲正");
  }
  if (entry.kind == FundEntryKind::kAllocation && !MayAllocate(caller.role)) {
    return Error::Forbidden("只有县、街道管理员可以冲正拨付");
  }
  if (entry.reversed_by_id) {
    CG_ASSIGN_OR_RETURN(
        store::Row first,
        conn->QueryOne(fmt::format("SELECT {} FROM fund_entry e WHERE e.id = $1", kEntryColumns),
                       {*entry.reversed_by_id}));
    return EntryOf(first);
  }
  const int64_t now = clock_.NowMs();
  Draft d;
  d.account_id = entry.account_id;
  d.kind = FundEntryKind::kReversal;
  d.amount = -entry.amount_fen;
  if (entry.kind == FundEntryKind::kAllocation) {
    d.allocated_delta = d.amount;
  } else {
    d.spent_delta = entry.amount_fen;  // a spending's reversal gives back what it spent
  }
  d.category = entry.category;
  d.memo = memo;
  d.spent_on = Today(now);
  d.reverses_id = entry.id;
  d.short_field = "entry_id";
  CG_ASSIGN_OR_RETURN(FundEntry e, Write(*conn, caller, now, d));
  CG_TRY(audit_.Append(*conn, caller, "fund.reverse", "fund_entry", e.id,
                       fmt::format("reverses {}", entry.id)));
  CG_TRY(tx.Commit());
  return e;
}

core::Result<FundStatement> FundLedger::Statement(const Caller& caller, int64_t community_id,
                                                  const std::string& fund_name, int year,
                                                  const Page& page) {
  if (!MayRead(caller.role)) return Error::Forbidden("无权查看社区经费");
  CG_ASSIGN_OR_RETURN(Fund fund, ParseFund(fund_name, "fund"));
  CG_TRY(CheckYear(options_, year));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Community c, CommunityInScope(*conn, caller, community_id));
  FundStatement out;
  FundAccount& a = out.account;
  a.community_id = c.id;
  a.community_code = c.code;
  a.community_name = c.name;
  a.fund = fund;
  a.year = year;
  a.norm_fen = options_.DefaultFor(fund);
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT id, allocated, spent, balance FROM fund_account WHERE community_id = $1 "
                  "AND fund = $2 AND year = $3",
                  {c.id, FundName(fund), int64_t{year}}));
  if (rows.empty()) return out;
  a.id = rows[0].Int(0);
  a.allocated_fen = rows[0].Int(1);
  a.spent_fen = rows[0].Int(2);
  a.balance_fen = rows[0].Int(3);
  const int64_t before = page.after > 0 ? page.after : std::numeric_limits<int64_t>::max();
  CG_ASSIGN_OR_RETURN(
      store::Rows entries,
      conn->Query(fmt::format("SELECT {} FROM fund_entry e WHERE e.account_id = $1 AND e.id < $2 "
                              "ORDER BY e.id DESC LIMIT $3",
                              kEntryColumns),
                  {a.id, before, page.limit}));
  for (const auto& r : entries) out.entries.push_back(EntryOf(r));
  if (static_cast<int64_t>(out.entries.size()) == page.limit && !out.entries.empty()) {
    out.next_after = out.entries.back().id;
  }
  return out;
}

}  // namespace civicgrid::domain
