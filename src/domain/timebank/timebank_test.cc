// The time bank on both backends: balanced and immutable postings, idempotent
// credits (also when retried concurrently), daily caps, reversals, rewards and
// redemptions that never drive a balance or a stock below zero under
// concurrency, scope, rankings, and `ledger verify` finding what raw SQL did.
#include "domain/timebank/timebank.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "domain/testing/domain_fixture.h"
#include "domain/timebank/timebank_verify.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using core::kMsPerDay;
using core::kMsPerHour;

class TimeBankTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    bank_ = std::make_unique<TimeBank>(test_db_->db(), clock_, *audit_, options_);
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    auto org = (*conn)->QueryInt(
        "INSERT INTO party_org (node_id, kind, name, created_at) VALUES ($1, 'branch', '支部', 0) "
        "RETURNING id",
        {tree_.community_a.id});
    ASSERT_TRUE(org.ok()) << org.error().message;
    party_org_ = *org;
  }

  // A party member living in `node` (the community they registered with).
  int64_t Member(const OrgNode& node, const std::string& name) {
    auto conn = test_db_->db().Acquire();
    EXPECT_TRUE(conn.ok());
    auto id = (*conn)->QueryInt(
        "INSERT INTO party_member (name, sex, id_number_enc, id_number_hash, id_number_masked, "
        "party_org_id, residence_node_id, created_at) VALUES ($1, 'F', $2, $3, '1310**', $4, $5, "
        "0) RETURNING id",
        {name, store::Blob{"x"}, store::Blob{"h" + name}, party_org_, node.id});
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  Caller MemberCaller(int64_t member_id, const OrgNode& node) const {
    Caller c = As(Role::kPartyMember, node);
    c.account_id = 5000 + member_id;
    c.party_member_id = member_id;
    return c;
  }

  // Credits `minutes` of approved hours in a transaction of its own.
  core::Result<CreditedHours> Credit(int64_t member, int64_t minutes, const std::string& key,
                                     int64_t served_at = 0) {
    CG_ASSIGN_OR_RETURN(auto conn, test_db_->db().Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    ApprovedHours h;
    h.holder_member_id = member;
    h.activity_id = 77;
    h.minutes = minutes;
    h.approved_by = 1;
    h.served_at = served_at != 0 ? served_at : clock_.NowMs();
    h.idempotency_key = key;
    CG_ASSIGN_OR_RETURN(CreditedHours out, bank_->CreditApprovedHours(*conn, h));
    CG_TRY(tx.Commit());
    return out;
  }

  int64_t Balance(int64_t member, Currency currency) {
    auto s = bank_->MyStatement(MemberCaller(member, tree_.community_a), currency, Page{0, 100});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? s->account.balance : -1;
  }

  void ExpectVerified() {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    auto report = VerifyLedger(**conn);
    ASSERT_TRUE(report.ok()) << report.error().message;
    for (const auto& c : report->checks) {
      EXPECT_EQ(c.violation_count, 0)
          << c.name << ": " << (c.violations.empty() ? "" : c.violations[0]);
    }
  }

  int64_t Count(const std::string& sql) {
    auto conn = test_db_->db().Acquire();
    EXPECT_TRUE(conn.ok());
    auto n = (*conn)->QueryInt(sql);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }

  Reward MakeReward(int64_t cost, int64_t stock) {
    NewReward r;
    r.node_id = tree_.community_a.id;
    r.name = "洗衣液";
    r.cost = cost;
    r.stock = stock;
    auto made = bank_->CreateReward(As(Role::kCommunitySecretary, tree_.community_a), r);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : Reward{};
  }

  TimeBankOptions options_;
  std::unique_ptr<TimeBank> bank_;
  int64_t party_org_ = 0;
};

TEST_P(TimeBankTest, PostingsAreBalancedPerCurrency) {
  int64_t m1 = Member(tree_.community_a, "甲");
  int64_t m2 = Member(tree_.community_a, "乙");
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto a1 = bank_->EnsureAccount(**conn, HolderKind::kMember, m1, Currency::kMemberPoints);
  auto a2 = bank_->EnsureAccount(**conn, HolderKind::kMember, m2, Currency::kMemberPoints);
  auto pool = bank_->EnsureAccount(**conn, HolderKind::kCommunity, tree_.community_a.id,
                                   Currency::kMemberPoints);
  auto minutes = bank_->EnsureAccount(**conn, HolderKind::kMember, m1, Currency::kServiceMinutes);
  ASSERT_TRUE(a1.ok() && a2.ok() && pool.ok() && minutes.ok());
  EXPECT_TRUE(pool->allow_negative);
  EXPECT_FALSE(a1->allow_negative);
  EXPECT_EQ(a1->community_id, tree_.community_a.id);

  NewPosting p;
  p.idempotency_key = "award-1";
  p.legs = {{a1->id, 50}, {pool->id, -40}};
  auto unbalanced = bank_->Post(**conn, p);
  ASSERT_FALSE(unbalanced.ok());
  EXPECT_EQ(unbalanced.error().field, "legs");
  p.legs = {{a1->id, 50}, {minutes->id, -50}};  // balanced in sum, not per currency
  EXPECT_EQ(bank_->Post(**conn, p).error().field, "legs");
  p.legs = {{a1->id, 50}};
  EXPECT_EQ(bank_->Post(**conn, p).error().field, "legs");
  p.legs = {{a1->id, 50}, {pool->id, -50}};
  auto posted = bank_->Post(**conn, p);
  ASSERT_TRUE(posted.ok()) << posted.error().message;
  EXPECT_FALSE(posted->replayed);
  // A person's account may not go below zero.
  NewPosting overdraw;
  overdraw.idempotency_key = "transfer-1";
  overdraw.legs = {{a1->id, -60}, {a2->id, 60}};
  {
    auto tx = store::Transaction::Begin(**conn);  // rolled back: nothing of it stays
    ASSERT_TRUE(tx.ok());
    auto refused = bank_->Post(**conn, overdraw);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().field, "balance");
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tb_entry"), 2);
  EXPECT_EQ(Balance(m1, Currency::kMemberPoints), 50);
  EXPECT_EQ(Count("SELECT SUM(amount) FROM tb_entry"), 0);
  ExpectVerified();
}

TEST_P(TimeBankTest, BatchPostsAsPostWouldAndRefusesAnOverdraw) {
  int64_t m1 = Member(tree_.community_a, "甲");
  int64_t m2 = Member(tree_.community_a, "乙");
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto a1 = bank_->EnsureAccount(**conn, HolderKind::kMember, m1, Currency::kMemberPoints);
  auto a2 = bank_->EnsureAccount(**conn, HolderKind::kMember, m2, Currency::kMemberPoints);
  auto pool = bank_->EnsureAccount(**conn, HolderKind::kCommunity, tree_.community_a.id,
                                   Currency::kMemberPoints);
  ASSERT_TRUE(a1.ok() && a2.ok() && pool.ok());
  NewPosting first;
  first.idempotency_key = "award-0";
  first.legs = {{a1->id, 5}, {pool->id, -5}};
  ASSERT_TRUE(bank_->Post(**conn, first).ok());  // a balance before the batch
  std::vector<NewPosting> batch;
  for (int i = 1; i <= 250; ++i) {  // more entries than one multi-row INSERT holds
    NewPosting p;
    p.idempotency_key = "award-" + std::to_string(i);
    p.legs = {{a1->id, i}, {pool->id, -i}};
    batch.push_back(p);
  }
  NewPosting move;
  move.idempotency_key = "transfer-1";
  move.legs = {{a1->id, -100}, {a2->id, 100}};
  batch.push_back(move);
  batch.push_back(first);  // a key used before is skipped
  {
    auto tx = store::Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    auto posted = bank_->PostBatch(**conn, batch);
    ASSERT_TRUE(posted.ok()) << posted.error().message;
    EXPECT_EQ(*posted, 251);
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(Balance(m1, Currency::kMemberPoints), 5 + 250 * 251 / 2 - 100);
  EXPECT_EQ(Balance(m2, Currency::kMemberPoints), 100);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tb_entry"), 2 + 251 * 2);
  ExpectVerified();  // balances, the running balance_after chain, digests

  // A batch that would take a person below zero is refused and, rolled back, leaves nothing.
  NewPosting overdraw;
  overdraw.idempotency_key = "transfer-2";
  overdraw.legs = {{a2->id, -101}, {a1->id, 101}};
  {
    auto tx = store::Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    auto refused = bank_->PostBatch(**conn, {overdraw});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().field, "balance");
  }
  NewPosting unbalanced;
  unbalanced.idempotency_key = "award-x";
  unbalanced.legs = {{a1->id, 3}, {pool->id, -2}};
  {
    auto tx = store::Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    EXPECT_EQ(bank_->PostBatch(**conn, {unbalanced}).error().field, "legs");
  }
  EXPECT_EQ(Balance(m2, Currency::kMemberPoints), 100);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tb_posting"), 252);
  ExpectVerified();
}

TEST_P(TimeBankTest, EntriesAreImmutableAndVerifyFindsWhatRawSqlDid) {
  int64_t m = Member(tree_.community_a, "甲");
  ASSERT_TRUE(Credit(m, 120, "a").ok());
  ASSERT_TRUE(Credit(m, 60, "b").ok());
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  EXPECT_FALSE((*conn)->Execute("UPDATE tb_entry SET amount = amount + 1").ok());
  EXPECT_FALSE((*conn)->Execute("DELETE FROM tb_entry").ok());
  EXPECT_FALSE((*conn)->Execute("UPDATE tb_posting SET memo = 'x'").ok());
  EXPECT_FALSE((*conn)->Execute("DELETE FROM tb_posting").ok());
  if (test_db_->backend() == store::Backend::kPostgres) {
    EXPECT_FALSE((*conn)->Execute("TRUNCATE tb_entry").ok());
  }
  ExpectVerified();
  // With the guard dropped, an edited amount is found (unbalanced, chain, balance, digest).
  ASSERT_TRUE((*conn)
                  ->ExecScript(test_db_->backend() == store::Backend::kPostgres
                                   ? "DROP TRIGGER tb_entry_no_update ON tb_entry"
                                   : "DROP TRIGGER tb_entry_no_update")
                  .ok());
  ASSERT_TRUE((*conn)->Execute("UPDATE tb_entry SET amount = amount + 5 WHERE id = 1").ok());
  auto report = VerifyLedger(**conn);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  int64_t failing = 0;
  for (const auto& c : report->checks) failing += c.violation_count > 0 ? 1 : 0;
  EXPECT_GE(failing, 4);  // guards, balanced, running balance, digest, balances
}

TEST_P(TimeBankTest, ApprovedHoursCreditOnceAndRespectTheDailyCap) {
  int64_t m = Member(tree_.community_a, "甲");
  auto first = Credit(m, 120, "approval-1");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->minutes, 120);
  EXPECT_EQ(first->points, 20);  // 10 per hour
  EXPECT_FALSE(first->replayed);
  auto again = Credit(m, 120, "approval-1");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->posting_id, first->posting_id);
  EXPECT_EQ(again->minutes, 120);
  EXPECT_EQ(Balance(m, Currency::kServiceMinutes), 120);
  EXPECT_EQ(Balance(m, Currency::kMemberPoints), 20);
  // The cap: 480 minutes a day; 120 + 400 gives 360 more.
  auto capped = Credit(m, 400, "approval-2");
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->minutes, 360);
  EXPECT_TRUE(capped->capped);
  auto full = Credit(m, 60, "approval-3");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->minutes, 0);
  EXPECT_TRUE(full->capped);
  // The next day starts afresh.
  auto tomorrow = Credit(m, 60, "approval-4", clock_.NowMs() + kMsPerDay);
  ASSERT_TRUE(tomorrow.ok());
  EXPECT_EQ(tomorrow->minutes, 60);
  EXPECT_EQ(Balance(m, Currency::kServiceMinutes), 540);
  // Bad input names the field and changes nothing.
  int64_t postings = Count("SELECT COUNT(*) FROM tb_posting");
  EXPECT_EQ(Credit(m, 0, "bad").error().field, "minutes");
  EXPECT_EQ(Credit(m, 1441, "bad").error().field, "minutes");
  EXPECT_EQ(Credit(m, 10, "").error().field, "idempotency_key");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tb_posting"), postings);
  ExpectVerified();
}

