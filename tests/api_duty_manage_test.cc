// Managing 双报到 and activities over real HTTP, on both backends: skills renamed
// and retired, a unit's posts listed and left, functional branches' members,
// cancelled activities and disbanded teams with the members' notices, and the
// quarterly service card with its CSV and XLSX downloads. Scope as everywhere:
// outside the caller's subtree a record does not exist (404); bad input is a
// 4xx naming the field. The clock stands still unless the test moves it.
#include <zlib.h>

#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// 2026-09-19 (a Saturday) 06:00 in Beijing: the third quarter.
const int64_t kStart = core::DaysFromCivil({2026, 9, 19}) * core::kMsPerDay + 6 * core::kMsPerHour -
                       core::kShanghaiOffsetMs;

// The uncompressed bytes of zip entry `name` ("" when absent): enough of the
// zip format to read back what the XLSX writer deflated.
std::string ZipEntry(const std::string& zip, const std::string& name) {
  size_t at = 0;
  while ((at = zip.find("PK\x03\x04", at)) != std::string::npos && at + 30 <= zip.size()) {
    auto u16 = [&](size_t i) {
      return static_cast<size_t>(static_cast<unsigned char>(zip[at + i])) |
             static_cast<size_t>(static_cast<unsigned char>(zip[at + i + 1])) << 8;
    };
    const size_t name_len = u16(26), extra_len = u16(28), method = u16(8);
    const size_t data = at + 30 + name_len + extra_len;
    if (zip.compare(at + 30, name_len, name) != 0 || data > zip.size()) {
      at += 4;
      continue;
    }
    if (method == 0) return zip.substr(data, zip.find("PK", data) - data);
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return "";
    std::string out(1 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + data));
    z.avail_in = static_cast<uInt>(zip.size() - data);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    return out;
  }
  return "";
}

class DutyManageApiTest : public ApiTest {
 protected:
  DutyManageApiTest() {
    clock_ = &fake_clock_;
    second_street_ = true;
  }

  static std::string Id(int64_t id) { return std::to_string(id); }
  static std::string Field(const http::ClientResponse& r) {
    return std::string(r.Json().at("error").at("field").as_string());
  }
  domain::Caller CallerOf(const std::string& user) { return Must(app_->CallerFor(user), user); }

  // An activity of community A (of `team` when given) starting at `starts`, made by secretary1.
  int64_t Activity(int64_t starts, std::optional<int64_t> team = std::nullopt) {
    domain::NewActivity a;
    a.node_id = w_.community_a.id;
    a.team_id = team;
    a.title = "周六清扫";
    a.category = "环境整治";
    a.place = GridCenter(0);
    a.starts_at = starts;
    a.ends_at = starts + 90 * core::kMsPerMinute;
    a.signup_opens_at = fake_clock_.NowMs();
    a.capacity = 5;
    return Must(app_->activities().Create(CallerOf("secretary1"), a), "activity").id;
  }

  // member1 serves 90 minutes at an activity starting at `starts`, approved by secretary1.
  void Serve(int64_t starts) {
    const int64_t id = Activity(starts);
    const domain::Caller member = CallerOf("member1"), secretary = CallerOf("secretary1");
    Must(app_->activities().SignUp(member, id), "sign up");
    fake_clock_.Set(starts);
    auto in = Must(app_->activities().IssueCode(secretary, id, domain::CodeKind::kCheckIn), "in");
    Must(app_->activities().Check(member, id, domain::CodeKind::kCheckIn, in.code, {}), "check in");
    fake_clock_.Set(starts + 90 * core::kMsPerMinute);
    auto out =
        Must(app_->activities().IssueCode(secretary, id, domain::CodeKind::kCheckOut), "out");
    auto signup = Must(
        app_->activities().Check(member, id, domain::CodeKind::kCheckOut, out.code, {}), "out");
    Must(app_->activities().ApproveHours(secretary, signup.id, std::nullopt), "approve");
  }

  core::FakeClock fake_clock_{kStart - 2 * core::kMsPerHour};
};

