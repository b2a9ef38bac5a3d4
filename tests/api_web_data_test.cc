// The data endpoints the web pages read (issue 8), over real HTTP on both
// backends: the inbox tab counts (maintained counters, not a COUNT over
// tickets), the grids of a node as GeoJSON, the rates trend and its CSV, BD-09
// positions, the wish wall and the audit list's filters.
#include <boost/json.hpp>

#include <cstdio>

#include "api_harness.h"
#include "core/bd09.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class WebDataTest : public ApiTest {
 protected:
  int64_t Category(const std::string& code) {
    return Must(app_->categories().GetByCode(code), code).id;
  }

  static std::string Loc(core::LonLat p) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "[%.6f,%.6f]", p.lon, p.lat);
    return buf;
  }

  // A report by `user` at the centre of grid i (0 = A1, 1 = A2, 2 = B1); returns its id.
  int64_t Report(int grid, const std::string& user = "resident1", const std::string& extra = "") {
    auto r = As(user).Send("POST", "/api/v1/tickets",
                           R"({"category_id":)" + std::to_string(Category("E01.01")) +
                               R"(,"description":"小区门口垃圾堆积","location":)" +
                               Loc(GridCenter(grid)) + extra + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().at("id").as_int64();
  }

  void Act(const std::string& user, int64_t id, const std::string& body) {
    auto r = As(user).Send("POST", "/api/v1/tickets/" + std::to_string(id) + "/events", body);
    EXPECT_EQ(r.status, 200u) << user << " " << body << ": " << r.body;
  }

  json::object Get(const std::string& user, const std::string& target, unsigned want = 200) {
    auto r = As(user).Send("GET", target);
    EXPECT_EQ(r.status, want) << user << " GET " << target << ": " << r.body;
    return r.Json().as_object();
  }

  static std::string ErrorField(const json::object& body) {
    return std::string(body.at("error").at("field").as_string());
  }

  // The number of tickets GET /tickets lists for `user` under `query` (all pages).
  int64_t Listed(const std::string& user, const std::string& query) {
    int64_t n = 0;
    std::string after;
    for (;;) {
      auto page = Get(user, "/api/v1/tickets?limit=100&" + query + after);
      n += static_cast<int64_t>(page.at("items").as_array().size());
      if (page.at("next_after").is_null()) return n;
      after = "&after=" + std::to_string(page.at("next_after").as_int64());
    }
  }

  // Every row of `table` in key order, as text.
  std::string Snapshot(const std::string& table, const std::string& order) {
    auto conn = Must(app_->db().Acquire(), "conn");
    auto rows = Must(conn->Query("SELECT * FROM " + table + " ORDER BY " + order), "rows");
    std::string out;
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) out += row.at(i).ToString() + " ";
      out += "\n";
    }
    return out;
  }
};

// --- inbox tab counts ------------------------------------------------------------

