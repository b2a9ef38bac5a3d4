// Deliberation meetings (议事协商) over real HTTP, on both backends: a 逢四说事
// series on the 4th, 14th and 24th; a resident's proposal put on a meeting's
// agenda; registration and check-in with the organiser's code; minutes; a
// decision whose follow-up ticket, dispatched and resolved through the
// ticket API, completes it; bad input answered 422 naming the field with
// nothing changed; scope (404 outside, 403 inside without the right).
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// 2026-12-04 08:45 in Beijing: a quarter of an hour before the month's first 逢四说事.
const int64_t kDecember = core::DaysFromCivil({2026, 12, 4}) * core::kMsPerDay +
                          (8 * 60 + 45) * core::kMsPerMinute - core::kShanghaiOffsetMs;
// When that meeting ends (09:00 + 90 minutes).
const int64_t kFirstEnd = kDecember + (15 + 90) * core::kMsPerMinute;

class DeliberationApiTest : public ApiTest {
 protected:
  DeliberationApiTest() { clock_ = &fake_clock_; }

  static std::string Field(const http::ClientResponse& r) {
    auto v = r.Json();
    return std::string(v.at("error").at("field").as_string());
  }

  std::string Community() const { return std::to_string(w_.community_a.id); }

  // secretary1's 逢四说事 series for December and January; returns its meetings.
  json::array Series() {
    auto s = As("secretary1")
                 .Send("POST", "/api/v1/deliberation/series",
                       R"({"community_id":)" + Community() +
                           R"(,"title":"逢四说事","rule":{"kind":"days_of_month","days":[4,14,24],)"
                           R"("time":"09:00","duration_minutes":90},"first_date":"2026-12-01",)"
                           R"("last_date":"2027-01-31","place":"社区议事厅","capacity":30})");
    EXPECT_EQ(s.status, 201u) << s.body;
    if (s.status != 201u) return {};
    EXPECT_EQ(s.Json().at("meetings").as_int64(), 6);
    auto list = As("secretary1")
                    .Send("GET", "/api/v1/deliberation/meetings?series_id=" +
                                     std::to_string(s.Json().at("id").as_int64()));
    EXPECT_EQ(list.status, 200u) << list.body;
    return list.Json().at("items").as_array();
  }

  std::string MeetingPath(const json::value& m) const {
    return "/api/v1/deliberation/meetings/" + std::to_string(m.at("id").as_int64());
  }

  core::FakeClock fake_clock_{kDecember};
};