TEST_P(DutyManageApiTest, SkillsAreRenamedAndRetiredButKeptByTheirHolders) {
  auto skill = As("admin").Send("POST", "/api/v1/duty/skills", R"({"name":"水电维修"})");
  ASSERT_EQ(skill.status, 201u) << skill.body;
  const std::string id = Id(skill.Json().at("id").as_int64());
  const std::string member1 = "/api/v1/duty/members/" + Id(w_.member.id) + "/profile";
  const std::string with_skill = R"({"skill_ids":[)" + id + "]}";
  ASSERT_EQ(As("member1").Send("PUT", member1, with_skill).status, 200u);

  const std::string target = "/api/v1/duty/skills/" + id;
  EXPECT_EQ(As("secretary1").Send("PATCH", target, R"({"retired":true})").status, 403u);
  auto empty = As("admin").Send("PATCH", target, "{}");
  EXPECT_EQ(empty.status, 422u);
  EXPECT_EQ(Field(empty), "name");
  auto wrong = As("admin").Send("PATCH", target, R"({"retired":"yes"})");
  EXPECT_EQ(wrong.status, 422u);
  EXPECT_EQ(Field(wrong), "retired");
  EXPECT_EQ(As("admin").Send("PATCH", "/api/v1/duty/skills/999999", R"({"retired":true})").status,
            404u);

  auto renamed = As("admin").Send("PATCH", target, R"({"name":"水电维修（持证）"})");
  ASSERT_EQ(renamed.status, 200u) << renamed.body;
  EXPECT_EQ(renamed.Json().at("name").as_string(), "水电维修（持证）");
  EXPECT_FALSE(renamed.Json().at("retired").as_bool());
  auto retired = As("admin").Send("PATCH", target, R"({"retired":true})");
  ASSERT_EQ(retired.status, 200u) << retired.body;
  EXPECT_TRUE(retired.Json().at("retired").as_bool());
  EXPECT_EQ(retired.Json().at("name").as_string(), "水电维修（持证）");

  // Kept by its holder, offered to nobody new.
  auto kept = As("member1").Send("PUT", member1, with_skill);
  ASSERT_EQ(kept.status, 200u) << kept.body;
  EXPECT_EQ(kept.Json().at("skill_ids").as_array().size(), 1u);
  auto refused = As("member2").Send(
      "PUT", "/api/v1/duty/members/" + Id(w_.outside.member.id) + "/profile", with_skill);
  EXPECT_EQ(refused.status, 422u) << refused.body;
  EXPECT_EQ(Field(refused), "skill_ids");
  auto listed = As("member1").Send("GET", "/api/v1/duty/skills");
  ASSERT_EQ(listed.status, 200u);
  bool shown_retired = false;
  const json::value skills = listed.Json();
  for (const auto& item : skills.at("items").as_array()) {
    if (Id(item.at("id").as_int64()) == id) shown_retired = item.at("retired").as_bool();
  }
  EXPECT_TRUE(shown_retired) << listed.body;
}

TEST_P(DutyManageApiTest, AUnitsPostsAreListedInScopeAndLeft) {
  auto reg = As("unit1").Send(
      "POST", "/api/v1/duty/unit-registrations",
      R"({"unit_id":)" + Id(w_.unit.id) + R"(,"community_id":)" + Id(w_.community_a.id) + "}");
  ASSERT_EQ(reg.status, 201u) << reg.body;
  const std::string posts =
      "/api/v1/duty/unit-registrations/" + Id(reg.Json().at("id").as_int64()) + "/posts";
  // No posts yet: the registration is still only there for those who may see it.
  auto none = As("unit1").Send("GET", posts);
  ASSERT_EQ(none.status, 200u) << none.body;
  EXPECT_TRUE(none.Json().at("items").as_array().empty());
  for (const char* outsider : {"secretary2", "unit2", "member2", "grid2"}) {
    EXPECT_EQ(As(outsider).Send("GET", posts).status, 404u) << outsider;
  }
  EXPECT_EQ(As("unit1").Send("GET", "/api/v1/duty/unit-registrations/999999/posts").status, 404u);

  auto skill = As("admin").Send("POST", "/api/v1/duty/skills", R"({"name":"楼道维修"})");
  auto post = As("unit1").Send("POST", posts,
                               R"({"title":"楼道维修","headcount":1,"skill_id":)" +
                                   Id(skill.Json().at("id").as_int64()) + "}");
  ASSERT_EQ(post.status, 201u) << post.body;
  const std::string members =
      "/api/v1/duty/posts/" + Id(post.Json().at("id").as_int64()) + "/members";
  ASSERT_EQ(As("member1").Send("POST", members, "{}").status, 200u);
  for (const char* reader : {"member1", "unit1", "secretary1"}) {
    auto seen = As(reader).Send("GET", posts);
    ASSERT_EQ(seen.status, 200u) << reader << seen.body;
    EXPECT_EQ(seen.Json().at("items").as_array()[0].at("member_ids").as_array().size(), 1u);
  }
  EXPECT_EQ(As("secretary2").Send("GET", posts).status, 404u);

  const std::string leave = members + "/" + Id(w_.member.id);
  EXPECT_EQ(As("unit2").Send("DELETE", leave).status, 404u);
  EXPECT_EQ(As("secretary1").Send("DELETE", leave).status, 403u);  // sees it, is not the unit
  auto not_in = As("unit1").Send("DELETE", members + "/" + Id(w_.outside.member.id));
  EXPECT_EQ(not_in.status, 422u);
  EXPECT_EQ(Field(not_in), "member_id");
  auto left = As("member1").Send("DELETE", leave);
  ASSERT_EQ(left.status, 200u) << left.body;
  EXPECT_TRUE(left.Json().at("member_ids").as_array().empty());
  EXPECT_EQ(As("member1").Send("DELETE", leave).status, 422u);
  // The seat is free again (headcount 1).
  EXPECT_EQ(As("unit1").Send("POST", members, R"({"member_id":)" + Id(w_.member.id) + "}").status,
            200u);
}

