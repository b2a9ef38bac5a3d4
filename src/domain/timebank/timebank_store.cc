#include "domain/timebank/timebank_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/time.h"

namespace civicgrid::domain::tb {

const char* const kAccountColumns =
    "a.id, a.holder_kind, a.holder_id, a.currency, a.node_id, a.path, a.community_id, a.name, "
    "a.allow_negative, a.balance, a.created_at";

std::string DayOf(int64_t epoch_ms) { return core::FormatDate(core::ShanghaiDate(epoch_ms)); }

TbAccount AccountFromRow(const store::Row& row) {
  TbAccount a;
  a.id = row.Int("id");
  a.holder_kind = ParseHolderKind(row.Text("holder_kind"), "holder_kind").value();
  a.holder_id = row.Int("holder_id");
  a.currency = ParseCurrency(row.Text("currency"), "currency").value();
  a.node_id = row.Int("node_id");
  a.path = row.Text("path");
  a.community_id = row.OptInt("community_id");
  a.name = row.Text("name");
  a.allow_negative = row.Int("allow_negative") != 0;
  a.balance = row.Int("balance");
  a.created_at = row.Int("created_at");
  return a;
}

namespace {

// The community the path runs through (the deepest community node on it).
core::Result<std::optional<int64_t>> CommunityOnPath(store::Connection& conn,
                                                     const std::string& path) {
  std::vector<int64_t> ids;
  size_t start = 1;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) break;
    ids.push_back(std::stoll(path.substr(start, slash - start)));
    start = slash + 1;
  }
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    CG_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT kind FROM org_node WHERE id = $1", {*it}));
    if (!rows.empty() && rows[0].Text(0) == "community") return std::optional<int64_t>(*it);
  }
  return std::optional<int64_t>();
}

}  // namespace

core::Result<Holder> ResolveHolder(store::Connection& conn, HolderKind kind, int64_t id,
                                   std::optional<int64_t> team_node, std::string team_name) {
  Holder h;
  h.kind = kind;
  h.id = id;
  std::string sql;
  switch (kind) {
    case HolderKind::kMember:
      sql =
          "SELECT pm.name, COALESCE(pm.residence_node_id, po.node_id) AS node_id FROM party_member "
          "pm JOIN party_org po ON po.id = pm.party_org_id WHERE pm.id = $1";
      break;
    case HolderKind::kResident:
      sql = "SELECT name, node_id FROM resident WHERE id = $1";
      break;
    case HolderKind::kCommunity:
      sql = "SELECT name, id AS node_id FROM org_node WHERE id = $1 AND kind = 'community'";
      break;
    case HolderKind::kTeam:
      if (!team_node) return core::Error::NotFound("队伍不存在");
      sql = "SELECT name, id AS node_id FROM org_node WHERE id = $1";
      break;
  }
  CG_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, {kind == HolderKind::kTeam ? *team_node : id}));
  if (rows.empty()) return core::Error::NotFound("账户持有人不存在");
  h.name = kind == HolderKind::kTeam ? team_name : rows[0].Text("name");
  h.node_id = rows[0].Int("node_id");
  CG_ASSIGN_OR_RETURN(auto path,
                      conn.QueryOne("SELECT path FROM org_node WHERE id = $1", {h.node_id}));
  h.path = path.Text(0);
  CG_ASSIGN_OR_RETURN(h.community_id, CommunityOnPath(conn, h.path));
  return h;
}

core::Result<std::optional<TbAccount>> FindAccount(store::Connection& conn, HolderKind kind,
                                                   int64_t holder_id, Currency currency) {
  CG_ASSIGN_OR_RETURN(
      auto rows, conn.Query(fmt::format("SELECT {} FROM tb_account a WHERE a.holder_kind = $1 AND "
                                        "a.holder_id = $2 AND a.currency = $3",
                                        kAccountColumns),
                            {HolderKindName(kind), holder_id, CurrencyName(currency)}));
  if (rows.empty()) return std::optional<TbAccount>();
  return std::optional<TbAccount>(AccountFromRow(rows[0]));
}

core::Result<TbAccount> LoadAccount(store::Connection& conn, int64_t id) {
  CG_ASSIGN_OR_RETURN(
      auto rows,
      conn.Query(fmt::format("SELECT {} FROM tb_account a WHERE a.id = $1", kAccountColumns),
                 {id}));
  if (rows.empty()) return core::Error::NotFound("账户不存在");
  return AccountFromRow(rows[0]);
}

