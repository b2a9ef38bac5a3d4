// The communities' funds: the seed's yearly norms as defaults, spending against a
// category, balance never below zero (also under concurrent spendings), entries
// immutable and reversed once, fields named, scope — on both backends.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "domain/coverage/coverage_service.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

class FundsTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    funds_ = std::make_unique<FundLedger>(test_db_->db(), clock_, *audit_);
    // 1,790,000,000,000 ms is 2026-09-21 (UTC and Shanghai).
  }

  Caller Secretary(const OrgNode& c) const { return As(Role::kCommunitySecretary, c); }

  core::Result<FundEntry> Spend(const Caller& who, const OrgNode& c, int64_t fen,
                                const std::string& key = "", const std::string& fund = "work") {
    NewSpending s;
    s.community_id = c.id;
    s.fund = fund;
    s.year = 2026;
    s.amount_fen = fen;
    s.category = "activities";
    s.memo = "重阳节敬老活动";
    s.idempotency_key = key;
    return funds_->Spend(who, s);
  }

  int64_t Balance(const OrgNode& c, const std::string& fund = "work") {
    auto st = funds_->Statement(Admin(), c.id, fund, 2026, Page{});
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->account.balance_fen : -1;
  }

  int64_t Count(const std::string& sql) {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt(sql).value();
  }

  std::unique_ptr<FundLedger> funds_;
};

TEST_P(FundsTest, YearlyNormsAreTheDefaultsAndAllocateOnce) {
  auto first = funds_->AllocateDefaults(Admin(), std::nullopt, 2026);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->created, 4);
  auto again = funds_->AllocateDefaults(Admin(), std::nullopt, 2026);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->existing, 4);
  auto accounts = funds_->Accounts(Admin(), std::nullopt, 2026);
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 4u);
  EXPECT_EQ((*accounts)[0].community_id, tree_.community_a.id);
  EXPECT_EQ((*accounts)[0].fund, Fund::kWork);
  EXPECT_EQ((*accounts)[0].allocated_fen, 100'000'00);
  EXPECT_EQ((*accounts)[1].fund, Fund::kService);
  EXPECT_EQ((*accounts)[1].balance_fen, 200'000'00);
  // Another year has nothing yet, but shows the norm.
  auto next = funds_->Accounts(Admin(), std::nullopt, 2027);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0].id, 0);
  EXPECT_EQ((*next)[0].norm_fen, 100'000'00);
  // An allocation without an amount is the fund's norm.
  NewAllocation a{tree_.community_b.id, "service", 2027, std::nullopt, "追加", ""};
  auto extra = funds_->Allocate(As(Role::kStreetAdmin, tree_.street), a);
  ASSERT_TRUE(extra.ok()) << extra.error().message;
  EXPECT_EQ(extra->amount_fen, 200'000'00);
}

TEST_P(FundsTest, SpendingMovesTheBalanceAndNeverBelowZero) {
  ASSERT_TRUE(funds_->AllocateDefaults(Admin(), std::nullopt, 2026).ok());
  auto spent = Spend(Secretary(tree_.community_a), tree_.community_a, 30'000'00);
  ASSERT_TRUE(spent.ok()) << spent.error().message;
  EXPECT_EQ(spent->amount_fen, -30'000'00);
  EXPECT_EQ(spent->balance_after_fen, 70'000'00);
  EXPECT_EQ(spent->category, "activities");
  EXPECT_EQ(spent->spent_on, "2026-09-21");
  EXPECT_EQ(Balance(tree_.community_a), 70'000'00);

  const int64_t entries = Count("SELECT COUNT(*) FROM fund_entry");
  auto short_of = Spend(Secretary(tree_.community_a), tree_.community_a, 70'000'01);
  ASSERT_FALSE(short_of.ok());
  EXPECT_EQ(short_of.error().field, "amount_fen");
  EXPECT_EQ(Balance(tree_.community_a), 70'000'00);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM fund_entry"), entries);

  auto st =
      funds_->Statement(Secretary(tree_.community_a), tree_.community_a.id, "work", 2026, Page{});
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->account.allocated_fen, 100'000'00);
  EXPECT_EQ(st->account.spent_fen, 30'000'00);
  ASSERT_EQ(st->entries.size(), 2u);
  EXPECT_EQ(st->entries[0].kind, FundEntryKind::kSpending);  // newest first
  EXPECT_EQ(st->entries[1].kind, FundEntryKind::kAllocation);
}