TEST_P(DutyManageApiTest, FunctionalBranchMembersAreListedAndRemoved) {
  auto branch =
      Must(app_->party().CreateOrg(
               CallerOf("admin"),
               domain::NewPartyOrg{w_.community_a.id, std::nullopt,
                                   domain::PartyOrgKind::kFunctionalBranch, "在职党员支部"}),
           "functional branch");
  const std::string target = "/api/v1/duty/branches/" + Id(branch.id) + "/members";
  auto added = As("secretary1").Send("POST", target, R"({"member_id":)" + Id(w_.member.id) + "}");
  ASSERT_EQ(added.status, 200u) << added.body;

  auto listed = As("worker1").Send("GET", target);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  const json::value body = listed.Json();
  ASSERT_EQ(body.at("items").as_array().size(), 1u);
  const json::value& m = body.at("items").as_array()[0];
  EXPECT_EQ(m.at("member_id").as_int64(), w_.member.id);
  EXPECT_EQ(m.at("name").as_string(), "党员四");
  EXPECT_EQ(m.at("home_party_org_id").as_int64(), w_.branch_a1.id);  // keeps their own branch
  EXPECT_EQ(body.at("member_ids").as_array()[0].as_int64(), w_.member.id);
  EXPECT_EQ(As("secretary2").Send("GET", target).status, 404u);
  EXPECT_EQ(As("member1").Send("GET", target).status, 403u);
  EXPECT_EQ(As("admin").Send("GET", "/api/v1/duty/branches/999999/members").status, 404u);

  const std::string remove = target + "/" + Id(w_.member.id);
  EXPECT_EQ(As("secretary2").Send("DELETE", remove).status, 404u);
  EXPECT_EQ(As("member1").Send("DELETE", remove).status, 403u);
  auto removed = As("secretary1").Send("DELETE", remove);
  ASSERT_EQ(removed.status, 200u) << removed.body;
  EXPECT_TRUE(removed.Json().at("items").as_array().empty());
  EXPECT_EQ(As("secretary1").Send("DELETE", remove).status, 404u);
  auto bad = As("secretary1").Send("DELETE", target + "/abc");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "member_id");
  auto own = As("admin").Send("GET", "/api/v1/party-members/" + Id(w_.member.id));
  EXPECT_EQ(own.Json().at("party_org_id").as_int64(), w_.branch_a1.id);
}