TEST_P(TimeBankTest, ConcurrentRetriesOfOneApprovalPayOnce) {
  int64_t m = Member(tree_.community_a, "甲");
  constexpr int kThreads = 12;
  for (int round = 0; round < 5; ++round) {
    std::latch go(kThreads);
    std::atomic<int> paid{0}, replayed{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, round] {
        go.arrive_and_wait();
        auto r = Credit(m, 30, "retry-" + std::to_string(round));
        if (!r.ok()) {
          ++failed;
        } else {
          ++(r->replayed ? replayed : paid);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(paid.load(), 1) << "round " << round;
    EXPECT_EQ(replayed.load() + failed.load(), kThreads - 1);
    EXPECT_EQ(failed.load(), 0);
  }
  EXPECT_EQ(Balance(m, Currency::kServiceMinutes), 150);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tb_posting WHERE kind = 'hours'"), 5);
  ExpectVerified();
}

TEST_P(TimeBankTest, ResolvedTicketCreditsOncePerTicket) {
  int64_t m = Member(tree_.community_a, "甲");
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto first = bank_->CreditResolvedTicket(**conn, 501, 3, m, clock_.NowMs());
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->has_value());
  auto second = bank_->CreditResolvedTicket(**conn, 501, 3, m, clock_.NowMs());
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_TRUE((*second)->replayed);
  EXPECT_EQ(Balance(m, Currency::kMemberPoints), 20);
  ExpectVerified();
}

TEST_P(TimeBankTest, RatedReportsCreditResidentsCivilityPointsOnceWithinTheCap) {
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto resident = (*conn)->QueryInt(
      "INSERT INTO resident (node_id, name, sex, birth_date, id_number_enc, id_number_hash, "
      "id_number_masked, created_at, updated_at) VALUES ($1, '居民甲', 'F', '1960-01-01', $2, $3, "
      "'1310**', 0, 0) RETURNING id",
      {tree_.building_a1.id, store::Blob{"x"}, store::Blob{"resident-a"}});
  ASSERT_TRUE(resident.ok()) << resident.error().message;
  auto credit = [&](int64_t ticket) -> core::Result<std::optional<Posted>> {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(**conn));
    CG_ASSIGN_OR_RETURN(auto posted,
                        bank_->CreditRatedReport(**conn, ticket, *resident, clock_.NowMs()));
    CG_TRY(tx.Commit());
    return posted;
  };
  auto first = credit(1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first->has_value());
  EXPECT_FALSE((*first)->replayed);
  auto again = credit(1);  // the same ticket rated again pays nothing more
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_TRUE((*again)->replayed);
  for (int64_t t = 2; t <= 6; ++t) ASSERT_TRUE(credit(t).ok());  // 6 tickets, cap 20 at 5 each
  Caller me = As(Role::kResident, tree_.building_a1);
  me.account_id = 9000;
  me.resident_id = *resident;
  auto statement = bank_->MyStatement(me, Currency::kCivilityPoints, Page{0, 100});
  ASSERT_TRUE(statement.ok()) << statement.error().message;
  EXPECT_EQ(statement->account.balance, options_.civility_daily_cap);
  EXPECT_EQ(statement->entries.size(), 4u);
  EXPECT_EQ(statement->entries[0].kind, PostingKind::kAward);
  ExpectVerified();
}

