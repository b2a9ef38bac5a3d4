// Rewards (积分兑换), redemptions and rankings of the time bank.
#include <fmt/format.h>

#include "core/crypto.h"
#include "domain/timebank/timebank.h"
#include "domain/timebank/timebank_store.h"

namespace civicgrid::domain {
namespace {

constexpr const char* kRewardColumns =
    "r.id, r.node_id, r.path, r.name, r.description, r.currency, r.cost, r.stock, r.active, "
    "r.version, r.created_at, r.updated_at";

Reward RewardFromRow(const store::Row& row) {
  Reward r;
  r.id = row.Int("id");
  r.node_id = row.Int("node_id");
  r.path = row.Text("path");
  r.name = row.Text("name");
  r.description = row.Text("description");
  r.currency = ParseCurrency(row.Text("currency"), "currency").value();
  r.cost = row.Int("cost");
  r.stock = row.Int("stock");
  r.active = row.Int("active") != 0;
  r.version = row.Int("version");
  r.created_at = row.Int("created_at");
  r.updated_at = row.Int("updated_at");
  return r;
}

constexpr const char* kRedemptionSelect =
    "SELECT d.id, d.reward_id, r.name AS reward_name, d.account_id, a.name AS holder_name, "
    "d.quantity, d.amount, d.state, d.posting_id, d.reversal_posting_id, d.created_at, "
    "d.handed_over_at, d.cancelled_at, d.path, a.holder_kind, a.holder_id FROM tb_redemption d "
    "JOIN tb_reward r ON r.id = d.reward_id JOIN tb_account a ON a.id = d.account_id ";

Redemption RedemptionFromRow(const store::Row& row) {
  Redemption d;
  d.id = row.Int("id");
  d.reward_id = row.Int("reward_id");
  d.reward_name = row.Text("reward_name");
  d.account_id = row.Int("account_id");
  d.holder_name = row.Text("holder_name");
  d.quantity = row.Int("quantity");
  d.amount = row.Int("amount");
  d.state = ParseRedemptionState(row.Text("state"), "state").value();
  d.posting_id = row.Int("posting_id");
  d.reversal_posting_id = row.OptInt("reversal_posting_id");
  d.created_at = row.Int("created_at");
  d.handed_over_at = row.OptInt("handed_over_at");
  d.cancelled_at = row.OptInt("cancelled_at");
  return d;
}

core::Result<std::pair<HolderKind, int64_t>> OwnHolderOf(const Caller& caller) {
  if (caller.party_member_id) return std::make_pair(HolderKind::kMember, *caller.party_member_id);
  if (caller.resident_id) return std::make_pair(HolderKind::kResident, *caller.resident_id);
  return core::Error::NotFound("当前账号没有爱心存折");
}

core::Status RequireStaff(const Caller& caller) {
  if (IsTimeBankStaff(caller.role)) return core::Ok();
  return core::Error::Forbidden("当前角色无权管理爱心超市");
}

bool IsPrefix(const std::string& prefix, const std::string& path) {
  return path.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

core::Result<Reward> TimeBank::LoadReward(store::Connection& conn, const Caller& caller,
                                          int64_t id) {
  CG_ASSIGN_OR_RETURN(
      auto rows,
      conn.Query(fmt::format("SELECT {} FROM tb_reward r WHERE r.id = $1", kRewardColumns), {id}));
  if (rows.empty()) return core::Error::NotFound("兑换物品不存在");
  Reward r = RewardFromRow(rows[0]);
  if (IsTimeBankStaff(caller.role)) {
    if (!caller.InScope(r.path)) return core::Error::NotFound("兑换物品不存在");
    return r;
  }
  // A person: rewards of the community they live in.
  auto own = OwnHolderOf(caller);
  if (!own.ok()) return core::Error::NotFound("兑换物品不存在");
  CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(conn, own->first, own->second));
  if (!IsPrefix(r.path, holder.path)) return core::Error::NotFound("兑换物品不存在");
  return r;
}

core::Result<PageOf<Reward>> TimeBank::Rewards(const Caller& caller, std::optional<int64_t> node_id,
                                               const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  store::Rows rows;
  if (IsTimeBankStaff(caller.role)) {
    CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, node_id));
    CG_ASSIGN_OR_RETURN(rows, conn->Query(fmt::format("SELECT {} FROM tb_reward r WHERE r.path >= "
                                                      "$1 AND r.path < $2 AND r.id > $3 ORDER BY "
                                                      "r.id LIMIT $4",
                                                      kRewardColumns),
                                          {range.lo, range.hi, page.after, page.limit}));
  } else {
    CG_ASSIGN_OR_RETURN(auto own, OwnHolderOf(caller));
    CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(*conn, own.first, own.second));
    if (!holder.community_id) return PageOf<Reward>{};
    CG_ASSIGN_OR_RETURN(rows, conn->Query(fmt::format("SELECT {} FROM tb_reward r WHERE r.node_id "
                                                      "= $1 AND r.active = 1 AND r.id > $2 ORDER "
                                                      "BY r.id LIMIT $3",
                                                      kRewardColumns),
                                          {*holder.community_id, page.after, page.limit}));
  }
  std::vector<Reward> items;
  for (const auto& row : rows) items.push_back(RewardFromRow(row));
  return FinishPage<Reward>(std::move(items), page, [](const Reward& r) { return r.id; });
}