core::Result<TbAccount> EnsureAccount(store::Connection& conn, const Holder& holder,
                                      Currency currency, int64_t now) {
  CG_ASSIGN_OR_RETURN(auto found, FindAccount(conn, holder.kind, holder.id, currency));
  if (found) return *found;
  bool pool = holder.kind == HolderKind::kCommunity;
  CG_TRY(conn.Execute(
      "INSERT INTO tb_account (holder_kind, holder_id, currency, node_id, path, community_id, "
      "name, allow_negative, balance, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) "
      "ON CONFLICT (holder_kind, holder_id, currency) DO NOTHING",
      {HolderKindName(holder.kind), holder.id, CurrencyName(currency), holder.node_id, holder.path,
       holder.community_id, holder.name, pool ? 1 : 0, now}));
  CG_ASSIGN_OR_RETURN(found, FindAccount(conn, holder.kind, holder.id, currency));
  if (!found) return core::Error::Internal("账户创建失败");
  return *found;
}

namespace {

core::Status CheckBalanced(store::Connection& conn, const NewPosting& p,
                           std::map<int64_t, TbAccount>& accounts) {
  if (p.legs.size() < 2) return core::Error::Invalid("legs", "一笔记账至少两条分录");
  if (p.idempotency_key.empty() || p.idempotency_key.size() > 200) {
    return core::Error::Invalid("idempotency_key", "幂等键应为 1–200 字节");
  }
  std::map<Currency, int64_t> sums;
  for (const Leg& leg : p.legs) {
    if (leg.amount == 0) return core::Error::Invalid("amount", "分录金额不能为 0");
    if (accounts.count(leg.account_id) != 0) {
      return core::Error::Invalid("legs", "同一账户在一笔记账中只能出现一次");
    }
    CG_ASSIGN_OR_RETURN(TbAccount account, LoadAccount(conn, leg.account_id));
    sums[account.currency] += leg.amount;
    accounts.emplace(leg.account_id, std::move(account));
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      return core::Error::Invalid(
          "legs", fmt::format("{} 分录合计应为 0，实为 {}", CurrencyName(currency), sum));
    }
  }
  return core::Ok();
}

std::string Digest(const NewPosting& p, std::vector<Leg> legs) {
  std::sort(legs.begin(), legs.end(),
            [](const Leg& a, const Leg& b) { return a.account_id < b.account_id; });
  std::string d = fmt::format("{}|{}|", PostingKindName(p.kind), p.reverses_id.value_or(0));
  for (const Leg& leg : legs) d += fmt::format("{}:{},", leg.account_id, leg.amount);
  return d;
}

}  // namespace

namespace {

// Inserts the posting row; a key used before answers that posting (replayed)
// when its digest matches, else Conflict naming idempotency_key.
core::Result<Posted> InsertPosting(store::Connection& conn, const NewPosting& p,
                                   const std::string& digest, int64_t now) {
  int64_t at = p.at != 0 ? p.at : now;
  CG_ASSIGN_OR_RETURN(
      auto inserted,
      conn.Query("INSERT INTO tb_posting (kind, idempotency_key, digest, memo, reverses_id, "
                 "actor_account_id, ref_type, ref_id, day, at, created_at) VALUES ($1, $2, $3, $4, "
                 "$5, $6, $7, $8, $9, $10, $11) ON CONFLICT (idempotency_key) DO NOTHING "
                 "RETURNING id",
                 {PostingKindName(p.kind), p.idempotency_key, digest, p.memo, p.reverses_id,
                  p.actor_account_id, p.ref_type, p.ref_id, DayOf(at), at, now}));
  if (!inserted.empty()) return Posted{inserted[0].Int(0), false};
  CG_ASSIGN_OR_RETURN(auto prior,
                      conn.QueryOne("SELECT id, digest FROM tb_posting WHERE idempotency_key = $1",
                                    {p.idempotency_key}));
  if (prior.Text("digest") != digest) {
    return core::Error::Conflict("幂等键已用于另一笔记账", "idempotency_key");
  }
  return Posted{prior.Int("id"), true};
}

}  // namespace

core::Result<Posted> PostEmpty(store::Connection& conn, const NewPosting& p, int64_t now) {
  if (p.idempotency_key.empty() || p.idempotency_key.size() > 200) {
    return core::Error::Invalid("idempotency_key", "幂等键应为 1–200 字节");
  }
  return InsertPosting(conn, p, Digest(p, {}), now);
}