TEST_P(TimeBankTest, ReversalUndoesOnceAndKeepsHistory) {
  int64_t m = Member(tree_.community_a, "甲");
  auto credit = Credit(m, 60, "x");
  ASSERT_TRUE(credit.ok());
  Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  EXPECT_EQ(bank_->Reverse(secretary, credit->posting_id, "").error().field, "memo");
  EXPECT_EQ(
      bank_->Reverse(As(Role::kCommunitySecretary, tree_.community_b), credit->posting_id, "误记")
          .error()
          .code,
      core::ErrorCode::kNotFound);
  EXPECT_EQ(
      bank_->Reverse(MemberCaller(m, tree_.community_a), credit->posting_id, "误记").error().code,
      core::ErrorCode::kForbidden);
  auto reversed = bank_->Reverse(secretary, credit->posting_id, "误记");
  ASSERT_TRUE(reversed.ok()) << reversed.error().message;
  auto twice = bank_->Reverse(secretary, credit->posting_id, "误记");
  ASSERT_TRUE(twice.ok());
  EXPECT_TRUE(twice->replayed);
  EXPECT_EQ(bank_->Reverse(secretary, reversed->posting_id, "再冲").error().field, "posting_id");
  EXPECT_EQ(Balance(m, Currency::kServiceMinutes), 0);
  EXPECT_EQ(Balance(m, Currency::kMemberPoints), 0);
  // History intact: the credit's entries and the reversal's, four per currency pair.
  auto s = bank_->MyStatement(MemberCaller(m, tree_.community_a), Currency::kServiceMinutes,
                              Page{0, 10});
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->entries.size(), 2u);
  EXPECT_EQ(s->entries[0].amount, -60);
  EXPECT_EQ(s->entries[0].reverses_id, credit->posting_id);
  EXPECT_EQ(s->entries[1].amount, 60);
  ExpectVerified();
}

