// The registry routes no other test called, over real HTTP on both backends:
// GET /staff/{id}, POST /staff/{id}/grids, DELETE /staff/{id}/grids/{grid_id},
// DELETE /residents/{id}, DELETE /units/{id}/pairings/{node_id} and
// POST /imports/party-members. Each: what a success writes (rows and the
// audit entry naming it), and that each kind of refusal writes nothing.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class RegistryRoutesTest : public ApiTest {
 protected:
  static std::string Id(int64_t id) { return std::to_string(id); }

  int64_t Assigned(int64_t staff_id, int64_t grid_id) {
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(conn->QueryInt("SELECT COUNT(*) FROM grid_assignment WHERE staff_id = $1 AND "
                               "grid_id = $2",
                               {staff_id, grid_id}),
                "assignment");
  }
  int64_t Paired(int64_t unit_id, int64_t node_id) {
    auto conn = Must(app_->db().Acquire(), "connection");
    return Must(conn->QueryInt("SELECT COUNT(*) FROM unit_pairing WHERE unit_id = $1 AND "
                               "node_id = $2",
                               {unit_id, node_id}),
                "pairing");
  }

  // A grid worker of community A (phone 13600000001), with `grids`.
  json::object NewGridWorker(const std::string& grids) {
    auto r = As("admin").Send(
        "POST", "/api/v1/staff",
        R"({"kind":"grid_worker","employment":"full_time","node_id":)" + Id(w_.community_a.id) +
            R"(,"name":"网格员甲","phone":"13600000001","grid_ids":)" + grids + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().as_object();
  }

  // The audit log and the tables a refused call could touch, for "nothing changed".
  struct Counts {
    int64_t audit, staff, assignments, residents, pairings, members;
    bool operator==(const Counts&) const = default;
  };
  Counts Now() {
    return {Count("audit_log"), Count("staff"),        Count("grid_assignment"),
            Count("resident"),  Count("unit_pairing"), Count("party_member")};
  }
};

TEST_P(RegistryRoutesTest, GetStaffShowsTheRecordMaskedInsideScopeOnly) {
  const int64_t id = NewGridWorker("[" + Id(w_.grid_a1.id) + "]").at("id").as_int64();
  const Counts before = Now();
  auto r = As("secretary1").Send("GET", "/api/v1/staff/" + Id(id));
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object staff = r.Json().as_object();
  EXPECT_EQ(staff.at("id").as_int64(), id);
  EXPECT_EQ(staff.at("name").as_string(), "网格员甲");
  EXPECT_EQ(staff.at("kind").as_string(), "grid_worker");
  EXPECT_EQ(staff.at("phone").as_string(), "136****0001");
  EXPECT_EQ(r.body.find("13600000001"), std::string::npos) << r.body;
  ASSERT_EQ(staff.at("grid_ids").as_array().size(), 1u);
  EXPECT_EQ(staff.at("grid_ids").as_array()[0].as_int64(), w_.grid_a1.id);
  // The grid worker of the grid sees them through the assignment.
  EXPECT_EQ(As("grid1").Send("GET", "/api/v1/staff/" + Id(id)).status, 200u);
  // Another community's grid worker: not there; a unit: not allowed; no such id: not there.
  EXPECT_EQ(As("grid2").Send("GET", "/api/v1/staff/" + Id(id)).status, 404u);
  EXPECT_EQ(As("unit1").Send("GET", "/api/v1/staff/" + Id(id)).status, 403u);
  EXPECT_EQ(As("admin").Send("GET", "/api/v1/staff/" + Id(id + 1000)).status, 404u);
  EXPECT_EQ(As("admin").Send("GET", "/api/v1/staff/x").status, 422u);
  // A read writes nothing, not even to the audit log.
  EXPECT_EQ(Now(), before);
}