TEST_P(DeliberationApiTest, AProposalBecomesADecisionThatItsResolvedTicketCompletes) {
  json::array meetings = Series();
  ASSERT_EQ(meetings.size(), 6u);
  EXPECT_EQ(meetings[0].at("starts_at").as_string(), "2026-12-04T01:00:00.000Z");
  EXPECT_EQ(meetings[3].at("starts_at").as_string(), "2027-01-04T01:00:00.000Z");
  const std::string path = MeetingPath(meetings[0]);
  // The resident proposes from the phone.
  auto p = As("resident1")
               .Send("POST", "/api/v1/deliberation/proposals",
                     R"({"title":"东门路灯不亮","body":"晚上很黑","duration_minutes":10})");
  ASSERT_EQ(p.status, 201u) << p.body;
  EXPECT_EQ(p.Json().at("state").as_string(), "proposed");
  const std::string proposal = std::to_string(p.Json().at("id").as_int64());
  auto open = As("secretary1").Send("GET", "/api/v1/deliberation/proposals?state=proposed");
  ASSERT_EQ(open.status, 200u);
  ASSERT_EQ(open.Json().at("items").as_array().size(), 1u);
  auto item = As("secretary1")
                  .Send("POST", path + "/agenda",
                        R"({"proposal_id":)" + proposal + R"(,"duration_minutes":20})");
  ASSERT_EQ(item.status, 201u) << item.body;
  EXPECT_EQ(item.Json().at("state").as_string(), "scheduled");
  // Registration, then check-in at the meeting with the organiser's code.
  ASSERT_EQ(As("resident1").Send("POST", path + "/registrations").status, 201u);
  auto code = As("secretary1").Send("GET", path + "/code");
  ASSERT_EQ(code.status, 200u) << code.body;
  auto bad = As("resident1").Send("POST", path + "/check", R"({"code":"00000000"})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "code");
  auto in = As("resident1")
                .Send("POST", path + "/check",
                      R"({"code":")" + std::string(code.Json().at("code").as_string()) + R"("})");
  ASSERT_EQ(in.status, 200u) << in.body;
  // Minutes, then the decision with its follow-up ticket.
  fake_clock_.Advance(30 * core::kMsPerMinute);
  auto minutes =
      As("secretary1").Send("PUT", path + "/minutes", R"({"minutes":"议定更换东门路灯"})");
  ASSERT_EQ(minutes.status, 200u) << minutes.body;
  EXPECT_EQ(minutes.Json().at("attendee_count").as_int64(), 1);
  EXPECT_EQ(minutes.Json().at("state").as_string(), "closed");
  auto d =
      As("secretary1")
          .Send(
              "POST", path + "/decisions",
              R"({"item_id":)" + proposal +
                  R"(,"title":"更换东门路灯","owner":"物业王经理","due_date":"2026-12-20","weight":2})");
  ASSERT_EQ(d.status, 201u) << d.body;
  const int64_t ticket = d.Json().at("ticket_id").as_int64();
  const std::string decision = std::to_string(d.Json().at("id").as_int64());
  auto t = As("secretary1").Send("GET", "/api/v1/tickets/" + std::to_string(ticket));
  ASSERT_EQ(t.status, 200u) << t.body;
  EXPECT_EQ(t.Json().at("kind").as_string(), "follow_up");
  EXPECT_EQ(t.Json().at("channel").as_string(), "meeting");
  // Dispatched to worker1, who resolves it: the decision is done.
  const std::string events = "/api/v1/tickets/" + std::to_string(ticket) + "/events";
  auto dispatch = As("secretary1")
                      .Send("POST", events,
                            R"({"type":"dispatch","assignee":{"kind":"account","id":)" +
                                std::to_string(AccountId("worker1")) + "}}");
  ASSERT_EQ(dispatch.status, 200u) << dispatch.body;
  auto resolve = As("worker1").Send("POST", events, R"({"type":"resolve","note":"路灯已更换"})");
  ASSERT_EQ(resolve.status, 200u) << resolve.body;
  auto done = As("resident1").Send("GET", "/api/v1/deliberation/decisions/" + decision);
  ASSERT_EQ(done.status, 200u) << done.body;
  EXPECT_EQ(done.Json().at("state").as_string(), "done");
  ASSERT_EQ(done.Json().at("timeline").as_array().size(), 2u);
  EXPECT_EQ(done.Json().at("timeline").at(1).at("kind").as_string(), "ticket_resolved");
  auto mine = As("resident1").Send("GET", "/api/v1/deliberation/proposals");
  ASSERT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.Json().at("items").at(0).at("state").as_string(), "done");
  EXPECT_EQ(mine.Json().at("items").at(0).at("progress").as_double(), 1.0);
  auto m = As("resident1").Send("GET", path);
  ASSERT_EQ(m.status, 200u);
  EXPECT_EQ(m.Json().at("progress").as_double(), 1.0);
  EXPECT_TRUE(m.Json().at("checked_in_me").as_bool());
}