TEST_P(TimeBankTest, StatementsPageByKeysetAndAreScoped) {
  int64_t m = Member(tree_.community_a, "甲");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Credit(m, 10, "k" + std::to_string(i)).ok());
  }
  Caller me = MemberCaller(m, tree_.community_a);
  auto page1 = bank_->MyStatement(me, Currency::kServiceMinutes, Page{0, 2});
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->entries.size(), 2u);
  EXPECT_EQ(page1->entries[0].balance_after, 50);
  ASSERT_TRUE(page1->next_after);
  auto page2 = bank_->MyStatement(me, Currency::kServiceMinutes, Page{*page1->next_after, 2});
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ(page2->entries[0].balance_after, 30);
  auto page3 = bank_->MyStatement(me, Currency::kServiceMinutes, Page{*page2->next_after, 2});
  ASSERT_TRUE(page3.ok());
  EXPECT_EQ(page3->entries.size(), 1u);
  // Staff in scope see it; staff of another community and other members do not.
  EXPECT_TRUE(bank_
                  ->StatementOf(As(Role::kCommunityWorker, tree_.community_a), HolderKind::kMember,
                                m, Currency::kServiceMinutes, Page{0, 10})
                  .ok());
  EXPECT_EQ(bank_
                ->StatementOf(As(Role::kCommunityWorker, tree_.community_b), HolderKind::kMember, m,
                              Currency::kServiceMinutes, Page{0, 10})
                .error()
                .code,
            core::ErrorCode::kNotFound);
  int64_t other = Member(tree_.community_a, "乙");
  EXPECT_EQ(bank_
                ->StatementOf(MemberCaller(other, tree_.community_a), HolderKind::kMember, m,
                              Currency::kServiceMinutes, Page{0, 10})
                .error()
                .code,
            core::ErrorCode::kNotFound);
}

