// Compound governance and the red, yellow and black lists over real HTTP, on
// both backends: a compound linked to its property company, owners' committee
// and buildings; a quarter scored by all four rater groups and published; bad
// input answered 422 naming the field with nothing changed; scope (404 outside,
// 403 inside without the right).
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// 2026-08-15 10:00 in Beijing: inside 2026-Q3.
const int64_t kAugust = core::DaysFromCivil({2026, 8, 15}) * core::kMsPerDay +
                        10 * core::kMsPerHour - core::kShanghaiOffsetMs;

class GovernanceApiTest : public ApiTest {
 protected:
  GovernanceApiTest() { clock_ = &fake_clock_; }

  void SetUp() override {
    ApiTest::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    const domain::Caller admin = Must(app_->CallerFor("admin"), "admin");
    property_ = Must(app_->units().Create(
                         admin, domain::NewUnit{w_.county.id, domain::UnitKind::kPropertyCompany,
                                                "安居物业", std::nullopt, "", ""}),
                     "unit")
                    .id;
    domain::NewAccount a{"wuye1",      "物业管理员", kPassword,    domain::Role::kUnitAdmin,
                         w_.county.id, property_,    std::nullopt, std::nullopt};
    Must(app_->accounts().CreateAccount(&admin, a), "wuye1");
    compound_ =
        Must(app_->tree().Create(
                 &admin, domain::NewOrgNode{w_.community_a.id, domain::OrgKind::kCompound,
                                            w_.community_a.code + "C01", "幸福家园", std::nullopt}),
             "compound")
            .id;
    // One ticket filed on grid A1 in the quarter.
    domain::NewTicket t;
    t.kind = domain::TicketKind::kComplaint;
    t.channel = domain::TicketChannel::kPhone;
    t.contact_name = "王女士";
    t.phone = "13800138000";
    t.category_id = Must(app_->categories().List(), "categories").front().id;
    t.description = "电梯坏了";
    t.node_id = w_.grid_a1.id;
    Must(app_->tickets().Submit(admin, t), "ticket");
  }

  std::string Path() const { return "/api/v1/compounds/" + std::to_string(compound_); }

  // Links the compound as secretary1: property company, committee with
  // resident1 (ra1), building A1.
  void Link() {
    auto r =
        As("secretary1")
            .Send("PUT", Path() + "/governance",
                  R"({"property_unit_id":)" + std::to_string(property_) +
                      R"(,"committee_name":"幸福家园业委会","term_start":"2025-01-01",)"
                      R"("term_end":"2029-12-31","members":[{"name":"张业主","duty":"director",)"
                      R"("resident_id":)" +
                      std::to_string(w_.ra1.id) + "}]}");
    ASSERT_EQ(r.status, 200u) << r.body;
    auto b =
        As("secretary1")
            .Send("PUT", "/api/v1/buildings/" + std::to_string(w_.building_a1.id) + "/governance",
                  R"({"compound_id":)" + std::to_string(compound_) + "}");
    ASSERT_EQ(b.status, 200u) << b.body;
  }

  // The period's criteria of `group`, each at `share` of its maximum.
  static std::string Scores(const json::object& period, const std::string& group, double share) {
    std::string out;
    for (const auto& c : period.at("criteria").at(group).as_array()) {
      const auto& o = c.as_object();
      out += (out.empty() ? "" : ",") + std::string(R"({"criterion_id":)") +
             std::to_string(o.at("id").as_int64()) + R"(,"points":)" +
             std::to_string(
                 static_cast<int64_t>(static_cast<double>(o.at("max_points").as_int64()) * share)) +
             "}";
    }
    return "[" + out + "]";
  }

  http::ClientResponse Score(const std::string& who, const json::object& period,
                             const std::string& group, double share) {
    return As(who).Send(
        "POST",
        "/api/v1/ranking-periods/" + std::to_string(period.at("id").as_int64()) + "/score-sheets",
        R"({"compound_id":)" + std::to_string(compound_) + R"(,"group":")" + group +
            R"(","scores":)" + Scores(period, group, share) + "}");
  }

  static std::string Field(const http::ClientResponse& r) {
    auto v = r.Json();
    return std::string(v.at("error").at("field").as_string());
  }

  core::FakeClock fake_clock_{kAugust};
  int64_t property_ = 0;
  int64_t compound_ = 0;
};

