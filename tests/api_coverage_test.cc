// The 15-minute service circle and the communities' funds over real HTTP, on
// both backends: coverage per community and in total with the approximation
// stated, the buildings outside with their positions, small centres flagged,
// parameters refused by name; the yearly norms allocated once, a spending
// moving the balance, an overdraw and bad fields refused by name with nothing
// changed, a reversal (once), the statement, and scope.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class CoverageApiTest : public ApiTest {
 protected:
  void Place(const domain::OrgNode& n, core::LonLat at) {
    auto conn = Must(app_->db().Acquire(), "connection");
    Must(conn->Execute("UPDATE org_node SET center_lon = $1, center_lat = $2 WHERE id = $3",
                       {at.lon, at.lat, n.id}),
         "place");
  }
  int64_t Rows(const std::string& sql) {
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(conn->QueryInt(sql), sql);
  }
  static std::string Year() {
    return std::to_string(core::ShanghaiDate(core::SystemClock().NowMs()).year);
  }
};

TEST_P(CoverageApiTest, CoverageOfTheTownAndTheBuildingsOutside) {
  // A centre of 450 m² at A1's grid centre: A1 (0 m) and A2 (0.01° east, about 860 m) are
  // inside the 1.2 km circle, B1 (about 1,720 m) is not. One resident in each.
  Place(w_.building_a1, GridCenter(0));
  Place(w_.building_a2, GridCenter(1));
  Place(w_.building_b1, GridCenter(2));
  auto c = As("admin").Send(
      "POST", "/api/v1/service-centers",
      R"({"node_id":)" + std::to_string(w_.community_a.id) +
          R"(,"name":"东方街北党群服务中心","floor_area_m2":450,"location":[)" +
          std::to_string(GridCenter(0).lon) + "," + std::to_string(GridCenter(0).lat) + "]}");
  ASSERT_EQ(c.status, 201u) << c.body;

  auto r = As("admin").Send("GET", "/api/v1/coverage");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object report = r.Json().as_object();
  EXPECT_EQ(report.at("params").at("reach_m").as_double(), 1200.0);
  EXPECT_NE(std::string(report.at("params").at("approximation").as_string()).find("approximation"),
            std::string::npos);
  const json::object& total = report.at("total").as_object();
  EXPECT_EQ(total.at("residents").as_int64(), 3);
  EXPECT_EQ(total.at("covered_residents").as_int64(), 2);
  EXPECT_NEAR(total.at("share").as_double(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(total.at("small_centers").as_int64(), 1);
  const json::array& communities = report.at("communities").as_array();
  ASSERT_EQ(communities.size(), 2u);
  EXPECT_EQ(communities[0].at("covered_residents").as_int64(), 2);
  EXPECT_EQ(communities[1].at("buildings_outside").as_int64(), 1);
  const json::array& centers = report.at("centers").as_array();
  ASSERT_EQ(centers.size(), 1u);
  EXPECT_TRUE(centers[0].at("small").as_bool());
  EXPECT_EQ(centers[0].at("residents_within").as_int64(), 2);

  auto outside = As("street1").Send("GET", "/api/v1/coverage/outside");
  ASSERT_EQ(outside.status, 200u) << outside.body;
  const json::value outside_json = outside.Json();
  const json::array& items = outside_json.at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("id").as_int64(), w_.building_b1.id);
  EXPECT_NEAR(items[0].at("location").as_array()[0].as_double(), GridCenter(2).lon, 1e-6);

  // A longer walk reaches B1 too; bad parameters are refused by name.
  auto longer = As("admin").Send("GET", "/api/v1/coverage?walk_m=2500");
  ASSERT_EQ(longer.status, 200u);
  EXPECT_EQ(longer.Json().at("total").at("covered_residents").as_int64(), 3);
  for (const char* q : {"walk_m=abc", "walk_m=20", "detour_factor=0.5"}) {
    auto bad = As("admin").Send("GET", std::string("/api/v1/coverage?") + q);
    EXPECT_EQ(bad.status, 422u) << q;
    EXPECT_EQ(std::string(bad.Json().at("error").at("field").as_string()),
              std::string(q).substr(0, std::string(q).find('=')));
  }
  // A's secretary sees A only; B does not exist for them; a grid worker may not look.
  auto mine = As("secretary1").Send("GET", "/api/v1/coverage");
  ASSERT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.Json().at("communities").as_array().size(), 1u);
  EXPECT_EQ(As("secretary1")
                .Send("GET", "/api/v1/coverage?within=" + std::to_string(w_.community_b.id))
                .status,
            404u);
  EXPECT_EQ(As("grid1").Send("GET", "/api/v1/coverage").status, 403u);
}