TEST_P(WebDataTest, CountsFollowSubmitAcceptRejectAndWithdraw) {
  const int64_t a1 = Report(0);
  const int64_t a2 = Report(1);
  const int64_t a1b = Report(0);
  const int64_t b1 = Report(2);
  auto county = Get("admin", "/api/v1/tickets/counts");
  EXPECT_EQ(county.at("node").at("id").as_int64(), w_.county.id);
  EXPECT_EQ(county.at("total").as_int64(), 4);
  EXPECT_EQ(county.at("open").as_int64(), 4);
  EXPECT_EQ(county.at("by_state").at("submitted").as_int64(), 4);
  EXPECT_EQ(county.at("by_kind").at("report").as_int64(), 4);
  EXPECT_TRUE(county.at("kind").is_null());

  // The secretary of community A sees A1 and A2 only; the grid worker A1 only.
  auto sec = Get("secretary1", "/api/v1/tickets/counts");
  EXPECT_EQ(sec.at("node").at("id").as_int64(), w_.community_a.id);
  EXPECT_EQ(sec.at("total").as_int64(), 3);
  EXPECT_EQ(Get("grid1", "/api/v1/tickets/counts").at("total").as_int64(), 2);

  Act("secretary1", a1, R"({"type":"accept"})");
  Act("secretary1", a2, R"({"type":"reject","note":"不属于受理范围"})");
  Act("resident1", a1b, R"({"type":"close","note":"已自行解决，撤回"})");
  sec = Get("secretary1", "/api/v1/tickets/counts");
  EXPECT_EQ(sec.at("total").as_int64(), 3);
  EXPECT_EQ(sec.at("by_state").at("submitted").as_int64(), 0);
  EXPECT_EQ(sec.at("by_state").at("accepted").as_int64(), 1);
  EXPECT_EQ(sec.at("by_state").at("rejected").as_int64(), 1);
  EXPECT_EQ(sec.at("by_state").at("closed").as_int64(), 1);
  EXPECT_EQ(sec.at("open").as_int64(), 1);
  county = Get("admin", "/api/v1/tickets/counts");
  EXPECT_EQ(county.at("by_state").at("submitted").as_int64(), 1);  // B1
  EXPECT_EQ(county.at("open").as_int64(), 2);

  // A node inside the scope narrows; a kind filters.
  auto grid = Get("secretary1", "/api/v1/tickets/counts?node_id=" + std::to_string(w_.grid_a1.id));
  EXPECT_EQ(grid.at("total").as_int64(), 2);
  EXPECT_EQ(grid.at("node").at("kind").as_string(), "grid");
  auto wishes = Get("admin", "/api/v1/tickets/counts?kind=wish");
  EXPECT_EQ(wishes.at("kind").as_string(), "wish");
  EXPECT_EQ(wishes.at("total").as_int64(), 0);

  // Each figure is what the list of that tab holds.
  for (const char* who : {"admin", "street1", "secretary1", "worker1", "grid1"}) {
    auto c = Get(who, "/api/v1/tickets/counts");
    for (const auto& [state, n] : c.at("by_state").as_object()) {
      EXPECT_EQ(n.as_int64(), Listed(who, "state=" + std::string(state))) << who << " " << state;
    }
    EXPECT_EQ(c.at("open").as_int64(), Listed(who, "open=true")) << who;
    EXPECT_EQ(c.at("overdue").as_int64(), Listed(who, "overdue=true")) << who;
  }
  (void)b1;
}

TEST_P(WebDataTest, CountsOfOverdueTicketsAndARebuildAgree) {
  const int64_t a1 = Report(0);
  const int64_t a2 = Report(1);
  Report(2);
  {
    auto conn = Must(app_->db().Acquire(), "conn");
    Must(conn->Execute("UPDATE ticket SET accept_due = created_at - 60000 WHERE id IN ($1, $2)",
                       {a1, a2}),
         "late");
  }
  ASSERT_TRUE(app_->stats().Rebuild().ok());  // rows changed behind the service's back
  EXPECT_EQ(Must(app_->tickets().CheckOverdue(), "check overdue"), 2);
  Act("secretary1", a2, R"({"type":"reject","note":"不属于受理范围"})");
  auto sec = Get("secretary1", "/api/v1/tickets/counts");
  EXPECT_EQ(sec.at("overdue").as_int64(), 2);
  EXPECT_EQ(sec.at("overdue_open").as_int64(), 1);
  EXPECT_EQ(sec.at("overdue").as_int64(), Listed("secretary1", "overdue=true"));
  EXPECT_EQ(sec.at("overdue_open").as_int64(), Listed("secretary1", "overdue=true&open=true"));
  EXPECT_EQ(Get("admin", "/api/v1/tickets/counts").at("overdue_open").as_int64(), 1);

  // What the observer kept is what a recount from the ticket rows gives.
  const std::string order = "path, state, kind, overdue";
  const std::string kept = Snapshot("ticket_state_count", order);
  ASSERT_TRUE(app_->stats().Rebuild().ok());
  EXPECT_EQ(kept, Snapshot("ticket_state_count", order));
}

TEST_P(WebDataTest, CountsFollowAGridMovedToAnotherCommunity) {
  Report(1);
  Report(1);
  Report(2);
  auto moved = As("admin").Send("PATCH", "/api/v1/org-nodes/" + std::to_string(w_.grid_a2.id),
                                R"({"parent_id":)" + std::to_string(w_.community_b.id) + "}");
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(Get("secretary1", "/api/v1/tickets/counts").at("total").as_int64(), 0);
  auto b = Get("admin", "/api/v1/tickets/counts?node_id=" + std::to_string(w_.community_b.id));
  EXPECT_EQ(b.at("total").as_int64(), 3);
}

TEST_P(WebDataTest, CountsAreForStaffInScope) {
  Get("secretary1", "/api/v1/tickets/counts?node_id=" + std::to_string(w_.community_b.id), 404);
  Get("grid1", "/api/v1/tickets/counts?node_id=" + std::to_string(w_.grid_b1.id), 404);
  for (const char* who : {"resident1", "member1", "unit1"}) {
    Get(who, "/api/v1/tickets/counts", 403);
  }
  EXPECT_EQ(Anonymous()->Send("GET", "/api/v1/tickets/counts").status, 401u);
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/tickets/counts?kind=bogus", 422)), "kind");
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/tickets/counts?node_id=abc", 422)), "node_id");
}