TEST_P(FundsTest, BadInputNamesTheFieldAndChangesNothing) {
  ASSERT_TRUE(funds_->AllocateDefaults(Admin(), std::nullopt, 2026).ok());
  Caller sec = Secretary(tree_.community_a);
  const int64_t entries = Count("SELECT COUNT(*) FROM fund_entry");
  NewSpending s{tree_.community_a.id, "work", 2026, 100, "activities", "茶歇", std::nullopt, ""};
  auto with = [&](auto change) {
    NewSpending copy = s;
    change(copy);
    auto r = funds_->Spend(sec, copy);
    return r.ok() ? std::string("ok") : r.error().field;
  };
  EXPECT_EQ(with([](NewSpending& x) { x.fund = "party"; }), "fund");
  EXPECT_EQ(with([](NewSpending& x) { x.year = 1999; }), "year");
  EXPECT_EQ(with([](NewSpending& x) { x.amount_fen = 0; }), "amount_fen");
  EXPECT_EQ(with([](NewSpending& x) { x.amount_fen = -5; }), "amount_fen");
  EXPECT_EQ(with([](NewSpending& x) { x.category = "banquet"; }), "category");
  EXPECT_EQ(with([](NewSpending& x) { x.memo = " "; }), "memo");
  EXPECT_EQ(with([](NewSpending& x) { x.spent_on = "2026-13-01"; }), "spent_on");
  EXPECT_EQ(with([](NewSpending& x) { x.spent_on = "2026-12-01"; }), "spent_on");  // future
  EXPECT_EQ(with([](NewSpending& x) { x.spent_on = "2025-12-01"; }), "spent_on");  // other year
  EXPECT_EQ(with([&](NewSpending& x) { x.community_id = tree_.grid_a1.id; }), "community_id");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM fund_entry"), entries);
}

TEST_P(FundsTest, ScopeAndRoles) {
  ASSERT_TRUE(funds_->AllocateDefaults(Admin(), std::nullopt, 2026).ok());
  Caller sec_a = Secretary(tree_.community_a);
  EXPECT_EQ(Spend(sec_a, tree_.community_b, 100).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(funds_->Statement(sec_a, tree_.community_b.id, "work", 2026, Page{}).error().code,
            core::ErrorCode::kNotFound);
  auto mine = funds_->Accounts(sec_a, std::nullopt, 2026);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].community_id, tree_.community_a.id);
  EXPECT_EQ(funds_->Accounts(sec_a, tree_.community_b.id, 2026).error().code,
            core::ErrorCode::kNotFound);
  NewAllocation a{tree_.community_a.id, "work", 2026, 100, "", ""};
  EXPECT_EQ(funds_->Allocate(sec_a, a).error().code, core::ErrorCode::kForbidden);
  EXPECT_EQ(
      Spend(As(Role::kCommunityWorker, tree_.community_a), tree_.community_a, 100).error().code,
      core::ErrorCode::kForbidden);
  EXPECT_TRUE(
      funds_->Accounts(As(Role::kCommunityWorker, tree_.community_a), std::nullopt, 2026).ok());
  EXPECT_EQ(funds_->Accounts(As(Role::kGridWorker, tree_.grid_a1), std::nullopt, 2026).error().code,
            core::ErrorCode::kForbidden);
  // The street admin spends in any of its communities.
  EXPECT_TRUE(Spend(As(Role::kStreetAdmin, tree_.street), tree_.community_b, 100).ok());
}