TEST_P(DutyManageApiTest, ACancelledActivityNotifiesItsMembers) {
  const int64_t id = Activity(kStart + core::kMsPerDay);
  Must(app_->activities().SignUp(CallerOf("member1"), id), "sign up");
  auto quiet = As("member1").Send("GET", "/api/v1/duty/notices");
  ASSERT_EQ(quiet.status, 200u) << quiet.body;
  EXPECT_TRUE(quiet.Json().at("items").as_array().empty());
  EXPECT_EQ(As("secretary1").Send("GET", "/api/v1/duty/notices").status, 403u);

  const std::string cancel = "/api/v1/duty/activities/" + Id(id) + "/cancel";
  EXPECT_EQ(As("member1").Send("POST", cancel).status, 403u);
  EXPECT_EQ(As("secretary2").Send("POST", cancel).status, 404u);
  auto cancelled = As("secretary1").Send("POST", cancel);
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_TRUE(cancelled.Json().at("cancelled").as_bool());
  auto again = As("secretary1").Send("POST", cancel);
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(Field(again), "state");

  auto notices = As("member1").Send("GET", "/api/v1/duty/notices?limit=1");
  ASSERT_EQ(notices.status, 200u);
  const json::value page = notices.Json();
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  const json::value& n = page.at("items").as_array()[0];
  EXPECT_EQ(n.at("kind").as_string(), "activity_cancelled");
  EXPECT_EQ(n.at("activity_id").as_int64(), id);
  EXPECT_NE(std::string(n.at("text").as_string()).find("周六清扫"), std::string::npos);
  auto rest = As("member1").Send(
      "GET", "/api/v1/duty/notices?after=" + Id(page.at("next_after").as_int64()));
  EXPECT_TRUE(rest.Json().at("items").as_array().empty());
  EXPECT_TRUE(
      As("member2").Send("GET", "/api/v1/duty/notices").Json().at("items").as_array().empty());

  // Once started, an activity is no longer cancelled.
  const int64_t started = Activity(kStart);
  fake_clock_.Set(kStart + core::kMsPerMinute);
  auto late = As("secretary1").Send("POST", "/api/v1/duty/activities/" + Id(started) + "/cancel");
  EXPECT_EQ(late.status, 409u);
  EXPECT_EQ(Field(late), "state");
}

TEST_P(DutyManageApiTest, DisbandingATeamCancelsItsUpcomingActivities) {
  auto team = As("secretary1")
                  .Send("POST", "/api/v1/duty/teams",
                        R"({"community_id":)" + Id(w_.community_a.id) + R"(,"name":"清扫服务队"})");
  ASSERT_EQ(team.status, 201u) << team.body;
  const std::string base = "/api/v1/duty/teams/" + Id(team.Json().at("id").as_int64());
  const std::string join = R"({"member_id":)" + Id(w_.member.id) + "}";
  ASSERT_EQ(As("secretary1").Send("POST", base + "/members", join).status, 200u);

  const std::string remove = base + "/members/" + Id(w_.member.id);
  EXPECT_EQ(As("secretary2").Send("DELETE", remove).status, 404u);
  auto removed = As("secretary1").Send("DELETE", remove);
  ASSERT_EQ(removed.status, 200u) << removed.body;
  EXPECT_TRUE(removed.Json().at("members").as_array().empty());
  auto gone = As("secretary1").Send("DELETE", remove);
  EXPECT_EQ(gone.status, 422u);
  EXPECT_EQ(Field(gone), "member_id");

  // member1 leads the team again and signs up for its activity.
  ASSERT_EQ(As("secretary1")
                .Send("POST", base + "/members",
                      R"({"member_id":)" + Id(w_.member.id) + R"(,"leader":true})")
                .status,
            200u);
  const int64_t activity = Activity(kStart + core::kMsPerDay, team.Json().at("id").as_int64());
  Must(app_->activities().SignUp(CallerOf("member1"), activity), "sign up");
  EXPECT_EQ(As("member1").Send("POST", base + "/disband").status, 403u);  // leaders do not
  EXPECT_EQ(As("secretary2").Send("POST", base + "/disband").status, 404u);
  auto disbanded = As("secretary1").Send("POST", base + "/disband");
  ASSERT_EQ(disbanded.status, 200u) << disbanded.body;
  auto again = As("secretary1").Send("POST", base + "/disband");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(Field(again), "state");

  auto a = As("secretary1").Send("GET", "/api/v1/duty/activities/" + Id(activity));
  EXPECT_TRUE(a.Json().at("cancelled").as_bool()) << a.body;
  auto notices = As("member1").Send("GET", "/api/v1/duty/notices");
  ASSERT_EQ(notices.Json().at("items").as_array().size(), 1u) << notices.body;
  EXPECT_EQ(notices.Json().at("items").as_array()[0].at("activity_id").as_int64(), activity);
}

