// 双报到 and volunteer activities over real HTTP, on both backends: a member
// asks to register, the secretary confirms or declines; an activity goes from
// creation to sign-up, check-in and check-out by code, to approved hours and
// the member's record. The clock stands still unless the test moves it.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// 2026-09-19 (a Saturday) 06:00 in Beijing.
const int64_t kStart = core::DaysFromCivil({2026, 9, 19}) * core::kMsPerDay + 6 * core::kMsPerHour -
                       core::kShanghaiOffsetMs;

class DutyApiTest : public ApiTest {
 protected:
  DutyApiTest() { clock_ = &fake_clock_; }

  std::string Id(int64_t id) { return std::to_string(id); }
  std::string Field(const http::ClientResponse& r) {
    return std::string(r.Json().at("error").at("field").as_string());
  }

  core::FakeClock fake_clock_{kStart - 2 * core::kMsPerHour};
};

TEST_P(DutyApiTest, MemberRequestsAndIsConfirmedOrDeclined) {
  auto skill = As("admin").Send("POST", "/api/v1/duty/skills", R"({"name":"水电维修"})");
  ASSERT_EQ(skill.status, 201u) << skill.body;
  const std::string skill_id = Id(skill.Json().at("id").as_int64());
  EXPECT_EQ(As("secretary1").Send("POST", "/api/v1/duty/skills", R"({"name":"理发"})").status,
            403u);

  const std::string good =
      R"("skill_ids":[)" + skill_id +
      R"(],"commitment_text":"本人自愿到居住地社区报到。","commitment_date":"2026-09-18")";
  auto bad =
      As("member1").Send("POST", "/api/v1/duty/registrations",
                         R"({"community_id":)" + Id(w_.community_b.id) + "," + good +
                             R"(,"availability":[{"weekday":6,"start":"06:30","end":"25:00"}]})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "availability[0].end");
  auto already =
      As("member1").Send("POST", "/api/v1/duty/registrations",
                         R"({"community_id":)" + Id(w_.community_a.id) + "," + good + "}");
  EXPECT_EQ(already.status, 409u) << already.body;  // member1 is registered with A
  auto req =
      As("member1").Send("POST", "/api/v1/duty/registrations",
                         R"({"community_id":)" + Id(w_.community_b.id) + "," + good +
                             R"(,"availability":[{"weekday":6,"start":"06:30","end":"08:00"}]})");
  ASSERT_EQ(req.status, 201u) << req.body;
  const std::string req_id = Id(req.Json().at("id").as_int64());
  EXPECT_EQ(req.Json().at("state").as_string(), "requested");

  // Community A's secretary does not decide for B; the admin (over B) confirms.
  EXPECT_EQ(As("secretary1")
                .Send("POST", "/api/v1/duty/registrations/" + req_id + "/confirm", "{}")
                .status,
            403u);
  auto confirmed =
      As("admin").Send("POST", "/api/v1/duty/registrations/" + req_id + "/confirm", "{}");
  ASSERT_EQ(confirmed.status, 200u) << confirmed.body;
  EXPECT_EQ(confirmed.Json().at("state").as_string(), "confirmed");
  auto profile = As("member1").Send("GET", "/api/v1/duty/members/" + Id(w_.member.id) + "/profile");
  ASSERT_EQ(profile.status, 200u);
  EXPECT_EQ(profile.Json().at("community_id").as_int64(), w_.community_b.id);
  EXPECT_EQ(profile.Json().at("availability").as_array()[0].at("start").as_string(), "06:30");

  // A declined request changes nothing.
  auto fresh = Must(app_->party().CreateMember(Must(app_->CallerFor("admin"), "admin"),
                                               domain::NewPartyMember{"新党员",
                                                                      IdNumber(77),
                                                                      std::nullopt,
                                                                      w_.branch_a1.id,
                                                                      std::nullopt,
                                                                      std::nullopt,
                                                                      std::nullopt,
                                                                      {},
                                                                      false}),
                    "member");
  auto asked = As("secretary1")
                   .Send("POST", "/api/v1/duty/registrations",
                         R"({"member_id":)" + Id(fresh.id) + R"(,"community_id":)" +
                             Id(w_.community_a.id) + "," + good + "}");
  ASSERT_EQ(asked.status, 201u) << asked.body;
  const std::string asked_id = Id(asked.Json().at("id").as_int64());
  auto no_reason =
      As("secretary1").Send("POST", "/api/v1/duty/registrations/" + asked_id + "/decline", "{}");
  EXPECT_EQ(no_reason.status, 422u);
  EXPECT_EQ(Field(no_reason), "reason");
  auto declined = As("secretary1")
                      .Send("POST", "/api/v1/duty/registrations/" + asked_id + "/decline",
                            R"({"reason":"不在本社区居住"})");
  ASSERT_EQ(declined.status, 200u) << declined.body;
  EXPECT_EQ(declined.Json().at("state").as_string(), "declined");
  auto untouched = As("admin").Send("GET", "/api/v1/party-members/" + Id(fresh.id));
  EXPECT_TRUE(untouched.Json().at("residence_node_id").is_null()) << untouched.body;

  // The staff PUT still registers directly, through the same workflow.
  auto put = As("secretary1")
                 .Send("PUT", "/api/v1/party-members/" + Id(fresh.id) + "/registration",
                       R"({"community_id":)" + Id(w_.community_a.id) + "}");
  ASSERT_EQ(put.status, 200u) << put.body;
  EXPECT_EQ(put.Json().at("residence_node_id").as_int64(), w_.community_a.id);
  auto listed =
      As("secretary1")
          .Send("GET", "/api/v1/duty/registrations?state=confirmed&member_id=" + Id(fresh.id));
  ASSERT_EQ(listed.status, 200u);
  EXPECT_EQ(listed.Json().at("items").as_array().size(), 1u);

  auto coverage = As("admin").Send("GET", "/api/v1/duty/coverage/communities");
  ASSERT_EQ(coverage.status, 200u);
  const json::value rows = coverage.Json();
  for (const auto& row : rows.at("items").as_array()) {
    if (row.at("community_id").as_int64() == w_.community_a.id) {
      EXPECT_EQ(row.at("registered").as_int64(), 1) << coverage.body;  // fresh (member1 moved)
    }
  }
}

TEST_P(DutyApiTest, ActivityFromCreationToCheckInToApprovedHours) {
  const int64_t starts = kStart + 30 * core::kMsPerMinute;  // Saturday 06:30
  auto body = [&](int64_t from, int64_t to, int capacity) {
    return R"({"node_id":)" + Id(w_.community_a.id) +
           R"(,"title":"周六清扫","category":"环境整治","place":[116.42,39.17],"capacity":)" +
           std::to_string(capacity) + R"(,"starts_at":")" + core::FormatUtc(from) +
           R"(","ends_at":")" + core::FormatUtc(to) + R"("})";
  };
  auto backwards =
      As("secretary1").Send("POST", "/api/v1/duty/activities", body(starts, starts - 1, 5));
  EXPECT_EQ(backwards.status, 422u);
  EXPECT_EQ(Field(backwards), "ends_at");
  auto empty =
      As("secretary1")
          .Send("POST", "/api/v1/duty/activities", body(starts, starts + core::kMsPerHour, 0));
  EXPECT_EQ(empty.status, 422u);
  EXPECT_EQ(Field(empty), "capacity");
  auto created =
      As("secretary1")
          .Send("POST", "/api/v1/duty/activities", body(starts, starts + core::kMsPerHour, 1));
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id = Id(created.Json().at("id").as_int64());

  auto signup = As("member1").Send("POST", "/api/v1/duty/activities/" + id + "/signup", "");
  ASSERT_EQ(signup.status, 201u) << signup.body;
  EXPECT_EQ(signup.Json().at("state").as_string(), "confirmed");
  const std::string signup_id = Id(signup.Json().at("id").as_int64());
  auto seen = As("member1").Send("GET", "/api/v1/duty/activities/" + id);
  EXPECT_EQ(seen.Json().at("seats_taken").as_int64(), 1);

  fake_clock_.Set(starts - 5 * core::kMsPerMinute);
  auto code = As("secretary1").Send("GET", "/api/v1/duty/activities/" + id + "/code?kind=in");
  ASSERT_EQ(code.status, 200u) << code.body;
  const std::string digits(code.Json().at("code").as_string());
  EXPECT_EQ(code.Json().at("qr").as_string(), "cgduty:" + id + ":in:" + digits);
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/duty/activities/" + id + "/code").status, 403u);
  auto forged = As("member1").Send("POST", "/api/v1/duty/activities/" + id + "/check",
                                   R"({"kind":"in","code":"00000000"})");
  if (digits != "00000000") {
    EXPECT_EQ(forged.status, 422u);
    EXPECT_EQ(Field(forged), "code");
  }
  auto in = As("member1").Send("POST", "/api/v1/duty/activities/" + id + "/check",
                               R"({"kind":"in","code":")" + digits + R"("})");
  ASSERT_EQ(in.status, 200u) << in.body;
  EXPECT_FALSE(in.Json().at("checked_in_at").is_null());

  fake_clock_.Set(starts + core::kMsPerHour + core::kMsPerMinute);
  auto out_code = As("secretary1").Send("GET", "/api/v1/duty/activities/" + id + "/code?kind=out");
  auto out = As("member1").Send(
      "POST", "/api/v1/duty/activities/" + id + "/check",
      R"({"kind":"out","code":")" + std::string(out_code.Json().at("code").as_string()) + R"("})");
  ASSERT_EQ(out.status, 200u) << out.body;
  EXPECT_EQ(out.Json().at("minutes").as_int64(), 60);

  // Nobody approves their own hours; the organiser's side does.
  EXPECT_EQ(As("member1").Send("POST", "/api/v1/duty/signups/" + signup_id + "/approve", "").status,
            403u);
  auto approved =
      As("secretary1").Send("POST", "/api/v1/duty/signups/" + signup_id + "/approve", "");
  ASSERT_EQ(approved.status, 200u) << approved.body;
  EXPECT_EQ(approved.Json().at("approved_minutes").as_int64(), 60);
  EXPECT_EQ(
      As("secretary1").Send("POST", "/api/v1/duty/signups/" + signup_id + "/approve", "").status,
      409u);
  // The approval credited the member's passbook once, in its own transaction (the app wires
  // the activities' sink to the time bank): 60 service minutes and 10 member points an hour.
  for (const auto& [currency, expected] :
       {std::pair<std::string, int64_t>{"service_minutes", 60}, {"member_points", 10}}) {
    auto statement =
        As("member1").Send("GET", "/api/v1/timebank/me/statement?currency=" + currency);
    ASSERT_EQ(statement.status, 200u) << statement.body;
    EXPECT_EQ(statement.Json().at("balance").as_int64(), expected) << currency;
    const json::value page = statement.Json();
    ASSERT_EQ(page.at("items").as_array().size(), 1u) << currency;
    EXPECT_EQ(page.at("items").as_array()[0].at("kind").as_string(), "hours") << currency;
  }
  auto mine = As("member1").Send("GET", "/api/v1/duty/signups");
  ASSERT_EQ(mine.status, 200u);
  ASSERT_EQ(mine.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(mine.Json().at("items").as_array()[0].at("approved_minutes").as_int64(), 60);
}

