// Party life over real HTTP, on both backends: a secretary records a meeting
// (an absentee without a reason is refused by field), rules out of order are
// refused by field and change nothing, six months later the member who was
// absent is red with that reason on their phone, a frail member is not, the
// secretary sees and acknowledges the raised warning, the cadence report, and
// scope.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// 2026-03-10 10:00 in Beijing; the clock moves only when the test moves it.
const int64_t kStart = core::DaysFromCivil({2026, 3, 10}) * core::kMsPerDay +
                       10 * core::kMsPerHour - core::kShanghaiOffsetMs;

class PartyLifeApiTest : public ApiTest {
 protected:
  PartyLifeApiTest() { clock_ = &fake_clock_; }

  std::string Today() const { return core::FormatDate(core::ShanghaiDate(fake_clock_.NowMs())); }
  std::string Id(int64_t id) const { return std::to_string(id); }

  http::ClientResponse Meeting(const std::string& kind, const std::string& attendees,
                               const std::string& absentees) {
    return As("secretary1")
        .Send("POST", "/api/v1/party-life/meetings",
              R"({"party_org_id":)" + Id(w_.branch_a1.id) + R"(,"kind":")" + kind +
                  R"(","held_on":")" + Today() +
                  R"(","title":"主题党日","minutes":"学习","attendee_ids":)" + attendees +
                  R"(,"absentees":)" + absentees + "}");
  }

  core::FakeClock fake_clock_{kStart};
};

TEST_P(PartyLifeApiTest, AbsentSixMonthsIsRedOnThePhoneAndFrailIsNot) {
  domain::Caller admin = Must(app_->CallerFor("admin"), "admin");
  const int64_t frail =
      Must(app_->party().CreateMember(admin, domain::NewPartyMember{"王奶奶",
                                                                    IdNumber(801),
                                                                    std::nullopt,
                                                                    w_.branch_a1.id,
                                                                    std::nullopt,
                                                                    std::nullopt,
                                                                    std::nullopt,
                                                                    {},
                                                                    false}),
           "member")
          .id;
  const std::string member = Id(w_.member.id);
  // An absentee needs a reason; nothing is stored without one.
  auto r = Meeting("theme_day", "[" + Id(frail) + "]", R"([{"member_id":)" + member + "}]");
  ASSERT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "absentees[0].reason");
  EXPECT_EQ(Count("party_meeting"), 0);
  r = Meeting("theme_day", "[" + member + "," + Id(frail) + "]", "[]");
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t meeting = r.Json().at("id").as_int64();
  r = As("secretary1")
          .Send("PUT", "/api/v1/party-life/members/" + Id(frail) + "/category",
                R"({"category":"frail"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  for (int m = 3; m <= 8; ++m) {
    for (int64_t id : {w_.member.id, frail}) {
      r = As("secretary1")
              .Send("POST", "/api/v1/party-life/members/" + Id(id) + "/dues",
                    R"({"month":"2026-0)" + std::to_string(m) + R"(","amount_cents":500})");
      ASSERT_EQ(r.status, 201u) << r.body;
    }
  }
  // Rules out of order: 422 naming the field, nothing changed.
  r = As("secretary1")
          .Send("PUT", "/api/v1/party-life/rules", R"({"absence_yellow":5,"absence_orange":4})");
  ASSERT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "absence_orange");
  EXPECT_EQ(Count("party_warning_rules"), 0);

  // Six months later (September): the absent member turns red.
  fake_clock_.Set(kStart + 184 * core::kMsPerDay);
  clients_.clear();
  r = As("secretary1").Send("POST", "/api/v1/party-life/evaluate", "{}");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("month").as_string(), "2026-09");
  r = As("member1").Send("GET", "/api/v1/party-life/my-warning");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object mine = r.Json().as_object();
  EXPECT_EQ(mine.at("level").as_string(), "red");
  const json::object& reason = mine.at("reasons").as_array()[0].as_object();
  EXPECT_EQ(reason.at("rule").as_string(), "absence");
  EXPECT_NE(std::string(reason.at("text").as_string()).find("6 个月未参加组织生活"),
            std::string::npos);

  // The frail member is exempt from the attendance rule.
  r = As("secretary1").Send("GET", "/api/v1/party-life/warnings?min_level=orange");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::array items = r.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("member_id").as_int64(), w_.member.id);

  // The secretary is told, and acknowledges.
  r = As("secretary1").Send("GET", "/api/v1/party-life/warnings?unacknowledged=true");
  ASSERT_EQ(r.Json().at("items").as_array().size(), 1u) << r.body;
  r = As("secretary1").Send("POST", "/api/v1/party-life/warnings/" + member + "/acknowledge", "{}");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = As("secretary1").Send("GET", "/api/v1/party-life/warnings?unacknowledged=true");
  EXPECT_TRUE(r.Json().at("items").as_array().empty()) << r.body;

  // The cadence report, and scope: community B sees neither the meeting nor the warnings.
  r = As("secretary1").Send("GET", "/api/v1/party-life/cadence?from=2026-03&to=2026-08");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_GT(r.Json().at("branches").as_array()[0].at("missing").as_int64(), 0);
  EXPECT_EQ(As("grid2").Send("GET", "/api/v1/party-life/meetings/" + Id(meeting)).status, 404u);
  r = As("grid2").Send("GET", "/api/v1/party-life/warnings");
  EXPECT_TRUE(r.Json().at("items").as_array().empty()) << r.body;
  EXPECT_EQ(As("resident1").Send("GET", "/api/v1/party-life/my-warning").status, 404u);
}

INSTANTIATE_TEST_SUITE_P(Backends, PartyLifeApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