TEST_P(DeliberationApiTest, MissingMinutesRemindTheOrganiser) {
  json::array meetings = Series();
  ASSERT_FALSE(meetings.empty());
  // Three days after the first meeting without minutes.
  ASSERT_EQ(app_->deliberation().Sweep(kFirstEnd + 3 * core::kMsPerDay - 1)->reminders, 0);
  ASSERT_EQ(app_->deliberation().Sweep(kFirstEnd + 3 * core::kMsPerDay)->reminders, 1);
  auto r = As("secretary1").Send("GET", "/api/v1/deliberation/reminders");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(r.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(r.Json().at("items").at(0).at("after_days").as_int64(), 3);
  EXPECT_EQ(As("worker1")
                .Send("GET", "/api/v1/deliberation/reminders")
                .Json()
                .at("items")
                .as_array()
                .size(),
            0u);
}

TEST_P(DeliberationApiTest, BadInputNamesTheFieldAndChangesNothing) {
  auto expect = [&](const std::string& route, const std::string& body, const std::string& field) {
    int64_t meetings = Count("delib_meeting");
    auto r = As("secretary1").Send("POST", route, body);
    EXPECT_EQ(r.status, 422u) << body << " " << r.body;
    if (r.status == 422u) {
      EXPECT_EQ(Field(r), field) << body;
    }
    EXPECT_EQ(Count("delib_meeting"), meetings);
  };
  const std::string c = R"({"community_id":)" + Community();
  expect("/api/v1/deliberation/meetings", c + R"(,"title":"议事","starts_at":"tomorrow"})",
         "starts_at");
  expect("/api/v1/deliberation/meetings", c + R"(,"starts_at":"2027-01-04T09:00:00+08:00"})",
         "title");
  expect(
      "/api/v1/deliberation/meetings",
      c + R"(,"title":"联席会","starts_at":"2027-01-04T09:00:00+08:00","parties":[{"kind":"x"}]})",
      "parties[0].kind");
  expect("/api/v1/deliberation/meetings",
         R"({"community_id":)" + std::to_string(w_.street.id) +
             R"(,"title":"议事","starts_at":"2027-01-04T09:00:00+08:00"})",
         "community_id");
  const std::string series = c + R"(,"title":"逢四说事","first_date":"2027-01-01","rule":)";
  expect("/api/v1/deliberation/series",
         series + R"({"kind":"days_of_month","days":[4,40],"time":"09:00"}})", "rule.days");
  expect("/api/v1/deliberation/series",
         series + R"({"kind":"days_of_month","days":[4],"time":"9点"}})", "rule.time");
  expect("/api/v1/deliberation/series", series + R"({"kind":"monthly","time":"09:00"}})",
         "rule.kind");
  expect("/api/v1/deliberation/series",
         series + R"({"kind":"nth_weekday","nth":5,"weekday":1,"time":"09:00"}})", "rule.nth");
  EXPECT_EQ(Count("delib_series"), 0);
  auto p = As("resident1").Send("POST", "/api/v1/deliberation/proposals", R"({"title":""})");
  EXPECT_EQ(p.status, 422u);
  EXPECT_EQ(Field(p), "title");
  EXPECT_EQ(Count("delib_item"), 0);
}

TEST_P(DeliberationApiTest, ScopeAndRights) {
  json::array meetings = Series();
  ASSERT_FALSE(meetings.empty());
  const std::string path = MeetingPath(meetings[0]);
  EXPECT_EQ(As("street1").Send("GET", path).status, 200u);
  EXPECT_EQ(As("resident1").Send("GET", path).status, 200u);
  EXPECT_EQ(As("member1").Send("GET", path).status, 200u);
  EXPECT_EQ(As("grid2").Send("GET", path).status, 404u);
  EXPECT_EQ(As("unit1").Send("GET", path).status, 404u);  // not invited
  EXPECT_EQ(As("resident1").Send("GET", path + "/code").status, 403u);
  EXPECT_EQ(As("resident1").Send("POST", path + "/agenda", R"({"title":"x"})").status, 403u);
  EXPECT_EQ(As("grid2").Send("POST", path + "/registrations").status, 404u);
  EXPECT_EQ(
      As("secretary1").Send("POST", "/api/v1/deliberation/proposals", R"({"title":"x"})").status,
      403u);
  auto list = As("grid2").Send("GET", "/api/v1/deliberation/meetings");
  ASSERT_EQ(list.status, 200u);
  EXPECT_TRUE(list.Json().at("items").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliberationApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