TEST_P(DutyApiTest, WeeklySweepIsMaterialised) {
  auto series = As("secretary1")
                    .Send("POST", "/api/v1/duty/activity-series",
                          R"({"node_id":)" + Id(w_.community_a.id) +
                              R"(,"title":"周六清扫","category":"环境整治","place":[116.42,39.17],)"
                              R"("capacity":30,"rule":{"kind":"weekly","weekday":6,"time":"06:30",)"
                              R"("duration_minutes":90,"first_date":"2026-09-01"}})");
  ASSERT_EQ(series.status, 201u) << series.body;
  const json::value created = series.Json();
  const auto& items = created.at("items").as_array();
  ASSERT_EQ(items.size(), 9u);  // 56 days from Saturday 2026-09-19 04:00: 9 Saturdays
  EXPECT_EQ(items[0].at("starts_at").as_string(), "2026-09-18T22:30:00.000Z");
  auto bad = As("secretary1")
                 .Send("POST", "/api/v1/duty/activity-series",
                       R"({"node_id":)" + Id(w_.community_a.id) +
                           R"(,"title":"主题党日","category":"党员服务","place":[116.42,39.17],)"
                           R"("capacity":30,"rule":{"kind":"monthly","day_of_month":31,)"
                           R"("time":"09:00","duration_minutes":120,"first_date":"2026-09-01"}})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "rule.day_of_month");
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyApiTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