core::Result<Posted> Post(store::Connection& conn, const NewPosting& p, int64_t now) {
  std::map<int64_t, TbAccount> accounts;
  CG_TRY(CheckBalanced(conn, p, accounts));
  std::vector<Leg> legs = p.legs;
  std::sort(legs.begin(), legs.end(),  // one lock order for every writer
            [](const Leg& a, const Leg& b) { return a.account_id < b.account_id; });
  std::string digest = Digest(p, legs);
  int64_t at = p.at != 0 ? p.at : now;
  std::string day = DayOf(at);
  CG_ASSIGN_OR_RETURN(Posted posted, InsertPosting(conn, p, digest, now));
  if (posted.replayed) return posted;
  int64_t posting_id = posted.posting_id;
  for (const Leg& leg : legs) {
    CG_ASSIGN_OR_RETURN(auto after,
                        conn.Query("UPDATE tb_account SET balance = balance + $1 WHERE id = $2 AND "
                                   "(allow_negative = 1 OR balance + $1 >= 0) RETURNING balance",
                                   {leg.amount, leg.account_id}));
    if (after.empty()) {
      const TbAccount& a = accounts.at(leg.account_id);
      return core::Error::Invalid(
          "balance", fmt::format("余额不足：{} 的余额不够扣减 {}", a.name, -leg.amount));
    }
    CG_TRY(conn.Execute(
        "INSERT INTO tb_entry (posting_id, account_id, currency, amount, balance_after, kind, day, "
        "at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {posting_id, leg.account_id, CurrencyName(accounts.at(leg.account_id).currency), leg.amount,
         after[0].Int(0), PostingKindName(p.kind), day, at}));
  }
  return Posted{posting_id, false};
}

core::Result<int64_t> SumOnDay(store::Connection& conn, int64_t account_id, const std::string& day,
                               const std::vector<PostingKind>& kinds) {
  int64_t total = 0;
  for (PostingKind kind : kinds) {
    CG_ASSIGN_OR_RETURN(int64_t sum,
                        conn.QueryInt("SELECT COALESCE(SUM(amount), 0) FROM tb_entry "
                                      "WHERE account_id = $1 AND day = $2 AND kind = $3",
                                      {account_id, day, PostingKindName(kind)}));
    total += sum;
  }
  return total;
}

core::Result<std::vector<TbEntry>> Entries(store::Connection& conn, int64_t account_id,
                                           int64_t before, int64_t limit) {
  constexpr const char* kSelect =
      "SELECT e.id, e.posting_id, e.account_id, e.currency, e.amount, e.balance_after, e.kind, "
      "e.day, e.at, p.memo, p.reverses_id FROM tb_entry e JOIN tb_posting p ON p.id = "
      "e.posting_id WHERE e.account_id = $1 ";
  store::Rows rows;
  if (before > 0) {
    CG_ASSIGN_OR_RETURN(
        rows, conn.Query(std::string(kSelect) + "AND e.id < $2 ORDER BY e.id DESC LIMIT $3",
                         {account_id, before, limit}));
  } else {
    CG_ASSIGN_OR_RETURN(rows, conn.Query(std::string(kSelect) + "ORDER BY e.id DESC LIMIT $2",
                                         {account_id, limit}));
  }
  std::vector<TbEntry> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    TbEntry e;
    e.id = row.Int("id");
    e.posting_id = row.Int("posting_id");
    e.account_id = row.Int("account_id");
    e.currency = ParseCurrency(row.Text("currency"), "currency").value();
    e.amount = row.Int("amount");
    e.balance_after = row.Int("balance_after");
    e.kind = ParsePostingKind(row.Text("kind"), "kind").value();
    e.day = row.Text("day");
    e.at = row.Int("at");
    e.memo = row.Text("memo");
    e.reverses_id = row.OptInt("reverses_id");
    out.push_back(std::move(e));
  }
  return out;
}

core::Result<PostingRow> LoadPosting(store::Connection& conn, int64_t id) {
  CG_ASSIGN_OR_RETURN(
      auto rows,
      conn.Query("SELECT id, kind, reverses_id, memo FROM tb_posting WHERE id = $1", {id}));
  if (rows.empty()) return core::Error::NotFound("记账不存在");
  PostingRow p;
  p.id = rows[0].Int("id");
  CG_ASSIGN_OR_RETURN(p.kind, ParsePostingKind(rows[0].Text("kind"), "kind"));
  p.reverses_id = rows[0].OptInt("reverses_id");
  p.memo = rows[0].Text("memo");
  return p;
}

core::Result<std::optional<int64_t>> PostingByKey(store::Connection& conn, const std::string& key) {
  CG_ASSIGN_OR_RETURN(auto rows,
                      conn.Query("SELECT id FROM tb_posting WHERE idempotency_key = $1", {key}));
  if (rows.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows[0].Int(0));
}

core::Result<std::vector<Leg>> PostingLegs(store::Connection& conn, int64_t posting_id) {
  CG_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT account_id, amount FROM tb_entry WHERE "
                                            "posting_id = $1 ORDER BY id",
                                            {posting_id}));
  std::vector<Leg> legs;
  for (const auto& row : rows) legs.push_back({row.Int("account_id"), row.Int("amount")});
  return legs;
}

