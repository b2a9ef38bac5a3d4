// What a submission reads comes from memory (categories, nodes, county codes,
// names: domain/tickets/expiring_cache.h); a change made through the API is
// seen by the very next submission.
#include <boost/json.hpp>

#include <cstdio>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

class TicketCachesTest : public ApiTest {
 protected:
  int64_t Category(const std::string& code) {
    return Must(app_->categories().GetByCode(code), code).id;
  }

  // A report by resident1 at the centre of grid i in category `category`.
  http::ClientResponse Report(int64_t category, int grid = 0) {
    char location[96];
    std::snprintf(location, sizeof location, "[%.6f,%.6f]", GridCenter(grid).lon,
                  GridCenter(grid).lat);
    return As("resident1")
        .Send("POST", "/api/v1/tickets",
              R"({"category_id":)" + std::to_string(category) +
                  R"(,"description":"楼道灯坏了","location":)" + location + "}");
  }

  // A stored column of ticket `id` / node `id`, read past the app's caches.
  std::string Path(const std::string& table, int64_t id) {
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(conn->QueryOne("SELECT path FROM " + table + " WHERE id = $1", {id}), "path")
        .Text(0);
  }
};

TEST_P(TicketCachesTest, AMovedGridFilesTheNextTicketUnderItsNewPath) {
  auto first = Report(Category("E01.01"));
  ASSERT_EQ(first.status, 201u) << first.body;
  ASSERT_EQ(Path("ticket", first.Json().at("id").as_int64()), Path("org_node", w_.grid_a1.id));
  auto moved = As("admin").Send("PATCH", "/api/v1/org-nodes/" + std::to_string(w_.grid_a1.id),
                                R"({"parent_id":)" + std::to_string(w_.community_b.id) + "}");
  ASSERT_EQ(moved.status, 200u) << moved.body;
  auto next = Report(Category("E01.01"));
  ASSERT_EQ(next.status, 201u) << next.body;
  EXPECT_EQ(next.Json().at("node_id").as_int64(), w_.grid_a1.id);
  const std::string new_path = Path("org_node", w_.grid_a1.id);
  EXPECT_EQ(new_path.rfind(Path("org_node", w_.community_b.id), 0), 0u) << new_path;
  EXPECT_EQ(Path("ticket", next.Json().at("id").as_int64()), new_path)
      << "the ticket was filed under the grid's path from before the move";
}

TEST_P(TicketCachesTest, AnEditedCategoryRulesTheNextTicket) {
  const int64_t category = Category("E01.01");
  auto first = Report(category);
  ASSERT_EQ(first.status, 201u) << first.body;
  const std::string path = "/api/v1/categories/" + std::to_string(category);
  auto edited = As("admin").Send("PATCH", path, R"({"resolve_minutes":2880})");
  ASSERT_EQ(edited.status, 200u) << edited.body;
  auto next = Report(category);
  ASSERT_EQ(next.status, 201u) << next.body;
  const boost::json::object t = next.Json().as_object();
  const int64_t created = core::ParseTimestamp(t.at("created_at").as_string(), "").value();
  const int64_t due = core::ParseTimestamp(t.at("resolve_due").as_string(), "").value();
  EXPECT_GT(due - created, core::kMsPerDay) << "the 24 h deadline from before the edit";
  auto stopped = As("admin").Send("PATCH", path, R"({"active":false})");
  ASSERT_EQ(stopped.status, 200u) << stopped.body;
  auto refused = Report(category);
  EXPECT_EQ(refused.status, 422u) << refused.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketCachesTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