core::Result<Reward> TimeBank::CreateReward(const Caller& caller, const NewReward& in) {
  CG_TRY(RequireStaff(caller));
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(in.name, "name", options_.max_name_chars));
  CG_ASSIGN_OR_RETURN(std::string description, CleanText(in.description, "description",
                                                         options_.max_description_chars, false));
  if (in.cost < 1 || in.cost > options_.max_cost) {
    return core::Error::Invalid("cost", fmt::format("所需积分应为 1–{}", options_.max_cost));
  }
  if (in.stock < 0 || in.stock > options_.max_stock) {
    return core::Error::Invalid("stock", fmt::format("库存应为 0–{}", options_.max_stock));
  }
  if (in.currency == Currency::kServiceMinutes) {
    return core::Error::Invalid("currency", "服务时长不能直接兑换，请用积分");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, in.node_id));
  if (kind.empty()) return core::Error::Invalid("node_id", "社区不存在或不在管辖范围内");
  if (kind != "community") return core::Error::Invalid("node_id", "兑换物品应属于一个社区");
  CG_ASSIGN_OR_RETURN(auto path,
                      conn->QueryOne("SELECT path FROM org_node WHERE id = $1", {in.node_id}));
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO tb_reward (node_id, path, name, description, currency, cost, "
                     "stock, active, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                     "$6, $7, 1, 1, $8, $8) RETURNING id",
                     {in.node_id, path.Text(0), name, description, CurrencyName(in.currency),
                      in.cost, in.stock, now}));
  CG_TRY(audit_.Append(*conn, caller, "timebank.reward.create", "tb_reward", id, name));
  CG_ASSIGN_OR_RETURN(Reward reward, LoadReward(*conn, caller, id));
  CG_TRY(tx.Commit());
  return reward;
}

