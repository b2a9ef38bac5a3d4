// Silence alerts (云监护) over real HTTP, on both backends: enrolment with
// masked contacts, a CSV batch whose 12-hour silence raises exactly one alert
// and one ticket while its future and unknown-meter rows are refused by row and
// field, the same batch again changing nothing, acknowledging, use resuming
// (JSON) closing the alert, absence on the sweep, and scope.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

constexpr int64_t kHour = core::kMsPerHour;
// 2026-06-15 08:00 in Beijing; the clock moves only when the test moves it.
const int64_t kStart =
    core::DaysFromCivil({2026, 6, 15}) * core::kMsPerDay + 8 * kHour - core::kShanghaiOffsetMs;

class CareApiTest : public ApiTest {
 protected:
  CareApiTest() { clock_ = &fake_clock_; }

  // An elder living alone in building A1, enrolled by grid1 with one water meter.
  json::object Enrol(const std::string& meter, int serial) {
    domain::Caller admin = Must(app_->CallerFor("admin"), "admin");
    int64_t resident =
        Must(app_->residents().Create(
                 admin, domain::NewResident{w_.building_a1.id, "5-50" + std::to_string(serial),
                                            "独居老人", IdNumber(600 + serial), std::nullopt, 1}),
             "resident")
            .id;
    auto r = As("grid1").Send(
        "POST", "/api/v1/care/subjects",
        R"({"resident_id":)" + std::to_string(resident) +
            R"(,"consent_by":"本人","consent_method":"written","contacts":[{"name":"李明","relation":"儿子","phone":"13912345678"}],"meters":[{"kind":"water","external_id":")" +
            meter + R"("}]})");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().as_object();
  }

  http::ClientResponse Csv(const std::string& body) {
    return As("grid1").Send("POST", "/api/v1/care/readings", body, {{"Content-Type", "text/csv"}});
  }

  int64_t Rows(const std::string& sql) {
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(conn->QueryInt(sql), sql);
  }

  core::FakeClock fake_clock_{kStart};
};

TEST_P(CareApiTest, ASilentDayRaisesOneAlertAndTicketAndUseClosesIt) {
  json::object subject = Enrol("W-A1", 1);
  EXPECT_EQ(subject.at("contacts").as_array()[0].at("phone_masked").as_string().find("1391234"),
            std::string::npos);
  EXPECT_EQ(subject.at("meters").as_array()[0].at("floor").as_double(), 0.01);

  // Use for two hours, then sixteen flat hours; a reading from the future and
  // one for an unknown meter ride along.
  std::string csv = "meter,at,value\n";
  for (int h = 0; h <= 18; ++h) {
    csv += "W-A1," + core::FormatUtc(kStart + h * kHour) + "," +
           (h <= 2 ? std::to_string(h) : "2") + ".5\n";
  }
  csv += "W-A1," + core::FormatUtc(kStart + 30 * kHour) + ",9\n";
  csv += "NOPE," + core::FormatUtc(kStart) + ",1\n";
  fake_clock_.Set(kStart + 18 * kHour);
  clients_.clear();  // sessions last 12 hours: sign in again
  auto r = Csv(csv);
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object report = r.Json().as_object();
  EXPECT_EQ(report.at("stored").as_int64(), 19);
  EXPECT_EQ(report.at("alerts_raised").as_int64(), 1);
  json::array rejected = report.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].at("row").as_int64(), 20);
  EXPECT_EQ(rejected[0].at("field").as_string(), "at");
  EXPECT_EQ(rejected[1].at("row").as_int64(), 21);
  EXPECT_EQ(rejected[1].at("field").as_string(), "meter");

  // The same batch again changes nothing.
  const int64_t readings = Rows("SELECT COUNT(*) FROM care_reading");
  const int64_t audits = Rows("SELECT COUNT(*) FROM audit_log");
  r = Csv(csv);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("stored").as_int64(), 0);
  EXPECT_EQ(r.Json().at("duplicates").as_int64(), 19);
  EXPECT_EQ(r.Json().at("alerts_raised").as_int64(), 0);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM care_reading"), readings);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM audit_log"), audits);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM care_alert"), 1);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM ticket WHERE kind = 'alert'"), 1);

  // grid1 sees the alert and its ticket; grid2 sees neither.
  r = As("grid1").Send("GET", "/api/v1/care/alerts?open=true");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::array items = r.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("rule").as_string(), "silence");
  const int64_t alert = items[0].at("id").as_int64();
  const int64_t ticket = items[0].at("ticket_id").as_int64();
  r = As("grid1").Send("GET", "/api/v1/tickets/" + std::to_string(ticket));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("kind").as_string(), "alert");
  EXPECT_EQ(r.Json().at("channel").as_string(), "sensor");
  EXPECT_TRUE(As("grid2").Send("GET", "/api/v1/care/alerts").Json().at("items").as_array().empty());
  EXPECT_EQ(As("grid2")
                .Send("POST", "/api/v1/care/alerts/" + std::to_string(alert) + "/acknowledge")
                .status,
            404u);
  r = As("grid1").Send("POST", "/api/v1/care/alerts/" + std::to_string(alert) + "/acknowledge");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_FALSE(r.Json().at("acknowledged_at").is_null());

  // Use resumes (JSON, a number value): the alert closes, the ticket notes it.
  fake_clock_.Advance(kHour);
  r = As("grid1").Send("POST", "/api/v1/care/readings",
                       R"({"readings":[{"meter":"W-A1","at":")" +
                           core::FormatUtc(fake_clock_.NowMs()) + R"(","value":3.5}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("alerts_closed").as_int64(), 1);
  EXPECT_TRUE(As("grid1")
                  .Send("GET", "/api/v1/care/alerts?open=true")
                  .Json()
                  .at("items")
                  .as_array()
                  .empty());
  r = As("grid1").Send("GET", "/api/v1/tickets/" + std::to_string(ticket) + "/events");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("系统（云监护）"), std::string::npos);
}

