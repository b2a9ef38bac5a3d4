// 民情台账 over real HTTP, on both backends: a grid worker's visit that files
// a ticket (一呼联动) once under its Idempotency-Key, the secretary seeing the
// ticket and the coverage move, the plan and the households not seen longest,
// a note revealed with an audit entry, bad input refused naming the field.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class VisitsApiTest : public ApiTest {
 protected:
  int64_t Rows(const std::string& sql) {
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(conn->QueryInt(sql), sql);
  }
  int64_t Category() {
    auto r = As("grid1").Send("GET", "/api/v1/categories");
    EXPECT_EQ(r.status, 200u);
    const json::value body = r.Json();
    for (const auto& c : body.at("items").as_array()) {
      if (c.at("group").as_string() != "aspiration") return c.at("id").as_int64();
    }
    return 0;
  }
  json::object Coverage() {
    auto r = As("secretary1").Send("GET", "/api/v1/visits/coverage");
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.Json().as_object();
  }
  static int64_t SeenWeek(const json::object& cov, int64_t grid) {
    for (const auto& g : cov.at("grids").as_array()) {
      if (g.at("id").as_int64() == grid) return g.at("seen_week").as_int64();
    }
    return -1;
  }
};

TEST_P(VisitsApiTest, AVisitFilesOneTicketThatTheSecretarySeesAndCoverageMoves) {
  const int64_t household = *w_.ra1.household_id;
  // The plan of grid 1 lists the household, never visited.
  auto plan = As("grid1").Send("GET", "/api/v1/visits/plan");
  ASSERT_EQ(plan.status, 200u) << plan.body;
  bool listed = false;
  const json::value due = plan.Json();
  for (const auto& i : due.at("items").as_array()) {
    listed |= i.at("household_id").as_int64() == household;
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(SeenWeek(Coverage(), w_.grid_a1.id), 0);

  const std::string body = R"({"household_id":)" + std::to_string(household) +
                           R"(,"needs":["repair"],"risks":["fall"],"flags":["elder_alone"],)"
                           R"("note":"王大爷一人在家，卫生间地面湿滑","ticket":{"category_id":)" +
                           std::to_string(Category()) + R"(,"description":"卫生间漏水，需维修"}})";
  auto first = As("grid1").Send("POST", "/api/v1/visits", body, {{"Idempotency-Key", "v-1"}});
  ASSERT_EQ(first.status, 201u) << first.body;
  json::object visit = first.Json().as_object();
  EXPECT_EQ(visit.at("flags").as_array().size(), 1u);
  EXPECT_EQ(visit.at("note_chars").as_int64(), 15);
  EXPECT_EQ(first.body.find("湿滑"), std::string::npos);  // the note is not in the answer
  ASSERT_TRUE(visit.at("ticket_id").is_int64());
  // The phone retries (the answer was lost): the same visit, no second ticket.
  auto again = As("grid1").Send("POST", "/api/v1/visits", body, {{"Idempotency-Key", "v-1"}});
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Json().at("id"), visit.at("id"));
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM visit"), 1);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM ticket"), 1);

  // The secretary sees the ticket, the visit in the household's history and the coverage move.
  const std::string ticket = std::to_string(visit.at("ticket_id").as_int64());
  EXPECT_EQ(As("secretary1").Send("GET", "/api/v1/tickets/" + ticket).status, 200u);
  auto history =
      As("secretary1").Send("GET", "/api/v1/visits?household_id=" + std::to_string(household));
  ASSERT_EQ(history.status, 200u);
  EXPECT_EQ(history.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(SeenWeek(Coverage(), w_.grid_a1.id), 1);
  // Grid B1's worker does not see it.
  const std::string id = std::to_string(visit.at("id").as_int64());
  EXPECT_EQ(As("grid2").Send("GET", "/api/v1/visits/" + id).status, 404u);

  // The note, revealed with an audit entry.
  const int64_t audits = Rows("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'");
  auto note =
      As("secretary1").Send("GET", "/api/v1/visits/" + id + "/note?reason=%E5%9B%9E%E8%AE%BF");
  ASSERT_EQ(note.status, 200u) << note.body;
  EXPECT_EQ(note.Json().at("note").as_string(), "王大爷一人在家，卫生间地面湿滑");
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'"), audits + 1);

  // The households not seen longest: the visited one comes last.
  auto stale = As("grid1").Send("GET", "/api/v1/visits/households");
  ASSERT_EQ(stale.status, 200u) << stale.body;
  auto items = stale.Json().at("items").as_array();
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.back().at("household_id").as_int64(), household);
}

TEST_P(VisitsApiTest, BadInputIsRefusedNamingTheField) {
  const std::string h = std::to_string(*w_.ra1.household_id);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({})", "household_id"},
      {R"({"household_id":)" + h + R"(,"outcome":"perhaps"})", "outcome"},
      {R"({"household_id":)" + h + R"(,"needs":["care",3]})", "needs[1]"},
      {R"({"household_id":)" + h + R"(,"flags":["rich"]})", "flags[0]"},
      {R"({"household_id":)" + h + R"(,"ticket":{"description":"x"}})", "ticket.category_id"},
      {R"({"household_id":)" + std::to_string(*w_.rb1.household_id) + "}", "household_id"},
  };
  for (const auto& [body, field] : cases) {
    auto r = As("grid1").Send("POST", "/api/v1/visits", body);
    EXPECT_EQ(r.status, 422u) << body << " " << r.body;
    EXPECT_EQ(r.Json().at("error").at("field").as_string(), field) << body;
  }
  EXPECT_EQ(As("grid1").Send("GET", "/api/v1/visits/households?cursor=x").status, 422u);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM visit"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, VisitsApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