TEST_P(CoverageApiTest, FundsAllocateSpendReverse) {
  const std::string year = Year();
  auto d =
      As("admin").Send("POST", "/api/v1/funds/default-allocations", R"({"year":)" + year + "}");
  ASSERT_EQ(d.status, 200u) << d.body;
  EXPECT_EQ(d.Json().at("created").as_int64(), 4);
  auto again =
      As("admin").Send("POST", "/api/v1/funds/default-allocations", R"({"year":)" + year + "}");
  EXPECT_EQ(again.Json().at("created").as_int64(), 0);

  const std::string a = std::to_string(w_.community_a.id);
  auto spend = [&](const std::string& who, const std::string& fields) {
    return As(who).Send(
        "POST", "/api/v1/funds/spendings",
        R"({"community_id":)" + a + R"(,"fund":"work","year":)" + year + fields + "}");
  };
  auto spent =
      spend("secretary1", R"(,"amount_fen":123456,"category":"assistance","memo":"困难户慰问")");
  ASSERT_EQ(spent.status, 201u) << spent.body;
  EXPECT_EQ(spent.Json().at("balance_after_fen").as_int64(), 10'000'000 - 123'456);
  const int64_t entry = spent.Json().at("id").as_int64();

  const int64_t entries = Rows("SELECT COUNT(*) FROM fund_entry");
  struct Bad {
    std::string fields, field;
  };
  for (const Bad& b :
       {Bad{R"(,"amount_fen":99999999,"category":"office","memo":"x")", "amount_fen"},
        Bad{R"(,"amount_fen":1,"category":"banquet","memo":"x")", "category"},
        Bad{R"(,"amount_fen":1,"category":"office")", "memo"},
        Bad{R"(,"amount_fen":"many","category":"office","memo":"x")", "amount_fen"},
        Bad{R"(,"amount_fen":1,"category":"office","memo":"x","spent_on":"2000-01-01")",
            "spent_on"}}) {
    auto r = spend("secretary1", b.fields);
    EXPECT_EQ(r.status, 422u) << b.fields << " " << r.body;
    EXPECT_EQ(std::string(r.Json().at("error").at("field").as_string()), b.field) << b.fields;
  }
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM fund_entry"), entries);

  // B is not A's secretary's: 404, nothing written.
  auto other = As("secretary1")
                   .Send("POST", "/api/v1/funds/spendings",
                         R"({"community_id":)" + std::to_string(w_.community_b.id) +
                             R"(,"fund":"work","year":)" + year +
                             R"(,"amount_fen":1,"category":"office","memo":"x"})");
  EXPECT_EQ(other.status, 404u);

  auto list = As("secretary1").Send("GET", "/api/v1/funds?year=" + year);
  ASSERT_EQ(list.status, 200u);
  const json::value list_json = list.Json();
  const json::array& accounts = list_json.at("items").as_array();
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].at("fund").as_string(), "work");
  EXPECT_EQ(accounts[0].at("spent_fen").as_int64(), 123'456);
  EXPECT_EQ(accounts[1].at("balance_fen").as_int64(), 20'000'000);

  auto rev = As("secretary1")
                 .Send("POST", "/api/v1/funds/entries/" + std::to_string(entry) + "/reversal",
                       R"({"memo":"重复录入"})");
  ASSERT_EQ(rev.status, 201u) << rev.body;
  EXPECT_EQ(rev.Json().at("balance_after_fen").as_int64(), 10'000'000);
  auto rev2 = As("secretary1")
                  .Send("POST", "/api/v1/funds/entries/" + std::to_string(entry) + "/reversal",
                        R"({"memo":"重复录入"})");
  EXPECT_EQ(rev2.Json().at("id").as_int64(), rev.Json().at("id").as_int64());

  auto st = As("worker1").Send(
      "GET", "/api/v1/funds/statement?community_id=" + a + "&fund=work&year=" + year + "&limit=2");
  ASSERT_EQ(st.status, 200u) << st.body;
  EXPECT_EQ(st.Json().at("items").as_array().size(), 2u);
  EXPECT_EQ(st.Json().at("items").as_array()[0].at("kind").as_string(), "reversal");
  ASSERT_TRUE(st.Json().at("next_after").is_int64());
  auto rest = As("worker1").Send(
      "GET", "/api/v1/funds/statement?community_id=" + a + "&fund=work&year=" + year +
                 "&after=" + std::to_string(st.Json().at("next_after").as_int64()));
  ASSERT_EQ(rest.status, 200u);
  ASSERT_EQ(rest.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(rest.Json().at("items").as_array()[0].at("kind").as_string(), "allocation");
  EXPECT_EQ(
      As("worker1")
          .Send("GET", "/api/v1/funds/statement?community_id=" + a + "&fund=party&year=" + year)
          .status,
      422u);
}

INSTANTIATE_TEST_SUITE_P(Backends, CoverageApiTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