// --- the grids of a node for the map -----------------------------------------------

TEST_P(WebDataTest, GridsOfANodeAsGeoJsonWithTheirRates) {
  const int64_t kept = Report(0);
  const int64_t rejected = Report(0);
  Act("secretary1", rejected, R"({"type":"reject","note":"不属于受理范围"})");
  const std::string county = "/api/v1/org-nodes/" + std::to_string(w_.county.id);
  auto r = As("admin").Send("GET", county + "/grids.geojson");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/geo+json");
  auto fc = r.Json().as_object();
  EXPECT_EQ(fc.at("type").as_string(), "FeatureCollection");
  EXPECT_TRUE(fc.at("period").is_null());
  const auto& features = fc.at("features").as_array();
  ASSERT_EQ(features.size(), 3u);  // A1, A2, B1
  // The feature of grid `id` in a collection.
  auto feature = [](const json::object& collection, int64_t id) -> json::object {
    for (const auto& f : collection.at("features").as_array()) {
      if (f.at("id").as_int64() == id) return f.as_object();
    }
    ADD_FAILURE() << "no feature " << id;
    return {};
  };
  const json::object a1 = feature(fc, w_.grid_a1.id);
  EXPECT_EQ(a1.at("id").as_int64(), w_.grid_a1.id);
  EXPECT_TRUE(a1.at("geometry").as_object().contains("coordinates"));
  const auto& p = a1.at("properties").as_object();
  EXPECT_EQ(p.at("name").as_string(), w_.grid_a1.name);
  EXPECT_EQ(p.at("community_id").as_int64(), w_.community_a.id);
  EXPECT_EQ(p.at("community_name").as_string(), w_.community_a.name);
  EXPECT_EQ(p.at("open").as_int64(), 1);
  EXPECT_FALSE(p.contains("rate"));

  // With a rate: the figures of the month, the chosen one as "rate".
  auto rated = Get("admin", county + "/grids.geojson?rates=resolution");
  EXPECT_EQ(rated.at("period").at("rate").as_string(), "resolution");
  const json::object rp = feature(rated, w_.grid_a1.id).at("properties").as_object();
  EXPECT_EQ(rp.at("received").as_int64(), 2);
  EXPECT_EQ(rp.at("demands").as_int64(), 1);  // the rejected one is not a demand
  EXPECT_EQ(rp.at("rate").as_double(), 0.0);
  EXPECT_EQ(rp.at("resolution_rate").as_double(), 0.0);
  EXPECT_TRUE(feature(rated, w_.grid_a2.id).at("properties").at("rate").is_null());

  // Scoped: the secretary's community, nothing outside; figures for staff only.
  const std::string a = "/api/v1/org-nodes/" + std::to_string(w_.community_a.id);
  EXPECT_EQ(Get("secretary1", a + "/grids.geojson").at("features").as_array().size(), 2u);
  Get("secretary1", "/api/v1/org-nodes/" + std::to_string(w_.community_b.id) + "/grids.geojson",
      404);
  const std::string own = "/api/v1/org-nodes/" + std::to_string(w_.building_a1.id);
  EXPECT_EQ(Get("resident1", own + "/grids.geojson").at("features").as_array().size(), 0u);
  Get("resident1", own + "/grids.geojson?rates=all", 403);
  Get("resident1", county + "/grids.geojson", 404);
  EXPECT_EQ(ErrorField(Get("admin", county + "/grids.geojson?rates=colour", 422)), "rates");
  EXPECT_EQ(ErrorField(Get("admin", county + "/grids.geojson?rates=all&months=0", 422)), "months");
  EXPECT_EQ(ErrorField(Get("admin", county + "/grids.geojson?rates=all&month=2026-13", 422)),
            "month");
  (void)kept;
}

// --- the rates trend and the CSV export -------------------------------------------

