// The time bank over real HTTP, on both backends: a member's passbook
// (balance, keyset pages), the ticket rule (a board ticket claimed by the
// member and resolved pays member points once), the rewards catalogue kept by
// community staff, a redemption at the counter from request to hand-over,
// cancelling, staff statements within scope, rankings as JSON and CSV, and
// bad input answered 422 naming the field with nothing changed. The ledger
// verifies at the end of each scenario.
#include <boost/json.hpp>

#include "api_harness.h"
#include "domain/timebank/timebank_verify.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class TimeBankApiTest : public ApiTest {
 protected:
  // Approved hours for member1 (60 minutes: 10 member points each).
  void Credit(int64_t minutes, const std::string& key) {
    auto conn = Must(app_->db().Acquire(), "connection");
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    domain::ApprovedHours h;
    h.holder_member_id = w_.member.id;
    h.activity_id = 9;
    h.minutes = minutes;
    h.approved_by = AccountId("secretary1");
    h.served_at = app_->clock().NowMs();
    h.idempotency_key = key;
    Must(app_->timebank().CreditApprovedHours(*conn, h), "credit");
    ASSERT_TRUE(tx.Commit().ok());
  }

  int64_t Balance(const std::string& currency = "member_points") {
    auto r = As("member1").Send("GET", "/api/v1/timebank/me/statement?currency=" + currency);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.Json().at("balance").as_int64();
  }

  json::object NewReward(int64_t cost, int64_t stock) {
    auto r = As("secretary1")
                 .Send("POST", "/api/v1/timebank/rewards",
                       R"({"node_id":)" + std::to_string(w_.community_a.id) +
                           R"(,"name":"洗衣液","description":"500 毫升","cost":)" +
                           std::to_string(cost) + R"(,"stock":)" + std::to_string(stock) + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().as_object();
  }

  void ExpectVerified() {
    auto conn = Must(app_->db().Acquire(), "connection");
    auto report = Must(domain::VerifyLedger(*conn), "verify");
    for (const auto& c : report.checks) {
      EXPECT_EQ(c.violation_count, 0) << c.name << (c.violations.empty() ? "" : c.violations[0]);
    }
  }

  static std::string Field(const http::ClientResponse& r) {
    return std::string(r.Json().at("error").at("field").as_string());
  }
};

TEST_P(TimeBankApiTest, PassbookShowsBalanceAndPagesByKeyset) {
  for (int i = 0; i < 3; ++i) Credit(60, "passbook-" + std::to_string(i));
  Credit(60, "passbook-0");  // a retried approval pays once
  auto me = As("member1").Send("GET", "/api/v1/timebank/me");
  ASSERT_EQ(me.status, 200u) << me.body;
  ASSERT_EQ(me.Json().at("items").as_array().size(), 2u);
  auto page1 = As("member1").Send("GET", "/api/v1/timebank/me/statement?limit=2");
  ASSERT_EQ(page1.status, 200u) << page1.body;
  EXPECT_EQ(page1.Json().at("balance").as_int64(), 30);
  EXPECT_EQ(page1.Json().at("account").at("currency").as_string(), "member_points");
  const json::value page1_json = page1.Json();
  const auto& items = page1_json.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("balance_after").as_int64(), 30);
  EXPECT_EQ(items[0].at("kind").as_string(), "hours");
  int64_t next = page1.Json().at("next_after").as_int64();
  auto page2 = As("member1").Send(
      "GET", "/api/v1/timebank/me/statement?limit=2&after=" + std::to_string(next));
  ASSERT_EQ(page2.status, 200u);
  ASSERT_EQ(page2.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(page2.Json().at("items").as_array()[0].at("balance_after").as_int64(), 10);
  EXPECT_EQ(Balance("service_minutes"), 180);
  // Bad input names the field.
  auto bad = As("member1").Send("GET", "/api/v1/timebank/me/statement?currency=gold");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "currency");
  // Staff in scope read it; staff of another community and residents do not.
  std::string target =
      "/api/v1/timebank/statements?holder_kind=member&currency=member_points"
      "&holder_id=" +
      std::to_string(w_.member.id);
  auto staff = As("worker1").Send("GET", target);
  ASSERT_EQ(staff.status, 200u) << staff.body;
  EXPECT_EQ(staff.Json().at("balance").as_int64(), 30);
  EXPECT_EQ(As("grid2").Send("GET", target).status, 404u);
  EXPECT_EQ(As("resident1").Send("GET", target).status, 404u);
  auto no_kind = As("worker1").Send("GET", "/api/v1/timebank/statements?holder_id=1");
  EXPECT_EQ(no_kind.status, 422u);
  EXPECT_EQ(Field(no_kind), "holder_kind");
  ExpectVerified();
}