TEST_P(RegistryRoutesTest, AssignGridAddsTheGridAndAuditsIt) {
  const int64_t id = NewGridWorker("[" + Id(w_.grid_a1.id) + "]").at("id").as_int64();
  const std::string path = "/api/v1/staff/" + Id(id) + "/grids";
  auto r = As("secretary1").Send("POST", path, R"({"grid_id":)" + Id(w_.grid_a2.id) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  auto grids = r.Json().at("grid_ids").as_array();
  ASSERT_EQ(grids.size(), 2u);
  EXPECT_EQ(Assigned(id, w_.grid_a2.id), 1);
  AuditEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "staff.assign");
  EXPECT_EQ(audit.subject_type, "staff");
  EXPECT_EQ(audit.subject_id, id);
  EXPECT_EQ(audit.detail, Id(w_.grid_a2.id));
  EXPECT_EQ(audit.account_id, AccountId("secretary1"));

  const Counts before = Now();
  struct Refusal {
    std::string user, body;
    unsigned status;
    std::string field;
  };
  const Refusal refusals[] = {
      // Already assigned.
      {"secretary1", R"({"grid_id":)" + Id(w_.grid_a2.id) + "}", 409, "grid_id"},
      // A grid of another community.
      {"admin", R"({"grid_id":)" + Id(w_.grid_b1.id) + "}", 422, "grid_id"},
      // Not a grid.
      {"admin", R"({"grid_id":)" + Id(w_.building_a1.id) + "}", 422, "grid_id"},
      {"admin", R"({"grid":1})", 422, "grid_id"},
      // No kPeopleWrite.
      {"street1", R"({"grid_id":)" + Id(w_.grid_a1.id) + "}", 403, ""},
      {"unit1", R"({"grid_id":)" + Id(w_.grid_a1.id) + "}", 403, ""},
      // The staff member is outside the caller's scope.
      {"grid2", R"({"grid_id":)" + Id(w_.grid_b1.id) + "}", 404, ""},
  };
  for (const Refusal& f : refusals) {
    auto refused = As(f.user).Send("POST", path, f.body);
    EXPECT_EQ(refused.status, f.status) << f.user << " " << f.body << ": " << refused.body;
    if (!f.field.empty() && refused.status == f.status) {
      EXPECT_EQ(refused.Json().at("error").at("field").as_string(), f.field) << refused.body;
    }
    EXPECT_EQ(Now(), before) << f.user << " " << f.body;
  }
  // A community worker has no grids.
  auto worker = As("admin").Send(
      "POST", "/api/v1/staff",
      R"({"kind":"community_worker","node_id":)" + Id(w_.community_a.id) + R"(,"name":"社工乙"})");
  ASSERT_EQ(worker.status, 201u) << worker.body;
  const Counts with_worker = Now();
  auto not_grid_worker =
      As("admin").Send("POST", "/api/v1/staff/" + Id(worker.Json().at("id").as_int64()) + "/grids",
                       R"({"grid_id":)" + Id(w_.grid_a1.id) + "}");
  EXPECT_EQ(not_grid_worker.status, 422u) << not_grid_worker.body;
  EXPECT_EQ(Now(), with_worker);
}

TEST_P(RegistryRoutesTest, UnassignGridRemovesTheGridAndAuditsIt) {
  const int64_t id =
      NewGridWorker("[" + Id(w_.grid_a1.id) + "," + Id(w_.grid_a2.id) + "]").at("id").as_int64();
  const std::string a1 = "/api/v1/staff/" + Id(id) + "/grids/" + Id(w_.grid_a1.id);
  {
    const Counts before = Now();
    // Refused: no kPeopleWrite (403), out of scope (404), a grid of another community (422).
    EXPECT_EQ(As("street1").Send("DELETE", a1).status, 403u);
    EXPECT_EQ(As("member1").Send("DELETE", a1).status, 403u);
    EXPECT_EQ(As("grid2").Send("DELETE", a1).status, 404u);
    auto other =
        As("admin").Send("DELETE", "/api/v1/staff/" + Id(id) + "/grids/" + Id(w_.grid_b1.id));
    EXPECT_EQ(other.status, 422u) << other.body;
    EXPECT_EQ(Now(), before);
  }
  auto r = As("worker1").Send("DELETE", a1);
  ASSERT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(Assigned(id, w_.grid_a1.id), 0);
  EXPECT_EQ(Assigned(id, w_.grid_a2.id), 1);
  AuditEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "staff.unassign");
  EXPECT_EQ(audit.subject_id, id);
  EXPECT_EQ(audit.detail, Id(w_.grid_a1.id));
  EXPECT_EQ(audit.account_id, AccountId("worker1"));
  auto staff = As("admin").Send("GET", "/api/v1/staff/" + Id(id)).Json();
  ASSERT_EQ(staff.at("grid_ids").as_array().size(), 1u);
  EXPECT_EQ(staff.at("grid_ids").as_array()[0].as_int64(), w_.grid_a2.id);
  // Not assigned any more: 404, and nothing written.
  const Counts after = Now();
  EXPECT_EQ(As("worker1").Send("DELETE", a1).status, 404u);
  EXPECT_EQ(Now(), after);
}