TEST_P(GovernanceApiTest, CompoundLinksReadBackAndBadInputNamesTheField) {
  Link();
  auto g = As("worker1").Send("GET", Path());
  ASSERT_EQ(g.status, 200u) << g.body;
  json::object o = g.Json().as_object();
  EXPECT_EQ(o.at("property_company").at("name").as_string(), "安居物业");
  EXPECT_EQ(o.at("owners_committee").at("members").as_array().size(), 1u);
  EXPECT_EQ(o.at("owners_committee").at("term_end").as_string(), "2029-12-31");
  EXPECT_EQ(o.at("buildings").as_array().size(), 1u);
  EXPECT_FALSE(o.at("editable").as_bool());

  const int64_t audits = Count("audit_log");
  auto bad = As("secretary1").Send("PUT", Path() + "/governance", R"({"property_unit_id":99999})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "property_unit_id");
  auto member = As("secretary1")
                    .Send("PUT", Path() + "/governance", R"({"members":[{"name":"","duty":"x"}]})");
  EXPECT_EQ(member.status, 422u);
  EXPECT_EQ(Field(member), "members[0].name");
  auto steward =
      As("secretary1").Send("PUT", Path() + "/governance", R"({"red_steward_ids":[99999]})");
  EXPECT_EQ(steward.status, 422u);
  EXPECT_EQ(Field(steward), "red_steward_ids[0]");
  EXPECT_EQ(Count("audit_log"), audits);
  // Inside scope without the right: 403; outside: 404.
  EXPECT_EQ(As("worker1").Send("PUT", Path() + "/governance", "{}").status, 403u);
  EXPECT_EQ(As("grid2").Send("GET", Path()).status, 404u);
  EXPECT_EQ(As("unit1").Send("GET", Path()).status, 404u);
  // The property company finds its compound.
  auto mine = As("wuye1").Send("GET", "/api/v1/compounds");
  ASSERT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.Json().at("items").as_array().size(), 1u);
}