TEST_P(TimeBankApiTest, ResolvedBoardTicketClaimedByAMemberPaysOnce) {
  int64_t category = Must(app_->categories().GetByCode("S-DLY-01"), "category").id;
  auto r = As("resident1")
               .Send("POST", "/api/v1/tickets",
                     R"({"category_id":)" + std::to_string(category) +
                         R"(,"kind":"wish","description":"家里洗衣机不转了","node_id":)" +
                         std::to_string(w_.grid_a1.id) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  std::string events =
      "/api/v1/tickets/" + std::to_string(r.Json().at("id").as_int64()) + "/events";
  auto act = [&](const std::string& who, const std::string& body) {
    auto a = As(who).Send("POST", events, body);
    EXPECT_EQ(a.status, 200u) << body << ": " << a.body;
  };
  act("secretary1", R"({"type":"dispatch","assignee":{"kind":"board"}})");
  act("member1", R"({"type":"claim"})");
  act("member1", R"({"type":"start"})");
  EXPECT_EQ(Balance(), 0);
  act("member1", R"({"type":"resolve","note":"修好了"})");
  EXPECT_EQ(Balance(), 20);  // TimeBankOptions::ticket_points
  // Reopened and resolved again: still paid once (idempotent on the ticket).
  act("secretary1", R"({"type":"reopen","note":"再看看"})");
  act("secretary1", R"({"type":"dispatch","assignee":{"kind":"member","id":)" +
                        std::to_string(w_.member.id) + "}}");
  act("member1", R"({"type":"start"})");
  act("member1", R"({"type":"resolve","note":"又修了一次"})");
  EXPECT_EQ(Balance(), 20);
  ExpectVerified();
}

TEST_P(TimeBankApiTest, RedemptionAtTheCounterFromRequestToHandOver) {
  Credit(120, "counter");  // 20 points
  json::object reward = NewReward(15, 2);
  std::string id = std::to_string(reward.at("id").as_int64());
  // Bad rewards are refused naming the field.
  auto bad = As("secretary1")
                 .Send("POST", "/api/v1/timebank/rewards",
                       R"({"node_id":)" + std::to_string(w_.community_a.id) +
                           R"(,"name":"x","cost":0,"stock":1})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "cost");
  bad = As("secretary1")
            .Send("POST", "/api/v1/timebank/rewards",
                  R"({"node_id":)" + std::to_string(w_.community_a.id) + R"(,"cost":1,"stock":1})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "name");
  // The member sees the catalogue; asking for more than the balance is 422 quantity.
  auto list = As("member1").Send("GET", "/api/v1/timebank/rewards");
  ASSERT_EQ(list.status, 200u);
  ASSERT_EQ(list.Json().at("items").as_array().size(), 1u);
  int64_t entries = Count("tb_entry");
  auto greedy = As("member1").Send("POST", "/api/v1/timebank/redemptions",
                                   R"({"reward_id":)" + id + R"(,"quantity":2})");
  EXPECT_EQ(greedy.status, 422u) << greedy.body;
  EXPECT_EQ(Field(greedy), "quantity");
  EXPECT_EQ(Count("tb_entry"), entries);
  auto redeemed = As("member1").Send("POST", "/api/v1/timebank/redemptions",
                                     R"({"reward_id":)" + id + "}", {{"Idempotency-Key", "r-1"}});
  ASSERT_EQ(redeemed.status, 201u) << redeemed.body;
  auto retried = As("member1").Send("POST", "/api/v1/timebank/redemptions",
                                    R"({"reward_id":)" + id + "}", {{"Idempotency-Key", "r-1"}});
  ASSERT_EQ(retried.status, 201u);
  EXPECT_EQ(retried.Json().at("id"), redeemed.Json().at("id"));
  EXPECT_EQ(Balance(), 5);
  std::string rid = std::to_string(redeemed.Json().at("id").as_int64());
  // The counter sees it pending and hands it over; a handed-over one cannot be cancelled.
  auto pending = As("worker1").Send("GET", "/api/v1/timebank/redemptions?state=pending");
  ASSERT_EQ(pending.status, 200u);
  ASSERT_EQ(pending.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(As("secretary1").Send("GET", "/api/v1/timebank/redemptions?state=lost").status, 422u);
  auto handed =
      As("worker1").Send("POST", "/api/v1/timebank/redemptions/" + rid + "/hand-over", "");
  ASSERT_EQ(handed.status, 200u) << handed.body;
  EXPECT_EQ(handed.Json().at("state").as_string(), "handed_over");
  auto late = As("member1").Send("POST", "/api/v1/timebank/redemptions/" + rid + "/cancel", "");
  EXPECT_EQ(late.status, 409u);
  // Stock after: 1; staff raise it, with the version guard.
  auto stock = As("worker1").Send(
      "PATCH", "/api/v1/timebank/rewards/" + id,
      R"({"stock":10,"version":)" + std::to_string(reward.at("version").as_int64()) + "}");
  EXPECT_EQ(stock.status, 409u) << stock.body;  // the redemption moved the version on
  stock = As("worker1").Send("PATCH", "/api/v1/timebank/rewards/" + id, R"({"stock":10})");
  ASSERT_EQ(stock.status, 200u) << stock.body;
  EXPECT_EQ(stock.Json().at("stock").as_int64(), 10);
  ExpectVerified();
}

TEST_P(TimeBankApiTest, CancellingAPendingRedemptionReversesIt) {
  Credit(60, "cancel");
  json::object reward = NewReward(10, 1);
  auto redeemed =
      As("member1").Send("POST", "/api/v1/timebank/redemptions",
                         R"({"reward_id":)" + std::to_string(reward.at("id").as_int64()) + "}");
  ASSERT_EQ(redeemed.status, 201u) << redeemed.body;
  EXPECT_EQ(Balance(), 0);
  auto sold_out =
      As("member1").Send("POST", "/api/v1/timebank/redemptions",
                         R"({"reward_id":)" + std::to_string(reward.at("id").as_int64()) + "}");
  EXPECT_EQ(sold_out.status, 409u);
  std::string rid = std::to_string(redeemed.Json().at("id").as_int64());
  auto cancelled =
      As("member1").Send("POST", "/api/v1/timebank/redemptions/" + rid + "/cancel", "");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(cancelled.Json().at("state").as_string(), "cancelled");
  EXPECT_FALSE(cancelled.Json().at("reversal_posting_id").is_null());
  EXPECT_EQ(Balance(), 10);
  auto list = As("member1").Send("GET", "/api/v1/timebank/me/statement");
  ASSERT_EQ(list.Json().at("items").as_array()[0].at("kind").as_string(), "reversal");
  ExpectVerified();
}

TEST_P(TimeBankApiTest, RankingsAsJsonAndCsv) {
  Credit(90, "rank");
  std::string query = "?node_id=" + std::to_string(w_.community_a.id);
  auto r = As("street1").Send("GET", "/api/v1/timebank/rankings" + query);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value ranking = r.Json();
  const auto& items = ranking.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("holder_id").as_int64(), w_.member.id);
  EXPECT_EQ(items[0].at("earned").as_int64(), 90);
  auto csv = As("street1").Send("GET", "/api/v1/exports/timebank-rankings.csv" + query);
  ASSERT_EQ(csv.status, 200u);
  EXPECT_NE(csv.Header("Content-Type").find("text/csv"), std::string::npos);
  EXPECT_NE(csv.body.find("党员四"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",90"), std::string::npos) << csv.body;
  auto xlsx = As("street1").Send("GET", "/api/v1/exports/timebank-rankings.xlsx" + query);
  ASSERT_EQ(xlsx.status, 200u);
  EXPECT_NE(xlsx.Header("Content-Type").find("spreadsheetml"), std::string::npos);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  auto bad = As("street1").Send("GET", "/api/v1/timebank/rankings?year=1999");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "year");
  bad = As("street1").Send("GET", "/api/v1/timebank/rankings?group=units");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "group");
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/timebank/rankings").status, 403u);
}

INSTANTIATE_TEST_SUITE_P(Backends, TimeBankApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