TEST_P(WebDataTest, RatesTrendMonthByMonthAndTheRankingAsCsv) {
  Report(0);
  Report(2);
  auto trend = Get("admin", "/api/v1/stats/rates/trend");
  const auto& items = trend.at("items").as_array();
  ASSERT_EQ(items.size(), 12u);
  EXPECT_EQ(trend.at("to").as_string(), items.back().at("month").as_string());
  EXPECT_EQ(trend.at("from").as_string(), items.front().at("month").as_string());
  EXPECT_EQ(items.back().at("counts").at("received").as_int64(), 2);
  EXPECT_EQ(items.front().at("counts").at("received").as_int64(), 0);
  EXPECT_TRUE(items.front().at("rates").at("response_rate").is_null());
  auto three = Get("secretary1", "/api/v1/stats/rates/trend?months=3&month=2026-02");
  ASSERT_EQ(three.at("items").as_array().size(), 3u);
  EXPECT_EQ(three.at("from").as_string(), "2025-12");
  EXPECT_EQ(three.at("node").at("id").as_int64(), w_.community_a.id);
  Get("grid1", "/api/v1/stats/rates/trend?node_id=" + std::to_string(w_.grid_b1.id), 404);
  Get("member1", "/api/v1/stats/rates/trend", 403);
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/stats/rates/trend?months=25", 422)), "months");
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/stats/rates/trend?months=x", 422)), "months");

  auto csv =
      As("admin").Send("GET", "/api/v1/exports/rates.csv?node_id=" + std::to_string(w_.street.id));
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_EQ(csv.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  std::vector<std::string> lines;
  for (size_t at = 0; at < csv.body.size();) {
    size_t end = csv.body.find("\r\n", at);
    lines.push_back(csv.body.substr(at, end - at));
    at = end + 2;
  }
  ASSERT_EQ(lines.size(), 4u) << csv.body;  // header, communities A and B, the street's total
  EXPECT_NE(csv.body.find("," + w_.community_a.name + ",community,1,1,"), std::string::npos);
  EXPECT_NE(csv.body.find("," + w_.community_b.name + ",community,1,1,"), std::string::npos);
  EXPECT_EQ(lines[3].rfind("合计,", 0), 0u) << lines[3];
  EXPECT_NE(lines[3].find(",2,2,"), std::string::npos) << lines[3];  // received, demands
  EXPECT_EQ(As("resident1").Send("GET", "/api/v1/exports/rates.csv").status, 403u);
}

// --- positions in BD-09 --------------------------------------------------------------

TEST_P(WebDataTest, BaiduPositionsAreAccepted) {
  const core::LonLat wgs = GridCenter(0);
  const core::LonLat bd = core::Gcj02ToBd09(core::Wgs84ToGcj02(wgs));
  auto r =
      As("resident1")
          .Send("POST", "/api/v1/tickets",
                R"({"category_id":)" + std::to_string(Category("E01.01")) +
                    R"(,"description":"井盖缺失","coord_sys":"bd09","location":)" + Loc(bd) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  auto t = r.Json().as_object();
  EXPECT_EQ(t.at("node_id").as_int64(), w_.grid_a1.id);
  EXPECT_NEAR(t.at("location").as_array()[0].as_double(), wgs.lon, 1e-5);
  EXPECT_NEAR(t.at("location").as_array()[1].as_double(), wgs.lat, 1e-5);
  char query[200];
  std::snprintf(query, sizeof query, "lon=%.7f&lat=%.7f&coord_sys=bd09", bd.lon, bd.lat);
  auto near =
      Get("resident1",
          "/api/v1/tickets/nearby?category_id=" + std::to_string(Category("E01.01")) + "&" + query);
  ASSERT_EQ(near.at("items").as_array().size(), 1u);
  auto lookup = Get("resident1", std::string("/api/v1/grid-lookup?") + query);
  EXPECT_EQ(lookup.at("grid").at("id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(
      ErrorField(Get("resident1", "/api/v1/grid-lookup?lon=116.4&lat=39.5&coord_sys=bd10", 422)),
      "coord_sys");
}

// --- the wish wall -------------------------------------------------------------------

TEST_P(WebDataTest, TheWishWallOfACommunity) {
  auto wish = [&](const std::string& extra) {
    auto r = As("resident1")
                 .Send("POST", "/api/v1/tickets",
                       R"({"kind":"wish","category_id":)" + std::to_string(Category("S-ASP-01")) +
                           R"(,"description":"想给孩子找一位数学辅导老师","node_id":)" +
                           std::to_string(w_.community_a.id) + extra + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().at("id").as_int64();
  };
  const int64_t open = wish("");
  const int64_t second = wish("");
  Report(0);  // not a wish

  // The resident's own community by default; the member registered there.
  auto mine = Get("resident1", "/api/v1/wishes");
  EXPECT_EQ(mine.at("community").at("id").as_int64(), w_.community_a.id);
  ASSERT_EQ(mine.at("items").as_array().size(), 2u);  // not the report
  auto seen = Get("member1", "/api/v1/wishes?community_id=" + std::to_string(w_.community_a.id));
  ASSERT_EQ(seen.at("items").as_array().size(), 2u);
  const auto& item = seen.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("id").as_int64(), open);
  EXPECT_FALSE(item.at("claimed").as_bool());
  EXPECT_NE(item.at("submitter_name"),
            mine.at("items").as_array()[0].at("submitter_name"));  // masked for others
  EXPECT_TRUE(item.at("submitter_phone").is_null());
  EXPECT_EQ(Get("secretary1", "/api/v1/wishes?community_id=" + std::to_string(w_.community_a.id))
                .at("items")
                .as_array()
                .size(),
            2u);

  // Put on the board and claimed: still open, now claimed. Finished: gone.
  Act("secretary1", open, R"({"type":"accept"})");
  Act("secretary1", open, R"({"type":"dispatch","assignee":{"kind":"board"}})");
  Act("member1", open, R"({"type":"claim"})");
  seen = Get("member1", "/api/v1/wishes");
  ASSERT_EQ(seen.at("items").as_array().size(), 2u);
  EXPECT_TRUE(seen.at("items").as_array()[0].at("claimed").as_bool());
  EXPECT_FALSE(seen.at("items").as_array()[1].at("claimed").as_bool());
  Act("member1", open, R"({"type":"start"})");
  Act("member1", open, R"({"type":"resolve","note":"已联系志愿者老师"})");
  seen = Get("member1", "/api/v1/wishes");
  ASSERT_EQ(seen.at("items").as_array().size(), 1u);
  EXPECT_EQ(seen.at("items").as_array()[0].at("id").as_int64(), second);

  const std::string b = "/api/v1/wishes?community_id=" + std::to_string(w_.community_b.id);
  Get("resident1", b, 404);
  Get("secretary1", b, 404);
  Get("admin", b);
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/wishes", 422)), "community_id");
  EXPECT_EQ(
      ErrorField(Get("admin", "/api/v1/wishes?community_id=" + std::to_string(w_.grid_a1.id), 422)),
      "community_id");
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/wishes?community_id=x", 422)), "community_id");
}

// --- the audit list's filters ----------------------------------------------------------

TEST_P(WebDataTest, TheAuditListFindsAReveal) {
  for (const domain::Resident* r : {&w_.ra1, &w_.ra2}) {
    auto reveal = As("admin").Send("GET", "/api/v1/residents/" + std::to_string(r->id) + "/pii");
    ASSERT_EQ(reveal.status, 200u) << reveal.body;
  }
  auto reveals = Get("admin", "/api/v1/audit?action=pii.reveal");
  const auto& items = reveals.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  for (const auto& e : items) EXPECT_EQ(e.at("action").as_string(), "pii.reveal");
  EXPECT_LT(items[0].at("seq").as_int64(), items[1].at("seq").as_int64());

  auto newest = Get("admin", "/api/v1/audit?action=pii.reveal&order=desc&limit=1");
  ASSERT_EQ(newest.at("items").as_array().size(), 1u);
  EXPECT_EQ(newest.at("items").as_array()[0].at("subject_id").as_int64(), w_.ra2.id);
  const int64_t before = newest.at("next_before").as_int64();
  EXPECT_TRUE(newest.at("next_after").is_null());
  auto older = Get("admin", "/api/v1/audit?action=pii.reveal&order=desc&limit=1&before=" +
                                std::to_string(before));
  EXPECT_EQ(older.at("items").as_array()[0].at("subject_id").as_int64(), w_.ra1.id);

  auto of_ra1 =
      Get("admin", "/api/v1/audit?subject_type=resident&subject_id=" + std::to_string(w_.ra1.id));
  for (const auto& e : of_ra1.at("items").as_array()) {
    EXPECT_EQ(e.at("subject_id").as_int64(), w_.ra1.id);
  }
  auto by_admin = Get(
      "admin", "/api/v1/audit?action=pii.reveal&account_id=" + std::to_string(AccountId("admin")));
  EXPECT_EQ(by_admin.at("items").as_array().size(), 2u);
  EXPECT_EQ(Get("admin", "/api/v1/audit?action=pii.reveal&account_id=" +
                             std::to_string(AccountId("street1")))
                .at("items")
                .as_array()
                .size(),
            0u);

  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/audit?subject_id=3", 422)), "subject_type");
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/audit?order=newest", 422)), "order");
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/audit?order=desc&after=3", 422)), "after");
  EXPECT_EQ(ErrorField(Get("admin", "/api/v1/audit?account_id=0", 422)), "account_id");
  Get("secretary1", "/api/v1/audit?action=pii.reveal", 403);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, WebDataTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace civicgrid::tests