TEST_P(GovernanceApiTest, AQuarterScoredByAllFourGroupsIsPublished) {
  Link();
  // Weights must sum to 100: refused by name, nothing created.
  auto bad = As("street1").Send(
      "POST", "/api/v1/ranking-periods",
      R"({"node_id":)" + std::to_string(w_.street.id) +
          R"(,"quarter":"2026-Q3","weights":{"community":40,"owners_committee":30,)"
          R"("property_company":20,"grid_workers":5}})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "weights");
  EXPECT_EQ(Count("ranking_period"), 0);
  auto q = As("street1").Send(
      "POST", "/api/v1/ranking-periods",
      R"({"node_id":)" + std::to_string(w_.street.id) + R"(,"quarter":"2026-Q7"})");
  EXPECT_EQ(q.status, 422u);
  EXPECT_EQ(Field(q), "quarter");
  // A community worker may not create one.
  EXPECT_EQ(
      As("worker1")
          .Send("POST", "/api/v1/ranking-periods",
                R"({"node_id":)" + std::to_string(w_.community_a.id) + R"(,"quarter":"2026-Q3"})")
          .status,
      403u);

  auto created = As("street1").Send(
      "POST", "/api/v1/ranking-periods",
      R"({"node_id":)" + std::to_string(w_.street.id) + R"(,"quarter":"2026-Q3"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  json::object period = created.Json().as_object();
  EXPECT_EQ(period.at("state").as_string(), "open");
  EXPECT_EQ(period.at("weights").at("community").as_int64(), 40);
  EXPECT_EQ(period.at("start").as_string(), "2026-07-01");
  const std::string base = "/api/v1/ranking-periods/" + std::to_string(period.at("id").as_int64());
  // Scoring before the period is moved on: 409.
  EXPECT_EQ(Score("worker1", period, "community", 1.0).status, 409u);
  auto moved = As("street1").Send("POST", base + "/state", R"({"state":"scoring"})");
  ASSERT_EQ(moved.status, 200u) << moved.body;

  // Each group by its own rater.
  EXPECT_EQ(Score("resident1", period, "community", 1.0).status, 403u);
  EXPECT_EQ(Score("unit1", period, "property_company", 1.0).status, 404u);  // not its compound
  EXPECT_EQ(Score("grid2", period, "grid_workers", 1.0).status, 422u);      // not its grid
  auto over = As("worker1").Send(
      "POST", base + "/score-sheets",
      R"({"compound_id":)" + std::to_string(compound_) +
          R"(,"group":"community","scores":[{"criterion_id":)" +
          std::to_string(period.at("criteria").at("community").at(0).at("id").as_int64()) +
          R"(,"points":999}]})");
  EXPECT_EQ(over.status, 422u);
  EXPECT_EQ(Field(over), "scores[0].points");
  EXPECT_EQ(Count("score_sheet"), 0);
  ASSERT_EQ(Score("worker1", period, "community", 1.0).status, 201u);
  ASSERT_EQ(Score("resident1", period, "owners_committee", 0.8).status, 201u);
  ASSERT_EQ(Score("wuye1", period, "property_company", 0.6).status, 201u);
  auto grid = Score("grid1", period, "grid_workers", 0.4);
  ASSERT_EQ(grid.status, 201u) << grid.body;
  EXPECT_DOUBLE_EQ(grid.Json().at("percent").as_double(), 40.0);

  auto live = As("street1").Send("GET", base + "/standings");
  ASSERT_EQ(live.status, 200u) << live.body;
  json::object row = live.Json().at("items").at(0).as_object();
  EXPECT_DOUBLE_EQ(row.at("score").as_double(), 80.0);
  EXPECT_EQ(row.at("standing").as_string(), "yellow");
  EXPECT_EQ(row.at("groups_scored").as_int64(), 4);
  EXPECT_EQ(row.at("tickets").at("received").as_int64(), 1);
  // A list filter needs a published period.
  auto early = As("street1").Send("GET", base + "/standings?list=red");
  EXPECT_EQ(early.status, 422u);
  EXPECT_EQ(Field(early), "list");

  // Only the period's manager publishes; then it is frozen.
  EXPECT_EQ(As("secretary1").Send("POST", base + "/state", R"({"state":"published"})").status,
            403u);
  auto published = As("street1").Send("POST", base + "/state", R"({"state":"published"})");
  ASSERT_EQ(published.status, 200u) << published.body;
  EXPECT_EQ(published.Json().at("state").as_string(), "published");
  EXPECT_EQ(Score("worker1", period, "community", 0.5).status, 409u);
  EXPECT_EQ(As("street1").Send("PATCH", base, R"({"name":"改名"})").status, 409u);
  auto yellow = As("street1").Send("GET", base + "/standings?list=yellow");
  ASSERT_EQ(yellow.status, 200u);
  ASSERT_EQ(yellow.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(
      As("street1").Send("GET", base + "/standings?list=red").Json().at("items").as_array().size(),
      0u);
  // The history and the property company's view of its compound.
  auto history = As("worker1").Send("GET", Path() + "/standings");
  ASSERT_EQ(history.status, 200u);
  ASSERT_EQ(history.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(history.Json().at("items").at(0).at("standing").as_string(), "yellow");
  auto mine =
      As("wuye1").Send("GET", "/api/v1/compounds?property_unit_id=" + std::to_string(property_));
  ASSERT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.Json().at("items").at(0).at("standing").at("standing").as_string(), "yellow");
  auto theirs = As("wuye1").Send("GET", base + "/standings");
  ASSERT_EQ(theirs.status, 200u);
  EXPECT_EQ(theirs.Json().at("items").as_array().size(), 1u);
}

// Issue 10 §1 (小事业主治、大事物业办、难事社区议): the county admin sets a
// category's first route; a resident's ticket through the intake goes first to
// the compound's property company, a grid without a compound to the community;
// the list filters by the route.
TEST_P(GovernanceApiTest, CategoriesRouteNewTicketsFirstToThePropertyCompany) {
  Link();
  const int64_t category = Must(app_->categories().GetByCode("S-DLY-07"), "category").id;
  const std::string path = "/api/v1/categories/" + std::to_string(category);
  auto bad = As("admin").Send("PATCH", path, R"({"first_route":"owners"})");
  EXPECT_EQ(bad.status, 422u) << bad.body;
  EXPECT_EQ(Field(bad), "first_route");
  EXPECT_EQ(As("secretary1").Send("PATCH", path, R"({"first_route":"property"})").status, 403u);
  auto set = As("admin").Send("PATCH", path, R"({"first_route":"property"})");
  ASSERT_EQ(set.status, 200u) << set.body;
  EXPECT_EQ(set.Json().at("first_route").as_string(), "property");
  auto file = [&](const domain::OrgNode& grid) {
    auto r =
        As("resident1")
            .Send("POST", "/api/v1/tickets",
                  R"({"category_id":)" + std::to_string(category) +
                      R"(,"description":"楼道灯坏了","node_id":)" + std::to_string(grid.id) + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().as_object();
  };
  json::object routed = file(w_.grid_a1);
  EXPECT_EQ(routed.at("first_route").as_string(), "property");
  EXPECT_EQ(routed.at("state").as_string(), "assigned");
  EXPECT_EQ(routed.at("assignee").at("kind").as_string(), "unit");
  EXPECT_EQ(routed.at("assignee").at("id").as_int64(), property_);
  json::object fallback = file(w_.grid_a2);  // grid A2 holds no compound
  EXPECT_EQ(fallback.at("first_route").as_string(), "community");
  EXPECT_TRUE(fallback.at("assignee").is_null());
  // The property company works it from its tasks.
  auto tasks = As("wuye1").Send("GET", "/api/v1/tickets?assigned=true");
  ASSERT_EQ(tasks.status, 200u) << tasks.body;
  ASSERT_EQ(tasks.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(tasks.Json().at("items").at(0).at("id"), routed.at("id"));
  // The list filter.
  auto listed = As("secretary1").Send("GET", "/api/v1/tickets?first_route=property");
  ASSERT_EQ(listed.status, 200u) << listed.body;
  ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.Json().at("items").at(0).at("id"), routed.at("id"));
  auto wrong = As("secretary1").Send("GET", "/api/v1/tickets?first_route=x");
  EXPECT_EQ(wrong.status, 422u);
  EXPECT_EQ(Field(wrong), "first_route");
  // null switches first routing off.
  auto off = As("admin").Send("PATCH", path, R"({"first_route":null})");
  ASSERT_EQ(off.status, 200u) << off.body;
  EXPECT_TRUE(off.Json().at("first_route").is_null());
  EXPECT_TRUE(file(w_.grid_a1).at("first_route").is_null());
}

INSTANTIATE_TEST_SUITE_P(Backends, GovernanceApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
