#include "domain/timebank/timebank_verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace civicgrid::domain {
namespace {

constexpr size_t kShown = 5;

// Runs `sql` (rows: one violation each, first column an id, the rest detail)
// and records them under `check`.
core::Status Collect(store::Connection& conn, LedgerCheck& check, const std::string& sql,
                     const std::string& what) {
  CG_ASSIGN_OR_RETURN(auto rows, conn.Query(sql));
  check.violation_count += static_cast<int64_t>(rows.size());
  for (const auto& row : rows) {
    if (check.violations.size() >= kShown) break;
    std::string detail;
    for (size_t i = 0; i < row.size(); ++i) detail += (i ? " " : "") + row.at(i).ToString();
    check.violations.push_back(what + " " + detail);
  }
  return core::Ok();
}

core::Result<int64_t> Count(store::Connection& conn, const std::string& table) {
  return conn.QueryInt("SELECT COUNT(*) FROM " + table);
}

core::Result<LedgerCheck> Balanced(store::Connection& conn) {
  LedgerCheck c;
  c.name = "每笔记账分录按币种合计为 0，币种与账户一致";
  CG_ASSIGN_OR_RETURN(c.checked, Count(conn, "tb_posting"));
  CG_TRY(Collect(conn, c,
                 "SELECT posting_id, currency, SUM(amount) FROM tb_entry GROUP BY posting_id, "
                 "currency HAVING SUM(amount) <> 0 ORDER BY posting_id",
                 "posting unbalanced:"));
  CG_TRY(Collect(conn, c,
                 "SELECT e.id, e.currency, a.currency FROM tb_entry e JOIN tb_account a ON a.id = "
                 "e.account_id WHERE e.currency <> a.currency ORDER BY e.id",
                 "entry in the wrong currency:"));
  CG_TRY(Collect(conn, c,
                 "SELECT e.id, e.posting_id FROM tb_entry e LEFT JOIN tb_posting p ON p.id = "
                 "e.posting_id WHERE p.id IS NULL ORDER BY e.id",
                 "entry without its posting:"));
  return c;
}

core::Result<LedgerCheck> RunningBalances(store::Connection& conn) {
  LedgerCheck c;
  c.name = "分录余额为账户逐笔累计（分录未被改动或删除）";
  CG_ASSIGN_OR_RETURN(c.checked, Count(conn, "tb_entry"));
  CG_TRY(Collect(conn, c,
                 "SELECT id, account_id, balance_after, running FROM (SELECT id, account_id, "
                 "balance_after, SUM(amount) OVER (PARTITION BY account_id ORDER BY id ROWS "
                 "BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM tb_entry) x WHERE "
                 "balance_after <> running ORDER BY id",
                 "entry balance_after differs from the running sum:"));
  return c;
}

// Each posting's entries against the digest written with it (kind, reversal,
// legs by account), in batches of postings.
core::Result<LedgerCheck> Digests(store::Connection& conn) {
  LedgerCheck c;
  c.name = "分录与记账时的摘要一致";
  int64_t after = 0;
  constexpr int64_t kBatch = 2000;
  for (;;) {
    CG_ASSIGN_OR_RETURN(auto postings, conn.Query("SELECT id, kind, reverses_id, digest FROM "
                                                  "tb_posting WHERE id > $1 ORDER BY id LIMIT $2",
                                                  {after, kBatch}));
    if (postings.empty()) break;
    int64_t last = postings.back().Int("id");
    CG_ASSIGN_OR_RETURN(auto entries, conn.Query("SELECT posting_id, account_id, amount FROM "
                                                 "tb_entry WHERE posting_id > $1 AND posting_id <= "
                                                 "$2 ORDER BY posting_id, account_id",
                                                 {after, last}));
    std::map<int64_t, std::string> legs;
    for (const auto& e : entries) {
      legs[e.Int("posting_id")] += fmt::format("{}:{},", e.Int("account_id"), e.Int("amount"));
    }
    for (const auto& p : postings) {
      ++c.checked;
      std::string digest = fmt::format("{}|{}|{}", p.Text("kind"),
                                       p.OptInt("reverses_id").value_or(0), legs[p.Int("id")]);
      if (digest != p.Text("digest")) {
        ++c.violation_count;
        if (c.violations.size() < kShown) {
          c.violations.push_back(fmt::format("posting {}: entries {} but written as {}",
                                             p.Int("id"), digest, p.Text("digest")));
        }
      }
    }
    after = last;
  }
  return c;
}

core::Result<LedgerCheck> Balances(store::Connection& conn) {
  LedgerCheck c;
  c.name = "账户余额等于其分录之和";
  CG_ASSIGN_OR_RETURN(c.checked, Count(conn, "tb_account"));
  CG_TRY(Collect(conn, c,
                 "SELECT a.id, a.balance, COALESCE(SUM(e.amount), 0) FROM tb_account a LEFT JOIN "
                 "tb_entry e ON e.account_id = a.id GROUP BY a.id, a.balance HAVING a.balance <> "
                 "COALESCE(SUM(e.amount), 0) ORDER BY a.id",
                 "account balance differs from its entries:"));
  return c;
}

core::Result<LedgerCheck> NoNegative(store::Connection& conn) {
  LedgerCheck c;
  c.name = "不可透支的账户从未为负（仅社区资金池可为负）";
  CG_ASSIGN_OR_RETURN(c.checked, Count(conn, "tb_account"));
  CG_TRY(Collect(conn, c,
                 "SELECT id, holder_kind, allow_negative FROM tb_account WHERE allow_negative <> 0 "
                 "AND holder_kind <> 'community' ORDER BY id",
                 "a person's account allowed to go negative:"));
  CG_TRY(Collect(conn, c,
                 "SELECT a.id, MIN(e.balance_after) FROM tb_account a JOIN tb_entry e ON "
                 "e.account_id = a.id WHERE a.allow_negative = 0 GROUP BY a.id HAVING "
                 "MIN(e.balance_after) < 0 OR MIN(a.balance) < 0 ORDER BY a.id",
                 "account below zero:"));
  return c;
}

core::Result<LedgerCheck> Reversals(store::Connection& conn) {
  LedgerCheck c;
  c.name = "冲正指向真实记账、仅一次、金额正好相反";
  CG_ASSIGN_OR_RETURN(
      c.checked, conn.QueryInt("SELECT COUNT(*) FROM tb_posting WHERE reverses_id IS NOT NULL"));
  CG_TRY(Collect(conn, c,
                 "SELECT r.id, r.reverses_id FROM tb_posting r LEFT JOIN tb_posting o ON o.id = "
                 "r.reverses_id WHERE r.reverses_id IS NOT NULL AND (o.id IS NULL OR o.kind = "
                 "'reversal' OR r.kind <> 'reversal') ORDER BY r.id",
                 "reversal of no real posting:"));
  CG_TRY(Collect(conn, c,
                 "SELECT id FROM tb_posting WHERE kind = 'reversal' AND reverses_id IS NULL ORDER "
                 "BY id",
                 "reversal pointing nowhere:"));
  CG_TRY(Collect(conn, c,
                 "SELECT reverses_id, COUNT(*) FROM tb_posting WHERE reverses_id IS NOT NULL GROUP "
                 "BY reverses_id HAVING COUNT(*) > 1 ORDER BY reverses_id",
                 "posting reversed more than once:"));
  // Per (reversal, account): the reversal's amount plus the original's must be 0.
  CG_TRY(Collect(conn, c,
                 "SELECT r.id, x.account_id, SUM(x.amount) FROM tb_posting r JOIN tb_entry x ON "
                 "x.posting_id = r.id OR x.posting_id = r.reverses_id WHERE r.reverses_id IS NOT "
                 "NULL GROUP BY r.id, x.account_id HAVING SUM(x.amount) <> 0 ORDER BY r.id",
                 "reversal does not negate its posting:"));
  return c;
}

core::Result<LedgerCheck> Redemptions(store::Connection& conn) {
  LedgerCheck c;
  c.name = "兑换记录与记账、库存一致";
  CG_ASSIGN_OR_RETURN(c.checked, Count(conn, "tb_redemption"));
  CG_TRY(Collect(conn, c,
                 "SELECT d.id, p.kind FROM tb_redemption d LEFT JOIN tb_posting p ON p.id = "
                 "d.posting_id WHERE p.id IS NULL OR p.kind <> 'redemption' ORDER BY d.id",
                 "redemption without its posting:"));
  CG_TRY(Collect(conn, c,
                 "SELECT d.id, d.state FROM tb_redemption d LEFT JOIN tb_posting r ON r.id = "
                 "d.reversal_posting_id WHERE (d.state = 'cancelled') <> (r.id IS NOT NULL) OR "
                 "(r.id IS NOT NULL AND r.reverses_id <> d.posting_id) ORDER BY d.id",
                 "cancelled redemption without its reversal (or the reverse):"));
  CG_TRY(Collect(conn, c, "SELECT id, stock FROM tb_reward WHERE stock < 0 ORDER BY id",
                 "reward stock below zero:"));
  return c;
}

core::Result<LedgerCheck> Guards(store::Connection& conn) {
  LedgerCheck c;
  c.name = "记账与分录的只追加触发器在位";
  const std::vector<std::string> names = {"tb_entry_no_update", "tb_entry_no_delete",
                                          "tb_posting_no_update", "tb_posting_no_delete"};
  std::vector<std::string> expected = names;
  if (conn.backend() == store::Backend::kPostgres) {
    expected = {"tb_entry_no_update", "tb_entry_no_truncate", "tb_posting_no_update",
                "tb_posting_no_truncate"};
  }
  for (const auto& name : expected) {
    ++c.checked;
    std::string sql =
        conn.backend() == store::Backend::kPostgres
            ? "SELECT COUNT(*) FROM pg_trigger WHERE tgname = $1 AND NOT tgisinternal"
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = $1";
    CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt(sql, {name}));
    if (n == 0) {
      ++c.violation_count;
      c.violations.push_back("trigger missing: " + name);
    }
  }
  return c;
}

}  // namespace

core::Result<LedgerVerifyReport> VerifyLedger(store::Connection& conn) {
  LedgerVerifyReport report;
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(conn, store::TxMode::kRead));
  for (auto check :
       {Guards, Balanced, RunningBalances, Digests, Balances, NoNegative, Reversals, Redemptions}) {
    CG_ASSIGN_OR_RETURN(LedgerCheck c, check(conn));
    report.checks.push_back(std::move(c));
  }
  CG_TRY(tx.Commit());
  return report;
}

}  // namespace civicgrid::domain