TEST_P(RegistryRoutesTest, DeleteResidentRemovesTheRowAndAuditsTheMaskedNumber) {
  auto created = As("grid1").Send("POST", "/api/v1/residents",
                                  R"({"building_id":)" + Id(w_.building_a1.id) +
                                      R"(,"room":"1-909","name":"待删居民","id_number":")" +
                                      IdNumber(300) + R"(","phone":"13500000009"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const int64_t id = created.Json().at("id").as_int64();
  const std::string path = "/api/v1/residents/" + Id(id);
  {
    const Counts before = Now();
    EXPECT_EQ(As("street1").Send("DELETE", path).status, 403u);  // reads, may not write people
    EXPECT_EQ(As("unit1").Send("DELETE", path).status, 403u);
    EXPECT_EQ(As("resident1").Send("DELETE", path).status, 403u);
    EXPECT_EQ(As("grid2").Send("DELETE", path).status, 404u);  // another grid
    EXPECT_EQ(As("admin").Send("DELETE", "/api/v1/residents/0").status, 422u);
    EXPECT_EQ(Now(), before);
  }
  const int64_t residents = Count("resident");
  auto r = As("grid1").Send("DELETE", path);
  ASSERT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(Count("resident"), residents - 1);
  AuditEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "resident.delete");
  EXPECT_EQ(audit.subject_type, "resident");
  EXPECT_EQ(audit.subject_id, id);
  EXPECT_EQ(audit.account_id, AccountId("grid1"));
  // The audit log names the person by the masked number only.
  EXPECT_EQ(audit.detail.size(), 18u);
  EXPECT_EQ(audit.detail.find(IdNumber(300)), std::string::npos);
  EXPECT_NE(audit.detail.find("****"), std::string::npos) << audit.detail;
  EXPECT_EQ(As("admin").Send("GET", path).status, 404u);
  EXPECT_EQ(As("grid1").Send("DELETE", path).status, 404u);
  // A resident a staff record points at stays: 409, nothing written.
  auto chief = As("admin").Send("POST", "/api/v1/staff",
                                R"({"kind":"building_chief","node_id":)" + Id(w_.building_a2.id) +
                                    R"(,"name":"楼长","resident_id":)" + Id(w_.ra2.id) + "}");
  ASSERT_EQ(chief.status, 201u) << chief.body;
  const Counts before = Now();
  auto referenced = As("admin").Send("DELETE", "/api/v1/residents/" + Id(w_.ra2.id));
  EXPECT_EQ(referenced.status, 409u) << referenced.body;
  EXPECT_EQ(Now(), before);
}

TEST_P(RegistryRoutesTest, UnpairUnitRemovesThePairingAndAuditsIt) {
  const std::string path = "/api/v1/units/" + Id(w_.unit.id) + "/pairings/" + Id(w_.community_a.id);
  {
    const Counts before = Now();
    EXPECT_EQ(As("secretary1").Send("DELETE", path).status, 403u);  // no kUnitsWrite
    EXPECT_EQ(As("unit1").Send("DELETE", path).status, 403u);
    EXPECT_EQ(As("grid1").Send("DELETE", path).status, 403u);
    // A pairing that does not exist.
    EXPECT_EQ(As("admin")
                  .Send("DELETE",
                        "/api/v1/units/" + Id(w_.unit.id) + "/pairings/" + Id(w_.community_b.id))
                  .status,
              404u);
    EXPECT_EQ(Now(), before);
  }
  ASSERT_EQ(Paired(w_.unit.id, w_.community_a.id), 1);
  auto r = As("street1").Send("DELETE", path);
  ASSERT_EQ(r.status, 204u) << r.body;
  EXPECT_EQ(Paired(w_.unit.id, w_.community_a.id), 0);
  AuditEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "unit.unpair");
  EXPECT_EQ(audit.subject_type, "unit");
  EXPECT_EQ(audit.subject_id, w_.unit.id);
  EXPECT_EQ(audit.detail, Id(w_.community_a.id));
  EXPECT_EQ(audit.account_id, AccountId("street1"));
  auto unit = As("admin").Send("GET", "/api/v1/units/" + Id(w_.unit.id)).Json();
  EXPECT_TRUE(unit.at("pairings").as_array().empty()) << json::serialize(unit);
  // Gone: a second unpair finds nothing and writes nothing.
  const Counts after = Now();
  EXPECT_EQ(As("street1").Send("DELETE", path).status, 404u);
  EXPECT_EQ(Now(), after);
}