namespace {

// Writes `rows` entries (8 values each) in multi-row INSERTs of at most kBatch rows.
constexpr size_t kEntryBatch = 100;

core::Status InsertEntries(store::Connection& conn, const std::vector<store::Value>& values) {
  constexpr size_t kCols = 8;
  size_t rows = values.size() / kCols;
  for (size_t first = 0; first < rows; first += kEntryBatch) {
    size_t n = std::min(kEntryBatch, rows - first);
    std::string sql =
        "INSERT INTO tb_entry (posting_id, account_id, currency, amount, balance_after, kind, day, "
        "at) VALUES ";
    store::Params params;
    params.reserve(n * kCols);
    for (size_t r = 0; r < n; ++r) {
      sql += r == 0 ? "(" : ", (";
      for (size_t c = 0; c < kCols; ++c) {
        sql += fmt::format("{}${}", c == 0 ? "" : ", ", r * kCols + c + 1);
        params.push_back(values[(first + r) * kCols + c]);
      }
      sql += ")";
    }
    CG_TRY(conn.Execute(sql, params));
  }
  return core::Ok();
}

}  // namespace

core::Result<int64_t> PostBatch(store::Connection& conn, const std::vector<NewPosting>& postings,
                                int64_t now) {
  // The accounts, locked (a no-op UPDATE) and read once, in id order.
  std::map<int64_t, TbAccount> accounts;
  for (const NewPosting& p : postings) {
    for (const Leg& leg : p.legs) accounts.emplace(leg.account_id, TbAccount{});
  }
  std::map<int64_t, int64_t> balance;
  for (auto& [id, account] : accounts) {
    CG_ASSIGN_OR_RETURN(auto locked,
                        conn.Query("UPDATE tb_account SET balance = balance WHERE id = $1 "
                                   "RETURNING balance",
                                   {id}));
    if (locked.empty()) return core::Error::NotFound("账户不存在");
    CG_ASSIGN_OR_RETURN(account, LoadAccount(conn, id));
    balance[id] = locked[0].Int(0);
  }
  std::map<int64_t, int64_t> start = balance;
  std::vector<store::Value> entries;
  int64_t posted = 0;
  for (const NewPosting& p : postings) {
    if (p.legs.size() < 2) return core::Error::Invalid("legs", "一笔记账至少两条分录");
    std::map<Currency, int64_t> sums;
    std::vector<Leg> legs = p.legs;
    std::sort(legs.begin(), legs.end(),
              [](const Leg& a, const Leg& b) { return a.account_id < b.account_id; });
    for (size_t i = 0; i < legs.size(); ++i) {
      if (legs[i].amount == 0) return core::Error::Invalid("amount", "分录金额不能为 0");
      if (i > 0 && legs[i].account_id == legs[i - 1].account_id) {
        return core::Error::Invalid("legs", "同一账户在一笔记账中只能出现一次");
      }
      sums[accounts.at(legs[i].account_id).currency] += legs[i].amount;
    }
    for (const auto& [currency, sum] : sums) {
      if (sum != 0) {
        return core::Error::Invalid(
            "legs", fmt::format("{} 分录合计应为 0，实为 {}", CurrencyName(currency), sum));
      }
    }
    CG_ASSIGN_OR_RETURN(Posted inserted, InsertPosting(conn, p, Digest(p, legs), now));
    if (inserted.replayed) continue;
    int64_t at = p.at != 0 ? p.at : now;
    std::string day = DayOf(at);
    for (const Leg& leg : legs) {
      const TbAccount& a = accounts.at(leg.account_id);
      int64_t after = balance[leg.account_id] + leg.amount;
      if (after < 0 && !a.allow_negative) {
        return core::Error::Invalid(
            "balance", fmt::format("余额不足：{} 的余额不够扣减 {}", a.name, -leg.amount));
      }
      balance[leg.account_id] = after;
      for (store::Value v : std::initializer_list<store::Value>{
               inserted.posting_id, leg.account_id, CurrencyName(a.currency), leg.amount, after,
               PostingKindName(p.kind), day, at}) {
        entries.push_back(std::move(v));
      }
    }
    ++posted;
  }
  CG_TRY(InsertEntries(conn, entries));
  for (const auto& [id, b] : balance) {
    if (b == start[id]) continue;
    CG_TRY(conn.Execute("UPDATE tb_account SET balance = $1 WHERE id = $2", {b, id}));
  }
  return posted;
}

}  // namespace civicgrid::domain::tb