core::Result<Reward> TimeBank::UpdateReward(const Caller& caller, int64_t id,
                                            const RewardPatch& patch) {
  CG_TRY(RequireStaff(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Reward r, LoadReward(*conn, caller, id));
  if (patch.expected_version && *patch.expected_version != r.version) {
    return core::Error::Conflict("兑换物品已被修改，请刷新", "version");
  }
  if (patch.name) {
    CG_ASSIGN_OR_RETURN(r.name, CleanName(*patch.name, "name", options_.max_name_chars));
  }
  if (patch.description) {
    CG_ASSIGN_OR_RETURN(r.description, CleanText(*patch.description, "description",
                                                 options_.max_description_chars, false));
  }
  if (patch.cost) {
    if (*patch.cost < 1 || *patch.cost > options_.max_cost) {
      return core::Error::Invalid("cost", fmt::format("所需积分应为 1–{}", options_.max_cost));
    }
    r.cost = *patch.cost;
  }
  if (patch.stock) {
    if (*patch.stock < 0 || *patch.stock > options_.max_stock) {
      return core::Error::Invalid("stock", fmt::format("库存应为 0–{}", options_.max_stock));
    }
    r.stock = *patch.stock;
  }
  if (patch.active) r.active = *patch.active;
  CG_ASSIGN_OR_RETURN(
      int64_t n, conn->Execute("UPDATE tb_reward SET name = $1, description = $2, cost = $3, stock "
                               "= $4, active = $5, version = version + 1, updated_at = $6 WHERE id "
                               "= $7 AND version = $8",
                               {r.name, r.description, r.cost, r.stock, r.active ? 1 : 0,
                                clock_.NowMs(), id, r.version}));
  if (n == 0) return core::Error::Conflict("兑换物品已被修改，请刷新", "version");
  CG_TRY(audit_.Append(*conn, caller, "timebank.reward.update", "tb_reward", id,
                       fmt::format("stock={} cost={} active={}", r.stock, r.cost, r.active)));
  CG_ASSIGN_OR_RETURN(Reward after, LoadReward(*conn, caller, id));
  CG_TRY(tx.Commit());
  return after;
}

core::Result<Redemption> TimeBank::LoadRedemption(store::Connection& conn, const Caller& caller,
                                                  int64_t id) {
  CG_ASSIGN_OR_RETURN(auto rows,
                      conn.Query(std::string(kRedemptionSelect) + "WHERE d.id = $1", {id}));
  if (rows.empty()) return core::Error::NotFound("兑换记录不存在");
  const store::Row& row = rows[0];
  bool visible = IsTimeBankStaff(caller.role) && caller.InScope(row.Text("path"));
  if (!visible) {
    auto own = OwnHolderOf(caller);
    visible = own.ok() && HolderKindName(own->first) == row.Text("holder_kind") &&
              own->second == row.Int("holder_id");
  }
  if (!visible) return core::Error::NotFound("兑换记录不存在");
  return RedemptionFromRow(row);
}

core::Result<Redemption> TimeBank::Redeem(const Caller& caller, const RedeemRequest& req) {
  if (req.quantity < 1 || req.quantity > options_.max_quantity) {
    return core::Error::Invalid("quantity",
                                fmt::format("兑换数量应为 1–{}", options_.max_quantity));
  }
  if (req.idempotency_key.size() > 100) {
    return core::Error::Invalid("idempotency_key", "幂等键过长");
  }
  bool for_other = req.holder_kind.has_value() || req.holder_id.has_value();
  std::pair<HolderKind, int64_t> who;
  if (for_other) {
    CG_TRY(RequireStaff(caller));  // counter staff redeem for a person in scope
    if (!req.holder_kind || !req.holder_id) {
      return core::Error::Invalid(req.holder_kind ? "holder_id" : "holder_kind", "应同时给出");
    }
    if (*req.holder_kind != HolderKind::kMember && *req.holder_kind != HolderKind::kResident) {
      return core::Error::Invalid("holder_kind", "只有个人账户可以兑换");
    }
    who = {*req.holder_kind, *req.holder_id};
  } else {
    CG_ASSIGN_OR_RETURN(who, OwnHolderOf(caller));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(tb::Holder holder, tb::ResolveHolder(*conn, who.first, who.second));
  if (for_other && !caller.InScope(holder.path)) return core::Error::NotFound("账户持有人不存在");
  std::string key = req.idempotency_key.empty()
                        ? std::string()
                        : fmt::format("redeem:{}:{}", caller.account_id, req.idempotency_key);
  if (!key.empty()) {
    CG_ASSIGN_OR_RETURN(auto prior, tb::PostingByKey(*conn, key));
    if (prior) {
      CG_ASSIGN_OR_RETURN(
          auto rows,
          conn->Query(std::string(kRedemptionSelect) + "WHERE d.posting_id = $1", {*prior}));
      if (rows.empty()) return core::Error::Conflict("幂等键已用于另一笔记账", "idempotency_key");
      return RedemptionFromRow(rows[0]);
    }
  }
  CG_ASSIGN_OR_RETURN(
      auto reward_rows,
      conn->Query(fmt::format("SELECT {} FROM tb_reward r WHERE r.id = $1", kRewardColumns),
                  {req.reward_id}));
  if (reward_rows.empty()) return core::Error::NotFound("兑换物品不存在");
  Reward reward = RewardFromRow(reward_rows[0]);
  if (!IsPrefix(reward.path, holder.path) || (for_other && !caller.InScope(reward.path))) {
    return core::Error::NotFound("兑换物品不存在");
  }
  if (!reward.active) return core::Error::Conflict("该物品已下架", "reward_id");
  Currency currency = reward.currency;
  if ((who.first == HolderKind::kResident) != (currency == Currency::kCivilityPoints)) {
    return core::Error::Invalid("reward_id", "该物品不能用此账户的积分兑换");
  }
  int64_t now = clock_.NowMs();
  int64_t amount = reward.cost * req.quantity;
  // The stock first (the reward row's lock), then the accounts in id order.
  CG_ASSIGN_OR_RETURN(
      int64_t taken,
      conn->Execute("UPDATE tb_reward SET stock = stock - $1, version = version + 1, updated_at = "
                    "$2 WHERE id = $3 AND stock >= $1 AND active = 1",
                    {req.quantity, now, reward.id}));
  if (taken == 0) return core::Error::Conflict("库存不足", "stock");
  CG_ASSIGN_OR_RETURN(TbAccount account, tb::EnsureAccount(*conn, holder, currency, now));
  tb::Holder pool;
  pool.kind = HolderKind::kCommunity;
  pool.id = reward.node_id;
  CG_ASSIGN_OR_RETURN(auto node,
                      conn->QueryOne("SELECT name FROM org_node WHERE id = $1", {reward.node_id}));
  pool.name = node.Text(0);
  pool.node_id = reward.node_id;
  pool.path = reward.path;
  pool.community_id = reward.node_id;
  CG_ASSIGN_OR_RETURN(TbAccount pool_account, tb::EnsureAccount(*conn, pool, currency, now));
  if (account.balance < amount) {  // a clear answer before the guarded update
    return core::Error::Invalid("quantity",
                                fmt::format("积分不足：余额 {}，需要 {}", account.balance, amount));
  }
  NewPosting p;
  p.kind = PostingKind::kRedemption;
  // Without a client key every call is its own posting.
  p.idempotency_key = key.empty() ? "redeem:" + core::RandomToken(16) : key;
  p.memo = fmt::format("兑换 {} × {}", reward.name, req.quantity);
  p.actor_account_id = caller.account_id;
  p.ref_type = "reward";
  p.ref_id = reward.id;
  p.legs = {{account.id, -amount}, {pool_account.id, amount}};
  auto posted = tb::Post(*conn, p, now);
  if (!posted.ok() && posted.error().field == "balance") {
    return core::Error::Invalid("quantity", "积分不足");
  }
  CG_TRY(posted);
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO tb_redemption (reward_id, account_id, path, quantity, amount, "
                     "state, posting_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, "
                     "'pending', $6, $7, $8) RETURNING id",
                     {reward.id, account.id, holder.path, req.quantity, amount, posted->posting_id,
                      caller.account_id, now}));
  CG_ASSIGN_OR_RETURN(Redemption out, LoadRedemption(*conn, caller, id));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<Redemption> TimeBank::HandOver(const Caller& caller, int64_t redemption_id) {
  CG_TRY(RequireStaff(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Redemption d, LoadRedemption(*conn, caller, redemption_id));
  if (d.state == RedemptionState::kHandedOver) return d;  // a repeated confirmation
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn->Execute("UPDATE tb_redemption SET state = 'handed_over', "
                                    "handed_over_by = $1, handed_over_at = $2 WHERE id = $3 AND "
                                    "state = 'pending'",
                                    {caller.account_id, clock_.NowMs(), redemption_id}));
  if (n == 0) return core::Error::Conflict("兑换已取消，不能领取", "state");
  CG_TRY(audit_.Append(*conn, caller, "timebank.redemption.hand_over", "tb_redemption",
                       redemption_id, d.reward_name));
  CG_ASSIGN_OR_RETURN(Redemption out, LoadRedemption(*conn, caller, redemption_id));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<Redemption> TimeBank::Cancel(const Caller& caller, int64_t redemption_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Redemption d, LoadRedemption(*conn, caller, redemption_id));
  if (d.state == RedemptionState::kCancelled) return d;
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("UPDATE tb_redemption SET state = 'cancelled', "
                                               "cancelled_at = $1 WHERE id = $2 AND state = "
                                               "'pending'",
                                               {now, redemption_id}));
  if (n == 0) return core::Error::Conflict("已领取的兑换不能取消", "state");
  CG_TRY(
      conn->Execute("UPDATE tb_reward SET stock = stock + $1, version = version + 1, "
                    "updated_at = $2 WHERE id = $3",
                    {d.quantity, now, d.reward_id}));
  CG_ASSIGN_OR_RETURN(auto legs, tb::PostingLegs(*conn, d.posting_id));
  NewPosting p;
  p.kind = PostingKind::kReversal;
  p.idempotency_key = fmt::format("reverse:{}", d.posting_id);
  p.memo = fmt::format("取消兑换 {}", d.reward_name);
  p.reverses_id = d.posting_id;
  p.actor_account_id = caller.account_id;
  p.ref_type = "redemption";
  p.ref_id = redemption_id;
  for (const Leg& leg : legs) p.legs.push_back({leg.account_id, -leg.amount});
  CG_ASSIGN_OR_RETURN(Posted posted, tb::Post(*conn, p, now));
  CG_TRY(conn->Execute("UPDATE tb_redemption SET reversal_posting_id = $1 WHERE id = $2",
                       {posted.posting_id, redemption_id}));
  CG_TRY(audit_.Append(*conn, caller, "timebank.redemption.cancel", "tb_redemption", redemption_id,
                       d.reward_name));
  CG_ASSIGN_OR_RETURN(Redemption out, LoadRedemption(*conn, caller, redemption_id));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<PageOf<Redemption>> TimeBank::Redemptions(const Caller& caller,
                                                       std::optional<RedemptionState> state,
                                                       const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions w;
  if (IsTimeBankStaff(caller.role)) {
    PathRange range = caller.Scope();
    w.And("d.path >= " + w.Bind(range.lo));
    w.And("d.path < " + w.Bind(range.hi));
  } else {
    // A person redeems from the one account of their spending currency: walk its redemptions
    // along tb_redemption_account (account_id, id).
    CG_ASSIGN_OR_RETURN(auto own, OwnHolderOf(caller));
    Currency spending =
        own.first == HolderKind::kResident ? Currency::kCivilityPoints : Currency::kMemberPoints;
    CG_ASSIGN_OR_RETURN(auto account, tb::FindAccount(*conn, own.first, own.second, spending));
    if (!account) return PageOf<Redemption>{};
    w.And("d.account_id = " + w.Bind(account->id));
  }
  if (state) w.And("d.state = " + w.Bind(RedemptionStateName(*state)));
  w.And("d.id > " + w.Bind(page.after));
  std::string sql = std::string(kRedemptionSelect) + "WHERE " + w.Sql() + " ORDER BY d.id LIMIT ";
  store::Params params = w.params();
  sql += "$" + std::to_string(params.size() + 1);
  params.emplace_back(page.limit);
  CG_ASSIGN_OR_RETURN(auto rows, conn->Query(sql, params));
  std::vector<Redemption> items;
  for (const auto& row : rows) items.push_back(RedemptionFromRow(row));
  return FinishPage<Redemption>(std::move(items), page, [](const Redemption& d) { return d.id; });
}

core::Result<std::vector<RankingRow>> TimeBank::Rankings(const Caller& caller,
                                                         const RankingQuery& q) {
  CG_TRY(RequireStaff(caller));
  if (q.year < 2000 || q.year > 2100) return core::Error::Invalid("year", "年份应为 2000–2100");
  if (q.limit < 1 || q.limit > 1000) return core::Error::Invalid("limit", "条数应为 1–1000");
  if (q.group != "person" && q.group != "team" && q.group != "community" && q.group != "unit") {
    return core::Error::Invalid("group", "应为 person、team、community 或 unit");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, q.node_id));
  std::string from = fmt::format("{}-01-01", q.year);
  std::string to = fmt::format("{}-01-01", q.year + 1);
  // Earned: credits, less reversals of credits (a cancelled redemption's
  // reversal gives points back and is no earning).
  std::string earned =
      "SUM(CASE WHEN e.kind IN ('hours', 'ticket', 'award') THEN e.amount WHEN e.kind = "
      "'reversal' AND e.amount < 0 THEN e.amount ELSE 0 END)";
  std::string kinds =
      q.group == "team" ? "a.holder_kind = 'team'" : "a.holder_kind IN ('member', 'resident')";
  std::string sql;
  if (q.group == "community") {
    sql = fmt::format(
        "SELECT 'community' AS holder_kind, a.community_id AS holder_id, n.name AS name, {} AS "
        "earned FROM tb_entry e JOIN tb_account a ON a.id = e.account_id JOIN org_node n ON n.id = "
        "a.community_id WHERE a.path >= $1 AND a.path < $2 AND a.currency = $3 AND {} AND e.day "
        ">= $4 AND e.day < $5 GROUP BY a.community_id, n.name ORDER BY earned DESC, holder_id "
        "LIMIT $6",
        earned, kinds);
  } else if (q.group == "unit") {  // members' earnings by the unit they work in (在职党员)
    sql = fmt::format(
        "SELECT 'unit' AS holder_kind, u.id AS holder_id, u.name AS name, {} AS earned FROM "
        "tb_entry "
        "e JOIN tb_account a ON a.id = e.account_id JOIN party_member pm ON a.holder_kind = "
        "'member' AND pm.id = a.holder_id JOIN unit u ON u.id = pm.unit_id WHERE a.path >= $1 AND "
        "a.path < $2 AND a.currency = $3 AND e.day >= $4 AND e.day < $5 GROUP BY u.id, u.name "
        "ORDER BY earned DESC, holder_id LIMIT $6",
        earned);
  } else {
    sql = fmt::format(
        "SELECT a.holder_kind, a.holder_id, a.name, {} AS earned FROM tb_entry e JOIN tb_account "
        "a ON a.id = e.account_id WHERE a.path >= $1 AND a.path < $2 AND a.currency = $3 AND {} "
        "AND e.day >= $4 AND e.day < $5 GROUP BY a.holder_kind, a.holder_id, a.name ORDER BY "
        "earned DESC, a.holder_id LIMIT $6",
        earned, kinds);
  }
  CG_ASSIGN_OR_RETURN(auto rows, conn->Query(sql, {range.lo, range.hi, CurrencyName(q.currency),
                                                   from, to, q.limit}));
  std::vector<RankingRow> out;
  for (const auto& row : rows) {
    RankingRow r;
    r.rank = static_cast<int64_t>(out.size()) + 1;
    r.holder_kind = row.Text("holder_kind");
    r.holder_id = row.Int("holder_id");
    r.name = row.Text("name");
    r.earned = row.Int("earned");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace civicgrid::domain