TEST_P(TimeBankTest, RedemptionDebitsAndCancelReverses) {
  int64_t m = Member(tree_.community_a, "甲");
  Reward reward = MakeReward(15, 3);
  ASSERT_GT(reward.id, 0);
  Caller me = MemberCaller(m, tree_.community_a);
  RedeemRequest req;
  req.reward_id = reward.id;
  auto poor = bank_->Redeem(me, req);
  ASSERT_FALSE(poor.ok());
  EXPECT_EQ(poor.error().field, "quantity");
  EXPECT_EQ(Count("SELECT stock FROM tb_reward"), 3);  // nothing changed
  ASSERT_TRUE(Credit(m, 120, "c").ok());               // 20 points
  req.quantity = 0;
  EXPECT_EQ(bank_->Redeem(me, req).error().field, "quantity");
  req.quantity = 1;
  req.idempotency_key = "r1";
  auto redeemed = bank_->Redeem(me, req);
  ASSERT_TRUE(redeemed.ok()) << redeemed.error().message;
  EXPECT_EQ(redeemed->state, RedemptionState::kPending);
  auto replay = bank_->Redeem(me, req);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->id, redeemed->id);
  EXPECT_EQ(Balance(m, Currency::kMemberPoints), 5);
  EXPECT_EQ(Count("SELECT stock FROM tb_reward"), 2);
  // Another community's staff do not see it; the holder may cancel while pending.
  Caller counter_b = As(Role::kCommunityWorker, tree_.community_b);
  EXPECT_EQ(bank_->HandOver(counter_b, redeemed->id).error().code, core::ErrorCode::kNotFound);
  auto cancelled = bank_->Cancel(me, redeemed->id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->state, RedemptionState::kCancelled);
  EXPECT_EQ(Balance(m, Currency::kMemberPoints), 20);
  EXPECT_EQ(Count("SELECT stock FROM tb_reward"), 3);
  // Counter staff redeem for the member and hand over; a handed-over one stays.
  Caller counter = As(Role::kCommunityWorker, tree_.community_a);
  RedeemRequest at_counter;
  at_counter.reward_id = reward.id;
  at_counter.holder_kind = HolderKind::kMember;
  at_counter.holder_id = m;
  auto second = bank_->Redeem(counter, at_counter);
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto handed = bank_->HandOver(counter, second->id);
  ASSERT_TRUE(handed.ok());
  EXPECT_EQ(handed->state, RedemptionState::kHandedOver);
  EXPECT_EQ(bank_->Cancel(counter, second->id).error().field, "state");
  auto pending = bank_->Redemptions(counter, RedemptionState::kPending, Page{0, 10});
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->items.empty());
  auto mine = bank_->Redemptions(me, std::nullopt, Page{0, 10});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->items.size(), 2u);
  ExpectVerified();
}

