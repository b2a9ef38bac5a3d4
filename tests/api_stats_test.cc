// The rates and rankings over real HTTP, on both backends: tickets are filed
// and driven through TicketService (so the rollup is kept by the observer),
// then GET /api/v1/stats/rates and /api/v1/stats/rankings must report exactly
// the figures docs/rates.md defines; scope, roles and bad input are checked too.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;
using domain::TicketAction;
using domain::TicketEventType;

// 2026-06-15 23:58 in Beijing (15:58 UTC). The clock stands still: every
// ticket of the scenario is filed and acted on at that instant, so the
// figures never straddle a day, however slowly or whenever the test runs.
const int64_t kScenarioAt = core::DaysFromCivil({2026, 6, 15}) * core::kMsPerDay +
                            (23 * 60 + 58) * core::kMsPerMinute - core::kShanghaiOffsetMs;

class StatsApiTest : public ApiTest {
 protected:
  StatsApiTest() { clock_ = &fake_clock_; }

  void SetUp() override {
    ApiTest::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    admin_ = Must(app_->CallerFor("admin"), "admin");
    category_id_ = Must(app_->categories().List(), "categories").front().id;
  }

  domain::Ticket File(const domain::OrgNode& grid) {
    domain::NewTicket t;
    t.kind = domain::TicketKind::kComplaint;  // by phone: staff record the caller's rating
    t.channel = domain::TicketChannel::kPhone;
    t.contact_name = "王女士";
    t.phone = "13800138000";
    t.category_id = category_id_;
    t.description = "楼道灯坏了";
    t.node_id = grid.id;
    return Must(app_->tickets().Submit(admin_, t), "submit");
  }

  void Act(const std::string& who, int64_t id, TicketEventType type,
           void (*fill)(TicketAction&) = nullptr) {
    TicketAction a;
    a.type = type;
    if (type == TicketEventType::kResolve || type == TicketEventType::kReject) a.note = "已处理";
    if (fill != nullptr) fill(a);
    Must(app_->tickets().Act(Must(app_->CallerFor(who), "caller"), id, a), "act");
  }

  void Dispatch(int64_t id, const std::string& grid_worker) {
    TicketAction a;
    a.type = TicketEventType::kDispatch;
    domain::Caller worker = Must(app_->CallerFor(grid_worker), "worker");
    a.assignee = domain::Assignee{domain::AssigneeKind::kAccount, worker.account_id, ""};
    Must(app_->tickets().Act(admin_, id, a), "dispatch");
  }

  // T1 and T2 on grid A1, T3 and T4 on A2, T5 and T6 on B1 (see the test).
  void FileScenario() {
    auto t1 = File(w_.grid_a1);
    Act("admin", t1.id, TicketEventType::kAccept);
    Dispatch(t1.id, "grid1");
    Act("grid1", t1.id, TicketEventType::kStart);
    Act("grid1", t1.id, TicketEventType::kResolve);
    Act("admin", t1.id, TicketEventType::kRate, [](TicketAction& a) { a.rating = 5; });
    Act("secretary1", t1.id, TicketEventType::kCallback,
        [](TicketAction& a) { a.outcome = "solved"; });
    auto t2 = File(w_.grid_a1);
    Act("admin", t2.id, TicketEventType::kAccept);
    Dispatch(t2.id, "grid1");
    Act("grid1", t2.id, TicketEventType::kResolve);
    Act("admin", t2.id, TicketEventType::kRate, [](TicketAction& a) { a.rating = 2; });
    auto t3 = File(w_.grid_a2);
    Act("secretary1", t3.id, TicketEventType::kReject);
    auto t4 = File(w_.grid_a2);
    Act("worker1", t4.id, TicketEventType::kAccept);
    auto t5 = File(w_.grid_b1);
    Act("admin", t5.id, TicketEventType::kAccept);
    Dispatch(t5.id, "grid2");
    Act("grid2", t5.id, TicketEventType::kStart);
    Act("grid2", t5.id, TicketEventType::kResolve);
    Act("admin", t5.id, TicketEventType::kRate, [](TicketAction& a) { a.rating = 4; });
    Act("street1", t5.id, TicketEventType::kCallback,
        [](TicketAction& a) { a.outcome = "unsolved"; });
    auto t6 = File(w_.grid_b1);
    TicketAction dup;
    dup.type = TicketEventType::kClose;
    dup.duplicate_of = t5.id;
    Must(app_->tickets().Act(admin_, t6.id, dup), "duplicate");
    ids_ = {t1.id, t2.id, t3.id, t4.id, t5.id, t6.id};
    day_ = core::FormatDate(core::ShanghaiDate(t1.created_at));
  }