TEST_P(DutyManageApiTest, AUnitDownloadsItsMembersQuarterlyServiceCards) {
  Serve(kStart + 30 * core::kMsPerMinute);
  auto mine = As("member1").Send("GET", "/api/v1/duty/service-cards?quarter=2026Q3");
  ASSERT_EQ(mine.status, 200u) << mine.body;
  EXPECT_EQ(mine.Json().at("quarter").as_string(), "2026Q3");
  ASSERT_EQ(mine.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(mine.Json().at("items").as_array()[0].at("minutes").as_int64(), 90);
  EXPECT_EQ(mine.Json().at("items").as_array()[0].at("activities").as_int64(), 1);
  auto autumn = As("member1").Send("GET", "/api/v1/duty/service-cards?quarter=2026Q4");
  EXPECT_EQ(autumn.Json().at("items").as_array()[0].at("minutes").as_int64(), 0);

  // A second in-service member of the unit, without service.
  auto other =
      Must(app_->party().CreateMember(CallerOf("admin"), domain::NewPartyMember{"党员八",
                                                                                IdNumber(88),
                                                                                std::nullopt,
                                                                                w_.branch_a1.id,
                                                                                w_.unit.id,
                                                                                std::nullopt,
                                                                                std::nullopt,
                                                                                {},
                                                                                false}),
           "member");
  const std::string unit = "?quarter=2026Q3&unit_id=" + Id(w_.unit.id);
  auto cards = As("unit1").Send("GET", "/api/v1/duty/service-cards?quarter=2026Q3&limit=1");
  ASSERT_EQ(cards.status, 200u) << cards.body;  // a unit admin's own unit by default
  ASSERT_EQ(cards.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(cards.Json().at("items").as_array()[0].at("member_id").as_int64(), w_.member.id);
  auto next = As("unit1").Send("GET", "/api/v1/duty/service-cards" + unit +
                                          "&after=" + Id(cards.Json().at("next_after").as_int64()));
  ASSERT_EQ(next.status, 200u) << next.body;
  ASSERT_EQ(next.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(next.Json().at("items").as_array()[0].at("member_id").as_int64(), other.id);
  EXPECT_EQ(next.Json().at("items").as_array()[0].at("minutes").as_int64(), 0);
  EXPECT_EQ(As("secretary1").Send("GET", "/api/v1/duty/service-cards" + unit).status, 200u);
  for (const char* outsider : {"unit2", "secretary2"}) {
    EXPECT_EQ(As(outsider).Send("GET", "/api/v1/duty/service-cards" + unit).status, 404u);
    EXPECT_EQ(As(outsider).Send("GET", "/api/v1/exports/service-cards.csv" + unit).status, 404u);
  }
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/duty/service-cards" + unit).status, 403u);
  EXPECT_EQ(
      As("member2").Send("GET", "/api/v1/duty/service-cards?member_id=" + Id(w_.member.id)).status,
      404u);
  for (const char* bad : {"2026Q5", "26Q3", "2026-3"}) {
    auto r = As("unit1").Send("GET", std::string("/api/v1/duty/service-cards?quarter=") + bad);
    EXPECT_EQ(r.status, 422u) << bad;
    EXPECT_EQ(Field(r), "quarter");
  }
  auto no_unit = As("admin").Send("GET", "/api/v1/exports/service-cards.csv?quarter=2026Q3");
  EXPECT_EQ(no_unit.status, 422u);
  EXPECT_EQ(Field(no_unit), "unit_id");

  auto csv = As("unit1").Send("GET", "/api/v1/exports/service-cards.csv?quarter=2026Q3");
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_NE(csv.Header("Content-Type").find("text/csv"), std::string::npos);
  EXPECT_NE(csv.Header("Content-Disposition").find("2026Q3.csv"), std::string::npos);
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.body.find("党员编号,姓名"), std::string::npos);
  EXPECT_NE(csv.body.find(Id(w_.member.id) + ",党员四,县住建局,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",1,0,90,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",党员八,"), std::string::npos);

  auto xlsx = As("unit1").Send("GET", "/api/v1/exports/service-cards.xlsx?quarter=2026Q3");
  ASSERT_EQ(xlsx.status, 200u);
  EXPECT_NE(xlsx.Header("Content-Type").find("spreadsheetml"), std::string::npos);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  const std::string strings = ZipEntry(xlsx.body, "xl/sharedStrings.xml");
  EXPECT_NE(strings.find("党员四"), std::string::npos) << strings;
  EXPECT_NE(strings.find("党员八"), std::string::npos);
  const std::string sheet = ZipEntry(xlsx.body, "xl/worksheets/sheet1.xml");
  EXPECT_NE(sheet.find("<v>90</v>"), std::string::npos) << sheet;  // minutes, as a number
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyManageApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