TEST_P(TimeBankTest, RewardsAreKeptByStaffInScope) {
  Caller secretary_b = As(Role::kCommunitySecretary, tree_.community_b);
  NewReward r;
  r.node_id = tree_.community_a.id;
  r.name = "毛巾";
  r.cost = 5;
  r.stock = 1;
  EXPECT_EQ(bank_->CreateReward(secretary_b, r).error().field, "node_id");  // outside scope
  EXPECT_EQ(bank_->CreateReward(As(Role::kPartyMember, tree_.community_a), r).error().code,
            core::ErrorCode::kForbidden);
  r.cost = 0;
  EXPECT_EQ(bank_->CreateReward(As(Role::kCommunitySecretary, tree_.community_a), r).error().field,
            "cost");
  r.cost = 5;
  r.stock = -1;
  EXPECT_EQ(bank_->CreateReward(As(Role::kCommunitySecretary, tree_.community_a), r).error().field,
            "stock");
  r.stock = 1;
  r.node_id = tree_.grid_a1.id;
  EXPECT_EQ(bank_->CreateReward(As(Role::kCommunitySecretary, tree_.community_a), r).error().field,
            "node_id");
  Reward made = MakeReward(5, 1);
  RewardPatch patch;
  patch.stock = 9;
  patch.expected_version = made.version;
  auto updated = bank_->UpdateReward(As(Role::kCommunityWorker, tree_.community_a), made.id, patch);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->stock, 9);
  EXPECT_EQ(bank_->UpdateReward(As(Role::kCommunityWorker, tree_.community_a), made.id, patch)
                .error()
                .field,
            "version");
  EXPECT_EQ(bank_->UpdateReward(secretary_b, made.id, RewardPatch{}).error().code,
            core::ErrorCode::kNotFound);
  // A member of community B does not see A's rewards; one of A does.
  int64_t in_a = Member(tree_.community_a, "甲");
  int64_t in_b = Member(tree_.community_b, "乙");
  auto list_a = bank_->Rewards(MemberCaller(in_a, tree_.community_a), std::nullopt, Page{0, 10});
  auto list_b = bank_->Rewards(MemberCaller(in_b, tree_.community_b), std::nullopt, Page{0, 10});
  ASSERT_TRUE(list_a.ok() && list_b.ok());
  EXPECT_EQ(list_a->items.size(), 1u);
  EXPECT_TRUE(list_b->items.empty());
}