  // The query string for the day the scenario was filed.
  std::string Day() const { return "&from=" + day_ + "&to=" + day_; }

  json::object Get(const std::string& who, const std::string& target, unsigned want = 200) {
    auto r = As(who).Send("GET", target);
    EXPECT_EQ(r.status, want) << who << " GET " << target << ": " << r.body;
    return r.Json().as_object();
  }

  static int64_t Counted(const json::object& figures, const char* name) {
    return figures.at("counts").at(name).as_int64();
  }
  static double Rate(const json::object& figures, const char* name) {
    return figures.at("rates").at(name).as_double();
  }
  static std::string ErrorField(const json::object& body) {
    return std::string(body.at("error").at("field").as_string());
  }

  core::FakeClock fake_clock_{kScenarioAt};
  domain::Caller admin_;
  int64_t category_id_ = 0;
  std::vector<int64_t> ids_;
  std::string day_;
};

TEST_P(StatsApiTest, StreetFiguresAreExactlyTheDefinitions) {
  ASSERT_NO_THROW(FileScenario());
  EXPECT_EQ(day_, "2026-06-15");  // the fake clock's day, not the machine's
  auto f = Get("street1", "/api/v1/stats/rates?node_id=" + std::to_string(w_.street.id) + Day());
  EXPECT_EQ(f.at("node").at("id").as_int64(), w_.street.id);
  EXPECT_EQ(f.at("from").as_string(), day_);
  EXPECT_EQ(Counted(f, "received"), 6);
  EXPECT_EQ(Counted(f, "rejected"), 1);    // T3
  EXPECT_EQ(Counted(f, "duplicates"), 1);  // T6
  EXPECT_EQ(Counted(f, "withdrawn"), 0);
  EXPECT_EQ(Counted(f, "demands"), 4);  // T1 T2 T4 T5
  EXPECT_EQ(Counted(f, "accepted"), 4);
  EXPECT_EQ(Counted(f, "responded"), 3);  // T4 was only accepted
  EXPECT_EQ(Counted(f, "responded_on_time"), 3);
  EXPECT_EQ(Counted(f, "resolved"), 2);  // T2 was reopened by its rating of 2
  EXPECT_EQ(Counted(f, "open"), 2);
  EXPECT_EQ(Counted(f, "rated"), 3);
  EXPECT_EQ(Counted(f, "satisfied"), 2);
  EXPECT_EQ(Counted(f, "solved"), 1);
  EXPECT_EQ(Counted(f, "unsolved"), 1);
  EXPECT_DOUBLE_EQ(Rate(f, "response_rate"), 3.0 / 4);
  EXPECT_DOUBLE_EQ(Rate(f, "resolution_rate"), 2.0 / 4);
  EXPECT_DOUBLE_EQ(Rate(f, "solve_rate"), 1.0 / 2);
  EXPECT_DOUBLE_EQ(Rate(f, "satisfaction_rate"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(f.at("score").as_double(),
                   100 * (0.10 * 0.75 + 0.20 * 0.5 + 0.35 * 0.5 + 0.35 * 2.0 / 3));
  const auto& resolve = f.at("times").at("resolve").as_object();
  EXPECT_EQ(resolve.at("count").as_int64(), 2);
  EXPECT_EQ(resolve.at("median_low").as_int64(), 0);  // resolved within the test
  EXPECT_EQ(resolve.at("median_high").as_int64(), 10);
  EXPECT_EQ(resolve.at("buckets").as_array().at(0).as_int64(), 2);

  // The county (admin) sees the same; community B (its grid only) a part.
  auto county = Get("admin", "/api/v1/stats/rates?node_id=" + std::to_string(w_.county.id) + Day());
  EXPECT_EQ(county.at("counts"), f.at("counts"));
  auto b = Get("admin", "/api/v1/stats/rates?node_id=" + std::to_string(w_.community_b.id) + Day());
  EXPECT_EQ(Counted(b, "demands"), 1);
  EXPECT_EQ(Counted(b, "duplicates"), 1);
  EXPECT_DOUBLE_EQ(Rate(b, "solve_rate"), 0.0);
  EXPECT_DOUBLE_EQ(Rate(b, "satisfaction_rate"), 1.0);
}

TEST_P(StatsApiTest, RankingsOrderChildrenByCompositeScore) {
  ASSERT_NO_THROW(FileScenario());
  std::string month = day_.substr(0, 7);
  auto k = Get("secretary1", "/api/v1/stats/rankings?month=" + month);
  EXPECT_EQ(k.at("parent").at("id").as_int64(), w_.community_a.id);  // the caller's scope
  EXPECT_EQ(k.at("month").as_string(), month);
  const auto& items = k.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("node").at("id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(items[0].at("rank").as_int64(), 1);
  // A1: response 2/2, resolution 1/2, solve 1/1, satisfaction 1/2.
  EXPECT_DOUBLE_EQ(items[0].at("score").as_double(), 100 * (0.1 + 0.2 * 0.5 + 0.35 + 0.35 * 0.5));
  EXPECT_EQ(items[1].at("node").at("id").as_int64(), w_.grid_a2.id);
  EXPECT_EQ(items[1].at("rank").as_int64(), 2);
  EXPECT_DOUBLE_EQ(items[1].at("score").as_double(), 0.0);  // T4: accepted, nothing more

  auto street = Get("admin", "/api/v1/stats/rankings?parent_id=" + std::to_string(w_.street.id) +
                                 "&month=" + month);
  const auto& communities = street.at("items").as_array();
  ASSERT_EQ(communities.size(), 2u);
  // A (T1 T2 T4): response 2/3, resolution 1/3, solve 1/1, satisfaction 1/2 → 65.8;
  // B (T5): response 1, resolution 1, solve 0/1, satisfaction 1/1 → 65.0.
  EXPECT_EQ(communities[0].at("node").at("id").as_int64(), w_.community_a.id);
  EXPECT_EQ(communities[0].at("counts").at("demands").as_int64(), 3);
  EXPECT_NEAR(communities[0].at("score").as_double(),
              100 * (0.1 * 2 / 3 + 0.2 / 3 + 0.35 + 0.35 * 0.5), 1e-9);
  EXPECT_EQ(communities[1].at("node").at("id").as_int64(), w_.community_b.id);
  EXPECT_EQ(communities[1].at("rank").as_int64(), 2);
  EXPECT_NEAR(communities[1].at("score").as_double(), 100 * (0.1 + 0.2 + 0.35), 1e-9);
  EXPECT_EQ(street.at("weights").at("solve_rate").as_double(), 0.35);
}

TEST_P(StatsApiTest, LateStepsAndOverdueFlagsAreCounted) {
  ASSERT_NO_THROW(FileScenario());
  {
    // T1 answered after its respond deadline; T4 past every deadline.
    auto conn = Must(app_->db().Acquire(), "conn");
    Must(conn->Execute("UPDATE ticket SET respond_due = created_at - 60000 WHERE id = $1",
                       {ids_[0]}),
         "late");
    Must(conn->Execute("UPDATE ticket SET respond_due = created_at - 60000, resolve_due = "
                       "created_at - 60000 WHERE id = $1",
                       {ids_[3]}),
         "overdue");
  }
  // Rows changed behind the service's back: rebuild, as after a bulk load.
  ASSERT_TRUE(app_->stats().Rebuild().ok());
  EXPECT_GE(Must(app_->tickets().CheckOverdue(), "check overdue"), 1);
  auto f = Get("admin", "/api/v1/stats/rates?node_id=" + std::to_string(w_.county.id) + Day());
  EXPECT_EQ(Counted(f, "responded_on_time"), 2);
  EXPECT_DOUBLE_EQ(Rate(f, "response_rate"), 2.0 / 4);
  EXPECT_EQ(Counted(f, "overdue_respond"), 1);
  EXPECT_EQ(Counted(f, "overdue_resolve"), 1);
  EXPECT_EQ(Counted(f, "overdue_any"), 1);
  EXPECT_EQ(Counted(f, "supervised"), 1);
  // The observer kept the rollup equal to a rebuild through the checker's events.
  auto snapshot = [&] {
    auto conn = Must(app_->db().Acquire(), "conn");
    auto rows =
        Must(conn->Query("SELECT * FROM ticket_rollup ORDER BY grain, period, path"), "rows");
    std::string out;
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) out += row.at(i).ToString() + " ";
      out += "\n";
    }
    return out;
  };
  std::string kept = snapshot();
  ASSERT_TRUE(app_->stats().Rebuild().ok());
  EXPECT_EQ(kept, snapshot());
}

TEST_P(StatsApiTest, ScopeRolesAndValidation) {
  ASSERT_NO_THROW(FileScenario());
  // A grid worker reads their own grid by default, not another grid.
  auto own = Get("grid1", "/api/v1/stats/rates?" + Day().substr(1));
  EXPECT_EQ(own.at("node").at("id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(Counted(own, "demands"), 2);
  Get("grid1", "/api/v1/stats/rates?node_id=" + std::to_string(w_.grid_b1.id), 404);
  Get("grid1", "/api/v1/stats/rankings?parent_id=" + std::to_string(w_.community_a.id), 404);
  for (const char* who : {"resident1", "member1", "unit1"}) {
    Get(who, "/api/v1/stats/rates", 403);
    Get(who, "/api/v1/stats/rankings", 403);
  }
  EXPECT_EQ(Anonymous()->Send("GET", "/api/v1/stats/rates").status, 401u);

  struct Bad {
    std::string query;
    std::string field;
  };
  const Bad bad[] = {{"/api/v1/stats/rates?node_id=abc", "node_id"},
                     {"/api/v1/stats/rates?from=2026-13-01", "from"},
                     {"/api/v1/stats/rates?to=yesterday", "to"},
                     {"/api/v1/stats/rates?from=2026-03-02&to=2026-03-01", "to"},
                     {"/api/v1/stats/rates?from=2010-01-01&to=2026-01-01", "to"},
                     {"/api/v1/stats/rankings?month=2026-1", "month"},
                     {"/api/v1/stats/rankings?parent_id=0", "parent_id"}};
  for (const Bad& b : bad) {
    EXPECT_EQ(ErrorField(Get("admin", b.query, 422)), b.field) << b.query;
  }
}

TEST_P(StatsApiTest, MovingAGridTakesItsTicketsAndTheirFiguresAlong) {
  ASSERT_NO_THROW(FileScenario());
  const int64_t t4 = ids_[3];  // on grid A2, accepted
  const std::string a = "/api/v1/stats/rates?node_id=" + std::to_string(w_.community_a.id) + Day();
  const std::string b = "/api/v1/stats/rates?node_id=" + std::to_string(w_.community_b.id) + Day();
  ASSERT_EQ(Counted(Get("admin", a), "received"), 4);
  ASSERT_EQ(Counted(Get("admin", b), "received"), 2);
  const std::string ticket = "/api/v1/tickets/" + std::to_string(t4);
  ASSERT_EQ(As("secretary1").Send("GET", ticket).status, 200u);

  auto moved = As("admin").Send("PATCH", "/api/v1/org-nodes/" + std::to_string(w_.grid_a2.id),
                                R"({"parent_id":)" + std::to_string(w_.community_b.id) + "}");
  ASSERT_EQ(moved.status, 200u) << moved.body;

  // A2's tickets (T3, T4) now count for community B, and community A's
  // secretary no longer sees them; the street's total is unchanged.
  EXPECT_EQ(Counted(Get("admin", a), "received"), 2);
  EXPECT_EQ(Counted(Get("admin", b), "received"), 4);
  EXPECT_EQ(As("secretary1").Send("GET", ticket).status, 404u);
  auto street = Get("admin", "/api/v1/stats/rates?node_id=" + std::to_string(w_.street.id) + Day());
  EXPECT_EQ(Counted(street, "received"), 6);

  // Driving T4 on after the move counts at its new place, and what the
  // observer keeps is what a recount from the ticket rows gives.
  ASSERT_NO_THROW(Dispatch(t4, "admin"));
  ASSERT_NO_THROW(Act("admin", t4, TicketEventType::kResolve));
  auto b_after = Get("admin", b);
  EXPECT_EQ(Counted(b_after, "resolved"), 2);          // T5 and T4
  EXPECT_EQ(Counted(Get("admin", a), "resolved"), 1);  // T1
  auto county = "/api/v1/stats/rates?node_id=" + std::to_string(w_.county.id) + Day();
  auto kept = Get("admin", county);
  ASSERT_TRUE(app_->stats().Rebuild().ok());
  EXPECT_EQ(Get("admin", b).at("counts"), b_after.at("counts"));
  EXPECT_EQ(Get("admin", county).at("counts"), kept.at("counts"));
}

// The screen's trend: one row per day from the day rollups; a day without a
// base has null rates (a gap the chart does not join), never zeros.
TEST_P(StatsApiTest, DailyTrendHasEveryDayAndGapsWhereNoBase) {
  ASSERT_NO_THROW(FileScenario());  // 2026-06-15
  fake_clock_.Advance(2 * core::kMsPerDay);
  domain::Ticket late;
  ASSERT_NO_THROW(late = File(w_.grid_a1));  // 2026-06-17
  ASSERT_NO_THROW(Act("admin", late.id, TicketEventType::kAccept));
  ASSERT_NO_THROW(Dispatch(late.id, "grid1"));
  ASSERT_NO_THROW(Act("grid1", late.id, TicketEventType::kStart));
  ASSERT_NO_THROW(Act("grid1", late.id, TicketEventType::kResolve));

  const std::string street = std::to_string(w_.street.id);
  auto trend = Get("street1", "/api/v1/stats/rates/trend?granularity=day&to=2026-06-17&days=4");
  EXPECT_EQ(trend.at("node").at("id").as_int64(), w_.street.id);
  EXPECT_EQ(trend.at("granularity").as_string(), "day");
  EXPECT_EQ(trend.at("from").as_string(), "2026-06-14");
  EXPECT_EQ(trend.at("to").as_string(), "2026-06-17");
  const auto& items = trend.at("items").as_array();
  ASSERT_EQ(items.size(), 4u);
  const char* days[] = {"2026-06-14", "2026-06-15", "2026-06-16", "2026-06-17"};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(items[i].at("day").as_string(), days[i]);
  for (size_t empty : {0u, 2u}) {
    const auto& day = items[empty].as_object();
    EXPECT_EQ(Counted(day, "received"), 0);
    for (const char* rate : {"response_rate", "resolution_rate", "satisfaction_rate"}) {
      EXPECT_TRUE(day.at("rates").at(rate).is_null()) << days[empty] << " " << rate;
    }
    EXPECT_TRUE(day.at("score").is_null());
  }
  // The scenario's day: the same figures as /stats/rates for that day.
  auto same = Get("street1", "/api/v1/stats/rates?node_id=" + street + Day());
  EXPECT_EQ(items[1].at("counts"), same.at("counts"));
  EXPECT_EQ(items[1].at("rates"), same.at("rates"));
  // The late ticket alone: resolved, never rated — satisfaction has no base.
  const auto& last = items[3].as_object();
  EXPECT_EQ(Counted(last, "demands"), 1);
  EXPECT_DOUBLE_EQ(Rate(last, "resolution_rate"), 1.0);
  EXPECT_TRUE(last.at("rates").at("satisfaction_rate").is_null());

  // Defaults: the last 14 days up to today (the clock's day), the caller's scope.
  auto fallback = Get("secretary1", "/api/v1/stats/rates/trend?granularity=day");
  EXPECT_EQ(fallback.at("node").at("id").as_int64(), w_.community_a.id);
  ASSERT_EQ(fallback.at("items").as_array().size(), 14u);
  EXPECT_EQ(fallback.at("to").as_string(), "2026-06-17");
  EXPECT_EQ(fallback.at("items").as_array().back().at("day").as_string(), "2026-06-17");
  EXPECT_EQ(Get("admin", "/api/v1/stats/rates/trend").at("granularity").as_string(), "month");

  Get("grid1", "/api/v1/stats/rates/trend?granularity=day&node_id=" + std::to_string(w_.grid_b1.id),
      404);
  Get("member1", "/api/v1/stats/rates/trend?granularity=day", 403);
  const std::pair<const char*, const char*> bad[] = {{"granularity=week", "granularity"},
                                                     {"granularity=day&days=0", "days"},
                                                     {"granularity=day&days=63", "days"},
                                                     {"granularity=day&days=x", "days"},
                                                     {"granularity=day&to=2026-6-1", "to"}};
  for (const auto& [query, field] : bad) {
    EXPECT_EQ(ErrorField(Get("admin", std::string("/api/v1/stats/rates/trend?") + query, 422)),
              field)
        << query;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsApiTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