TEST_P(FundsTest, EntriesAreImmutableAndReversedOnce) {
  ASSERT_TRUE(funds_->AllocateDefaults(Admin(), std::nullopt, 2026).ok());
  Caller sec = Secretary(tree_.community_a);
  auto spent = Spend(sec, tree_.community_a, 5'000'00);
  ASSERT_TRUE(spent.ok());
  {
    auto conn = test_db_->db().Acquire();
    EXPECT_FALSE(
        (*conn)->Execute("UPDATE fund_entry SET amount = 1 WHERE id = $1", {spent->id}).ok());
    EXPECT_FALSE((*conn)->Execute("DELETE FROM fund_entry WHERE id = $1", {spent->id}).ok());
    EXPECT_FALSE(
        (*conn)->Execute("UPDATE fund_account SET balance = -1, spent = allocated + 1").ok());
  }
  auto reversed = funds_->Reverse(sec, spent->id, "录入错误");
  ASSERT_TRUE(reversed.ok()) << reversed.error().message;
  EXPECT_EQ(reversed->amount_fen, 5'000'00);
  EXPECT_EQ(reversed->reverses_id, spent->id);
  EXPECT_EQ(Balance(tree_.community_a), 100'000'00);
  auto again = funds_->Reverse(sec, spent->id, "再次");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, reversed->id);
  EXPECT_EQ(Balance(tree_.community_a), 100'000'00);
  EXPECT_EQ(funds_->Reverse(sec, reversed->id, "冲正冲正").error().field, "entry_id");
  auto st = funds_->Statement(sec, tree_.community_a.id, "work", 2026, Page{});
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->account.spent_fen, 0);
  ASSERT_EQ(st->entries.size(), 3u);
  EXPECT_EQ(st->entries[1].reversed_by_id, reversed->id);

  // An allocation: only admins reverse it, and not when the spending left too little.
  auto alloc_id = st->entries[2].id;
  EXPECT_EQ(funds_->Reverse(sec, alloc_id, "撤回").error().code, core::ErrorCode::kForbidden);
  ASSERT_TRUE(Spend(sec, tree_.community_a, 1).ok());
  EXPECT_EQ(funds_->Reverse(Admin(), alloc_id, "撤回").error().field, "entry_id");
  EXPECT_EQ(funds_->Reverse(Secretary(tree_.community_b), spent->id, "x").error().code,
            core::ErrorCode::kNotFound);
}

TEST_P(FundsTest, IdempotentKeys) {
  ASSERT_TRUE(funds_->AllocateDefaults(Admin(), std::nullopt, 2026).ok());
  Caller sec = Secretary(tree_.community_a);
  auto first = Spend(sec, tree_.community_a, 800, "k-1");
  auto retry = Spend(sec, tree_.community_a, 800, "k-1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(first->id, retry->id);
  EXPECT_EQ(Balance(tree_.community_a), 100'000'00 - 800);
  EXPECT_EQ(Spend(sec, tree_.community_a, 900, "k-1").error().field, "idempotency_key");
}

TEST_P(FundsTest, ConcurrentSpendingsNeverOverdraw) {
  NewAllocation a{tree_.community_a.id, "work", 2026, 1'000, "", ""};
  ASSERT_TRUE(funds_->Allocate(Admin(), a).ok());
  constexpr int kThreads = 16;  // 16 × 100 fen against 1,000: exactly 10 pass
  std::latch go(kThreads);
  std::atomic<int> ok{0}, short_of{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      go.arrive_and_wait();
      auto r = Spend(Secretary(tree_.community_a), tree_.community_a, 100);
      if (r.ok()) {
        ++ok;
      } else if (r.error().field == "amount_fen") {
        ++short_of;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(short_of.load(), kThreads - 10);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Balance(tree_.community_a), 0);
  EXPECT_EQ(Count("SELECT COALESCE(SUM(amount), 0) FROM fund_entry"), 0);
  EXPECT_EQ(Count("SELECT MIN(balance_after) FROM fund_entry"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, FundsTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