// 50 clients redeem the last items at once: the stock never goes below zero.
TEST_P(TimeBankTest, ConcurrentRedemptionsNeverOverdrawTheStock) {
  constexpr int kClients = 50;
  constexpr int64_t kStock = 10;
  std::vector<int64_t> members;
  for (int i = 0; i < kClients; ++i) {
    members.push_back(Member(tree_.community_a, "成员" + std::to_string(i)));
    ASSERT_TRUE(Credit(members.back(), 60, "seed-" + std::to_string(i)).ok());  // 10 points
  }
  Reward reward = MakeReward(10, kStock);
  std::latch go(kClients);
  std::atomic<int> ok{0}, out_of_stock{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      RedeemRequest req;
      req.reward_id = reward.id;
      Caller me = MemberCaller(members[i], tree_.community_a);
      go.arrive_and_wait();
      auto r = bank_->Redeem(me, req);
      if (r.ok()) {
        ++ok;
      } else if (r.error().field == "stock") {
        ++out_of_stock;
      } else {
        ++other;
        ADD_FAILURE() << r.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kStock);
  EXPECT_EQ(out_of_stock.load(), kClients - kStock);
  EXPECT_EQ(Count("SELECT stock FROM tb_reward"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tb_redemption"), kStock);
  ExpectVerified();
}

// 50 clients spend one member's balance at once: it never goes below zero.
TEST_P(TimeBankTest, ConcurrentRedemptionsNeverOverdrawTheBalance) {
  constexpr int kClients = 50;
  int64_t m = Member(tree_.community_a, "甲");
  ASSERT_TRUE(Credit(m, 420, "seed").ok());  // 70 points: seven redemptions of 10
  Reward reward = MakeReward(10, 100);
  std::latch go(kClients);
  std::atomic<int> ok{0}, short_balance{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      RedeemRequest req;
      req.reward_id = reward.id;
      go.arrive_and_wait();
      auto r = bank_->Redeem(MemberCaller(m, tree_.community_a), req);
      if (r.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(r.error().field, "quantity") << r.error().message;
        ++short_balance;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 7);
  EXPECT_EQ(Balance(m, Currency::kMemberPoints), 0);
  EXPECT_EQ(Count("SELECT stock FROM tb_reward"), 93);
  ExpectVerified();
}

TEST_P(TimeBankTest, RankingsPerCommunityAndYear) {
  int64_t a1 = Member(tree_.community_a, "甲");
  int64_t a2 = Member(tree_.community_a, "乙");
  int64_t b1 = Member(tree_.community_b, "丙");
  ASSERT_TRUE(Credit(a1, 60, "1").ok());
  ASSERT_TRUE(Credit(a2, 180, "2").ok());
  ASSERT_TRUE(Credit(b1, 120, "3").ok());
  ASSERT_TRUE(Credit(a1, 600, "4", clock_.NowMs() - 400 * kMsPerDay).ok());  // another year
  Caller street = As(Role::kStreetAdmin, tree_.street);
  int year = core::ShanghaiDate(clock_.NowMs()).year;
  RankingQuery q;
  q.node_id = tree_.community_a.id;
  q.year = year;
  auto people = bank_->Rankings(street, q);
  ASSERT_TRUE(people.ok()) << people.error().message;
  ASSERT_EQ(people->size(), 2u);
  EXPECT_EQ((*people)[0].holder_id, a2);
  EXPECT_EQ((*people)[0].earned, 180);
  EXPECT_EQ((*people)[1].earned, 60);
  q.node_id = tree_.street.id;
  q.group = "community";
  auto communities = bank_->Rankings(street, q);
  ASSERT_TRUE(communities.ok()) << communities.error().message;
  ASSERT_EQ(communities->size(), 2u);
  EXPECT_EQ((*communities)[0].holder_id, tree_.community_a.id);
  EXPECT_EQ((*communities)[0].earned, 240);
  // By unit: member 甲 works in a unit, the others in none.
  {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    auto unit = (*conn)->QueryInt(
        "INSERT INTO unit (node_id, kind, name, created_at) VALUES ($1, 'enterprise', '供电公司', "
        "0) "
        "RETURNING id",
        {tree_.street.id});
    ASSERT_TRUE(unit.ok()) << unit.error().message;
    ASSERT_TRUE(
        (*conn)->Execute("UPDATE party_member SET unit_id = $1 WHERE id = $2", {*unit, a1}).ok());
    q.group = "unit";
    auto units = bank_->Rankings(street, q);
    ASSERT_TRUE(units.ok()) << units.error().message;
    ASSERT_EQ(units->size(), 1u);
    EXPECT_EQ((*units)[0].holder_id, *unit);
    EXPECT_EQ((*units)[0].earned, 60);
  }
  q.group = "nobody";
  EXPECT_EQ(bank_->Rankings(street, q).error().field, "group");
  q.group = "person";
  q.node_id = tree_.community_a.id;
  EXPECT_EQ(bank_->Rankings(As(Role::kCommunitySecretary, tree_.community_b), q).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(bank_->Rankings(MemberCaller(a1, tree_.community_a), q).error().code,
            core::ErrorCode::kForbidden);
}

// The list pages (passbook, rewards, redemptions) are index walks that neither read a large
// table whole nor sort the whole result (store/testing/query_plan.h), custom and generic plans.
TEST_P(TimeBankTest, ListPagesAreBoundedIndexWalks) {
  int64_t m = Member(tree_.community_a, "甲");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Credit(m, 60, "plan-" + std::to_string(i)).ok());
  Reward reward = MakeReward(5, 9);
  RedeemRequest req;
  req.reward_id = reward.id;
  ASSERT_TRUE(bank_->Redeem(MemberCaller(m, tree_.community_a), req).ok());
  store::testing::StatementRecorder recorder(test_db_->db());
  TimeBank bank(recorder.db(), clock_, *audit_, options_);
  Caller me = MemberCaller(m, tree_.community_a);
  Caller staff = As(Role::kCommunityWorker, tree_.community_a);
  ASSERT_TRUE(bank.MyStatement(me, Currency::kMemberPoints, Page{0, 2}).ok());
  ASSERT_TRUE(bank.MyStatement(me, Currency::kMemberPoints, Page{1000, 2}).ok());
  ASSERT_TRUE(bank.Rewards(staff, std::nullopt, Page{0, 10}).ok());
  ASSERT_TRUE(bank.Rewards(me, std::nullopt, Page{0, 10}).ok());
  ASSERT_TRUE(bank.Redemptions(staff, RedemptionState::kPending, Page{0, 10}).ok());
  ASSERT_TRUE(bank.Redemptions(staff, std::nullopt, Page{0, 10}).ok());
  ASSERT_TRUE(bank.Redemptions(me, std::nullopt, Page{0, 10}).ok());
  const std::vector<std::string> large = {"tb_entry", "tb_posting", "tb_account", "tb_reward",
                                          "tb_redemption"};
  auto pages = recorder.Take(" LIMIT ");
  ASSERT_GE(pages.size(), 7u);
  store::testing::ExpectBoundedPages(test_db_->db(), pages, large);
}

INSTANTIATE_TEST_SUITE_P(Backends, TimeBankTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