TEST_P(CareApiTest, ABatchWithNoUsableRowIsRefusedByName) {
  Enrol("W-A2", 2);
  auto r = Csv("NOPE," + core::FormatUtc(kStart) + ",1\n");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "meter");
  r = As("grid1").Send("POST", "/api/v1/care/readings",
                       R"({"readings":[{"meter":"W-A2","at":")" +
                           core::FormatUtc(kStart + 2 * kHour) + R"(","value":1}]})");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "at");
  r = As("grid1").Send("POST", "/api/v1/care/readings", R"({"rows":[]})");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "readings");
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM care_reading"), 0);
}

TEST_P(CareApiTest, AbsenceHoldsTheSweepAndScopeHoldsTheSubject) {
  json::object subject = Enrol("W-A3", 3);
  const std::string id = std::to_string(subject.at("id").as_int64());
  auto r = As("grid1").Send("PUT", "/api/v1/care/subjects/" + id + "/absence",
                            R"({"from":"2026-06-15","until":"2026-06-16"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_FALSE(r.Json().at("away_until").is_null());
  EXPECT_EQ(Must(app_->care().Sweep(kStart + 13 * kHour), "sweep").alerts_raised, 0);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM care_alert"), 0);
  // Home on the 17th at 00:00 Beijing; twelve silent hours later the sweep alerts.
  const int64_t home =
      core::DaysFromCivil({2026, 6, 17}) * core::kMsPerDay - core::kShanghaiOffsetMs;
  EXPECT_EQ(Must(app_->care().Sweep(home + 12 * kHour), "sweep").alerts_raised, 1);

  EXPECT_EQ(As("grid1").Send("GET", "/api/v1/care/subjects/" + id).status, 200u);
  EXPECT_EQ(As("grid2").Send("GET", "/api/v1/care/subjects/" + id).status, 404u);
  EXPECT_EQ(As("resident1").Send("GET", "/api/v1/care/subjects/" + id).status, 403u);
  EXPECT_EQ(
      As("street1").Send("PATCH", "/api/v1/care/subjects/" + id, R"({"silence_hours":8})").status,
      403u);
  r = As("grid1").Send("PATCH", "/api/v1/care/subjects/" + id, R"({"silence_hours":200})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "silence_hours");
  r = As("grid1").Send("GET", "/api/v1/care/subjects?limit=1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("items").as_array().size(), 1u);
  EXPECT_TRUE(
      As("grid2").Send("GET", "/api/v1/care/subjects").Json().at("items").as_array().empty());
}

TEST_P(CareApiTest, TheMapShowsOpenAlertsByGridWithoutNamesAndCoverage) {
  json::object subject = Enrol("W-A4", 4);
  EXPECT_EQ(Must(app_->care().Sweep(kStart + 13 * kHour), "sweep").alerts_raised, 1);
  fake_clock_.Set(kStart + 13 * kHour);
  clients_.clear();
  auto r = As("grid1").Send("GET", "/api/v1/care/map?limit=500");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object map = r.Json().as_object();
  json::array alerts = map.at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at("grid_id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(alerts[0].at("community_id").as_int64(), w_.community_a.id);
  EXPECT_EQ(alerts[0].at("rule").as_string(), "silence");
  EXPECT_FALSE(alerts[0].as_object().contains("resident_name")) << "no names on the wall";
  EXPECT_EQ(r.body.find("独居老人"), std::string::npos);
  EXPECT_FALSE(map.at("truncated").as_bool());
  bool found = false;
  for (const auto& g : map.at("grids").as_array()) {
    if (g.at("grid_id").as_int64() != w_.grid_a1.id) continue;
    found = true;
    EXPECT_EQ(g.at("open_alerts").as_int64(), 1);
    EXPECT_GE(g.at("households").as_int64(), 1);
  }
  EXPECT_TRUE(found) << r.body;
  // Another grid's worker sees no alert; the list of alerts carries the grid too.
  r = As("grid2").Send("GET", "/api/v1/care/map");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.Json().at("alerts").as_array().empty());
  r = As("grid1").Send("GET", "/api/v1/care/alerts?open=true");
  EXPECT_EQ(r.Json().at("items").as_array()[0].at("grid_id").as_int64(), w_.grid_a1.id);

  // A power meter takes its standby load; on a water meter that is refused by name.
  const std::string meters =
      "/api/v1/care/subjects/" + std::to_string(subject.at("id").as_int64()) + "/meters";
  r = As("grid1").Send("POST", meters, R"({"kind":"power","external_id":"P-A4","standby_w":120})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json().at("standby_w").as_double(), 120.0);
  EXPECT_TRUE(r.Json().at("for_silence").as_bool());
  r = As("grid1").Send("POST", meters, R"({"kind":"gas","external_id":"G-A4"})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_FALSE(r.Json().at("for_silence").as_bool());
  r = As("grid1").Send("POST", meters, R"({"kind":"water","external_id":"W-A5","standby_w":50})");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "standby_w");
}

INSTANTIATE_TEST_SUITE_P(Backends, CareApiTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