TEST_P(RegistryRoutesTest, ImportPartyMembersWritesEveryRowOrNone) {
  const std::string header = "name,id_number,phone,party_org_id,residence_code,skills\n";
  const std::string good = header + "党员甲," + IdNumber(310) + ",13900000310," +
                           Id(w_.branch_a1.id) + "," + w_.community_a.code + ",维修;电工\n" +
                           "党员乙," + IdNumber(311) + ",," + Id(w_.branch_a1.id) + ",,\n";
  {
    const Counts before = Now();
    // No kPeopleWrite.
    EXPECT_EQ(As("street1").Send("POST", "/api/v1/imports/party-members", good).status, 403u);
    EXPECT_EQ(As("member1").Send("POST", "/api/v1/imports/party-members", good).status, 403u);
    // A party organisation outside the caller's scope (grid2 holds grid B1).
    auto outside = As("grid2").Send("POST", "/api/v1/imports/party-members", good);
    EXPECT_EQ(outside.status, 422u) << outside.body;
    // One bad row (an ID number with a wrong check character) stops the whole file.
    std::string bad_number = IdNumber(312);
    bad_number.back() = bad_number.back() == '0' ? '1' : '0';
    auto bad = As("secretary1")
                   .Send("POST", "/api/v1/imports/party-members",
                         good + "党员丙," + bad_number + ",," + Id(w_.branch_a1.id) + ",,\n");
    ASSERT_EQ(bad.status, 422u) << bad.body;
    json::object report = bad.Json().at("error").as_object();
    EXPECT_EQ(std::string(report.at("field").as_string()).substr(0, 7), "line 4.") << bad.body;
    EXPECT_EQ(bad.Json().at("report").at("inserted").as_int64(), 0);
    // An empty body is not a file at all.
    EXPECT_EQ(As("secretary1").Send("POST", "/api/v1/imports/party-members", "").status, 400u);
    EXPECT_EQ(Now(), before);
  }
  const int64_t members = Count("party_member");
  auto r = As("secretary1").Send("POST", "/api/v1/imports/party-members", good);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("rows").as_int64(), 2);
  EXPECT_EQ(r.Json().at("inserted").as_int64(), 2);
  EXPECT_EQ(Count("party_member"), members + 2);
  AuditEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "import.party_members");
  EXPECT_EQ(audit.subject_type, "party_member");
  EXPECT_EQ(audit.detail, "2 rows");
  EXPECT_EQ(audit.account_id, AccountId("secretary1"));
  // The members are there, registered with community A, their PII masked.
  auto list = As("secretary1").Send("GET", "/api/v1/party-members?limit=100");
  ASSERT_EQ(list.status, 200u);
  bool found = false;
  const json::value page = list.Json();
  for (const auto& m : page.at("items").as_array()) {
    if (m.at("name").as_string() != "党员甲") continue;
    found = true;
    EXPECT_EQ(m.at("residence_node_id").as_int64(), w_.community_a.id);
    EXPECT_EQ(m.at("phone").as_string(), "139****0310");
  }
  EXPECT_TRUE(found) << list.body;
  EXPECT_EQ(list.body.find(IdNumber(310)), std::string::npos);
  EXPECT_EQ(list.body.find("13900000310"), std::string::npos);
  // The same file again: duplicates, refused by line, nothing written.
  const Counts after = Now();
  auto again = As("secretary1").Send("POST", "/api/v1/imports/party-members", good);
  EXPECT_EQ(again.status, 422u) << again.body;
  EXPECT_EQ(again.Json().at("error").at("field").as_string(), "line 2.id_number") << again.body;
  EXPECT_EQ(Now(), after);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryRoutesTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
