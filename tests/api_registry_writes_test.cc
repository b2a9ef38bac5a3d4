// The registry routes that only the access matrix called, over real HTTP on
// both backends: the org tree's writes, party organisations, service centres,
// the staffing views, relocating a resident, party members (create, read,
// 双报到 registration), units and their pairings, the units import, the CSV
// exports and creating accounts. Each: what a success writes (the row and the
// audit entry naming it, who and what), and for each kind of refusal its
// status, the field it names, and that nothing in the registry or the audit
// log changed.
#include <boost/json.hpp>

#include <algorithm>

#include "api_harness.h"
#include "core/pii.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class RegistryWritesTest : public ApiTest {
 protected:
  static std::string Id(int64_t id) { return std::to_string(id); }

  // The newest audit entry is `action` on (`type`, `id`) by `user`, with `detail`.
  void ExpectAudit(const std::string& user, const std::string& action, const std::string& type,
                   int64_t id, const std::string& detail) {
    AuditEntry a = LastAudit();
    EXPECT_EQ(a.action, action);
    EXPECT_EQ(a.subject_type, type) << action;
    EXPECT_EQ(a.subject_id, id) << action;
    EXPECT_EQ(a.detail, detail) << action;
    EXPECT_EQ(a.account_id, AccountId(user)) << action;
  }

  // Every row of the registry's tables and the audit log, as text: a refused
  // request must leave it as it was (counts, names, versions, pairings…).
  std::string Registry() {
    static const char* kTables[] = {"audit_log", "org_node",        "party_org", "service_center",
                                    "resident",  "party_member",    "unit",      "unit_pairing",
                                    "staff",     "grid_assignment", "account"};
    auto conn = Must(app_->db().Acquire(), "connection");
    std::string all;
    for (const char* table : kTables) {
      std::vector<std::string> rows;
      for (const store::Row& r : Must(conn->Query(std::string("SELECT * FROM ") + table), table)) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) line += r.at(i).ToString() + '\x1f';
        rows.push_back(std::move(line));
      }
      std::sort(rows.begin(), rows.end());
      all += std::string(table) + ":\n";
      for (const std::string& line : rows) all += line + '\n';
    }
    return all;
  }

  struct Refusal {
    std::string user, method, path, body;
    unsigned status;
    std::string field;  // the field the error names; "" when it names none
  };
  void ExpectRefused(const Refusal& f) {
    const std::string before = Registry();
    auto r = As(f.user).Send(f.method, f.path, f.body);
    EXPECT_EQ(r.status, f.status) << f.user << " " << f.method << " " << f.path << " " << f.body
                                  << ": " << r.body;
    if (!f.field.empty() && r.status == f.status) {
      EXPECT_EQ(r.Json().at("error").at("field").as_string(), f.field) << r.body;
    }
    EXPECT_EQ(Registry(), before) << f.user << " " << f.method << " " << f.path
                                  << " was refused but changed the registry";
  }
  void ExpectAllRefused(const std::vector<Refusal>& refusals) {
    for (const Refusal& f : refusals) ExpectRefused(f);
  }
};

// Moving a node rewrites the path copies of every table the App registered; a table with a
// `path` column left out keeps stale paths, and scope filters would hide or leak its rows.
TEST_P(RegistryWritesTest, EveryTableWithAPathColumnIsRewrittenWhenANodeMoves) {
  auto conn = app_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  const bool pg = (*conn)->backend() == store::Backend::kPostgres;
  auto rows = (*conn)->Query(
      pg ? "SELECT table_name FROM information_schema.columns WHERE column_name = 'path' "
           "AND table_schema = current_schema() ORDER BY 1"
         : "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c "
           "WHERE m.type = 'table' AND c.name = 'path' ORDER BY 1");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  const auto& copies = app_->tree().path_copies();
  std::vector<std::string> missing;
  for (const auto& row : *rows) {
    std::string table = row.Text(0);
    if (table == "org_node") continue;  // the tree itself
    if (std::find(copies.begin(), copies.end(), table) == copies.end()) missing.push_back(table);
  }
  EXPECT_TRUE(missing.empty()) << "not rewritten on a move: " << ::testing::PrintToString(missing);
}

TEST_P(RegistryWritesTest, OrgNodeCreateRenameDeleteAreAuditedAndScoped) {
  const std::string code = w_.grid_a1.code + "-09";
  const std::string body = R"({"parent_id":)" + Id(w_.grid_a1.id) +
                           R"(,"kind":"building","code":")" + code + R"(","name":"9号楼"})";
  ExpectAllRefused({
      {"worker1", "POST", "/api/v1/org-nodes", body, 403, ""},  // no kOrgWrite
      {"secretary1", "POST", "/api/v1/org-nodes",
       R"({"parent_id":)" + Id(w_.grid_b1.id) + R"(,"kind":"building","code":")" + w_.grid_b1.code +
           R"(-09","name":"9号楼"})",
       422, "parent_id"},  // a parent in community B
      {"secretary1", "POST", "/api/v1/org-nodes",
       R"({"parent_id":)" + Id(w_.grid_a1.id) + R"(,"kind":"building","code":")" + code + "\"}",
       422, "name"},
  });
  const int64_t nodes = Count("org_node");
  auto created = As("secretary1").Send("POST", "/api/v1/org-nodes", body);
  ASSERT_EQ(created.status, 201u) << created.body;
  const int64_t id = created.Json().at("id").as_int64();
  EXPECT_EQ(created.Json().at("parent_id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(Count("org_node"), nodes + 1);
  ExpectAudit("secretary1", "org.create", "org_node", id, code);
  ExpectRefused({"secretary1", "POST", "/api/v1/org-nodes", body, 409, "code"});  // the same code

  const std::string path = "/api/v1/org-nodes/" + Id(id);
  ExpectAllRefused({
      {"worker1", "PATCH", path, R"({"name":"九号楼"})", 403, ""},
      {"secretary1", "PATCH", "/api/v1/org-nodes/" + Id(w_.building_b1.id), R"({"name":"x"})", 404,
       ""},
      {"secretary1", "PATCH", path, R"({"name":""})", 422, "name"},
  });
  auto renamed = As("secretary1").Send("PATCH", path, R"({"name":"九号楼"})");
  ASSERT_EQ(renamed.status, 200u) << renamed.body;
  EXPECT_EQ(renamed.Json().at("name").as_string(), "九号楼");
  ExpectAudit("secretary1", "org.rename", "org_node", id, "9号楼 -> 九号楼");

  ExpectAllRefused({
      {"worker1", "DELETE", path, "", 403, ""},
      {"secretary1", "DELETE", "/api/v1/org-nodes/" + Id(w_.building_b1.id), "", 404, ""},
      // A building with a resident in it.
      {"secretary1", "DELETE", "/api/v1/org-nodes/" + Id(w_.building_a1.id), "", 409, ""},
      // One's own scope node.
      {"secretary1", "DELETE", "/api/v1/org-nodes/" + Id(w_.community_a.id), "", 403, ""},
  });
  auto deleted = As("secretary1").Send("DELETE", path);
  ASSERT_EQ(deleted.status, 204u) << deleted.body;
  EXPECT_EQ(Count("org_node"), nodes);
  ExpectAudit("secretary1", "org.delete", "org_node", id, code);
  EXPECT_EQ(As("secretary1").Send("GET", path).status, 404u);
}

TEST_P(RegistryWritesTest, PartyOrgsAndServiceCentresAreCreatedInsideScopeAndListed) {
  // Reads: the branch of grid A1 is there for its community, not for grid B1's worker.
  auto orgs = As("grid1").Send("GET", "/api/v1/party-orgs");
  ASSERT_EQ(orgs.status, 200u) << orgs.body;
  ASSERT_EQ(orgs.Json().at("items").as_array().size(), 1u) << orgs.body;
  EXPECT_EQ(orgs.Json().at("items").as_array()[0].at("name").as_string(), "一网格党支部");
  const std::string branch = "/api/v1/party-orgs/" + Id(w_.branch_a1.id);
  auto one = As("member1").Send("GET", branch);
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(one.Json().at("node_id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(As("grid2").Send("GET", branch).status, 404u);
  EXPECT_EQ(As("grid2").Send("GET", "/api/v1/party-orgs").Json().at("items").as_array().size(), 0u);
  EXPECT_EQ(Anonymous()->Send("GET", branch).status, 401u);

  const std::string org =
      R"({"node_id":)" + Id(w_.grid_a1.id) + R"(,"kind":"grid_group","name":"一网格第一党小组"})";
  ExpectAllRefused({
      {"worker1", "POST", "/api/v1/party-orgs", org, 403, ""},
      {"secretary1", "POST", "/api/v1/party-orgs",
       R"({"node_id":)" + Id(w_.grid_b1.id) + R"(,"kind":"grid_group","name":"x"})", 422,
       "node_id"},
      {"secretary1", "POST", "/api/v1/party-orgs",
       R"({"node_id":)" + Id(w_.grid_a1.id) + R"(,"kind":"club","name":"x"})", 422, "kind"},
  });
  const int64_t orgs_before = Count("party_org");
  auto created = As("secretary1").Send("POST", "/api/v1/party-orgs", org);
  ASSERT_EQ(created.status, 201u) << created.body;
  const int64_t org_id = created.Json().at("id").as_int64();
  EXPECT_EQ(Count("party_org"), orgs_before + 1);
  ExpectAudit("secretary1", "party_org.create", "party_org", org_id, "一网格第一党小组");

  const std::string centre = R"({"node_id":)" + Id(w_.community_a.id) +
                             R"(,"name":"东方街北党群服务中心","floor_area_m2":600,)"
                             R"("location":[116.405,39.505]})";
  ExpectAllRefused({
      {"worker1", "POST", "/api/v1/service-centers", centre, 403, ""},
      {"secretary1", "POST", "/api/v1/service-centers",
       R"({"node_id":)" + Id(w_.community_b.id) +
           R"(,"name":"x","floor_area_m2":600,"location":[116.405,39.505]})",
       422, "node_id"},
      {"secretary1", "POST", "/api/v1/service-centers",
       R"({"node_id":)" + Id(w_.community_a.id) +
           R"(,"name":"x","floor_area_m2":-1,"location":[116.405,39.505]})",
       422, "floor_area_m2"},
  });
  auto made = As("secretary1").Send("POST", "/api/v1/service-centers", centre);
  ASSERT_EQ(made.status, 201u) << made.body;
  const int64_t centre_id = made.Json().at("id").as_int64();
  ExpectAudit("secretary1", "service_center.create", "service_center", centre_id,
              "东方街北党群服务中心");
  auto centres = As("worker1").Send("GET", "/api/v1/service-centers");
  ASSERT_EQ(centres.status, 200u) << centres.body;
  ASSERT_EQ(centres.Json().at("items").as_array().size(), 1u) << centres.body;
  EXPECT_EQ(centres.Json().at("items").as_array()[0].at("id").as_int64(), centre_id);
  EXPECT_EQ(As("grid2").Send("GET", "/api/v1/service-centers").Json().at("items").as_array().size(),
            0u);
}

TEST_P(RegistryWritesTest, StaffingViewsCountTheStaffInsideScope) {
  auto hired = As("secretary1")
                   .Send("POST", "/api/v1/staff",
                         R"({"kind":"grid_worker","employment":"full_time","node_id":)" +
                             Id(w_.community_a.id) + R"(,"name":"网格员甲","grid_ids":[)" +
                             Id(w_.grid_a1.id) + "]}");
  ASSERT_EQ(hired.status, 201u) << hired.body;
  const std::string before = Registry();
  auto node =
      As("secretary1").Send("GET", "/api/v1/org-nodes/" + Id(w_.community_a.id) + "/staffing");
  ASSERT_EQ(node.status, 200u) << node.body;
  // Community A: its two residents, the one full-time grid worker, its two grids.
  auto community_a = [&](const json::value& page) {
    for (const json::value& item : page.at("items").as_array()) {
      if (item.at("community_id").as_int64() == w_.community_a.id) return item.as_object();
    }
    ADD_FAILURE() << "no row for community A: " << json::serialize(page);
    return json::object{};
  };
  json::object a = community_a(node.Json());
  EXPECT_EQ(node.Json().at("items").as_array().size(), 1u) << node.body;
  EXPECT_EQ(a["residents"].as_int64(), 2);
  EXPECT_EQ(a["grid_workers_full_time"].as_int64(), 1);
  EXPECT_EQ(a["grids"].as_int64(), 2);
  auto all = As("street1").Send("GET", "/api/v1/staffing");
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(all.Json().at("items").as_array().size(), 2u) << all.body;  // communities A and B
  EXPECT_EQ(community_a(all.Json())["grid_workers_full_time"].as_int64(), 1);
  // Refusals: a unit admin may not read staff; a grid worker cannot see its community.
  EXPECT_EQ(As("unit1").Send("GET", "/api/v1/staffing").status, 403u);
  EXPECT_EQ(
      As("grid1").Send("GET", "/api/v1/org-nodes/" + Id(w_.community_a.id) + "/staffing").status,
      404u);
  EXPECT_EQ(As("secretary1")
                .Send("GET", "/api/v1/org-nodes/" + Id(w_.community_b.id) + "/staffing")
                .status,
            404u);
  EXPECT_EQ(Registry(), before);  // reads write nothing, not even the audit log
}

TEST_P(RegistryWritesTest, RelocatingAResidentMovesItInsideScopeAndAuditsIt) {
  const std::string path = "/api/v1/residents/" + Id(w_.ra1.id);
  const std::string to_a2 = R"({"building_id":)" + Id(w_.building_a2.id) + R"(,"room":"2-201"})";
  ExpectAllRefused({
      {"street1", "PATCH", path, to_a2, 403, ""},  // no kPeopleWrite
      {"grid2", "PATCH", path, to_a2, 404, ""},    // resident outside grid B1
      {"secretary1", "PATCH", path,
       R"({"building_id":)" + Id(w_.building_b1.id) + R"(,"room":"2-201"})", 422, "building_id"},
      {"grid1", "PATCH", path, to_a2, 422, "building_id"},  // building A2 is outside grid A1
      {"secretary1", "PATCH", path, R"({"room":"2-201"})", 422, "building_id"},
  });
  auto moved = As("secretary1").Send("PATCH", path, to_a2);
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(moved.Json().at("building_id").as_int64(), w_.building_a2.id);
  EXPECT_EQ(moved.Json().at("room").as_string(), "2-201");
  ExpectAudit("secretary1", "resident.relocate", "resident", w_.ra1.id, "");
  // Scope follows the building: grid A1's worker no longer sees them.
  EXPECT_EQ(As("grid1").Send("GET", path).status, 404u);
  EXPECT_EQ(As("secretary1").Send("GET", path).Json().at("building_id").as_int64(),
            w_.building_a2.id);
}

TEST_P(RegistryWritesTest, PartyMemberCreateReadAndRegistration) {
  const std::string number = IdNumber(41);
  const std::string body = R"({"name":"党员甲","id_number":")" + number +
                           R"(","phone":"13900000041","party_org_id":)" + Id(w_.branch_a1.id) + "}";
  std::string bad_number = number;
  bad_number.back() = bad_number.back() == '1' ? '2' : '1';
  ExpectAllRefused({
      {"street1", "POST", "/api/v1/party-members", body, 403, ""},
      {"secretary1", "POST", "/api/v1/party-members",
       R"({"name":"党员甲","id_number":")" + bad_number + R"(","party_org_id":)" +
           Id(w_.branch_a1.id) + "}",
       422, "id_number"},
      {"secretary1", "POST", "/api/v1/party-members",
       R"({"name":"党员甲","id_number":")" + number + R"(","party_org_id":0})", 422,
       "party_org_id"},
  });
  const int64_t members = Count("party_member");
  auto created = As("secretary1").Send("POST", "/api/v1/party-members", body);
  ASSERT_EQ(created.status, 201u) << created.body;
  const int64_t id = created.Json().at("id").as_int64();
  EXPECT_EQ(Count("party_member"), members + 1);
  ExpectAudit("secretary1", "party_member.create", "party_member", id, "");
  EXPECT_EQ(created.body.find(number), std::string::npos) << created.body;
  ExpectRefused({"secretary1", "POST", "/api/v1/party-members", body, 409, "id_number"});

  const std::string path = "/api/v1/party-members/" + Id(id);
  auto read = As("grid1").Send("GET", path);
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.Json().at("name").as_string(), "党员甲");
  EXPECT_EQ(read.Json().at("phone").as_string(), "139****0041");
  EXPECT_EQ(As("grid2").Send("GET", path).status, 404u);
  EXPECT_EQ(As("resident1").Send("GET", path).status, 403u);

  const std::string to_a = R"({"community_id":)" + Id(w_.community_a.id) + "}";
  ExpectAllRefused({
      {"street1", "PUT", path + "/registration", to_a, 403, ""},
      {"grid2", "PUT", path + "/registration", to_a, 404, ""},
      {"secretary1", "PUT", path + "/registration",
       R"({"community_id":)" + Id(w_.community_b.id) + "}", 422, "community_id"},
  });
  auto registered = As("secretary1").Send("PUT", path + "/registration", to_a);
  ASSERT_EQ(registered.status, 200u) << registered.body;
  EXPECT_EQ(registered.Json().at("residence_node_id").as_int64(), w_.community_a.id);
  AuditEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "party_member.register");
  EXPECT_EQ(audit.subject_id, id);
  EXPECT_EQ(audit.account_id, AccountId("secretary1"));
}

TEST_P(RegistryWritesTest, UnitsArePairedImportedAndExportedInsideScope) {
  const std::string unit =
      R"({"node_id":)" + Id(w_.street.id) + R"(,"kind":"enterprise","name":"东方物业"})";
  ExpectAllRefused({
      {"secretary1", "POST", "/api/v1/units", unit, 403, ""},  // no kUnitsWrite
      {"street1", "POST", "/api/v1/units",
       R"({"node_id":)" + Id(w_.county.id) + R"(,"kind":"enterprise","name":"x"})", 422, "node_id"},
      {"street1", "POST", "/api/v1/units",
       R"({"node_id":)" + Id(w_.street.id) + R"(,"kind":"club","name":"x"})", 422, "kind"},
  });
  const int64_t units = Count("unit");
  auto created = As("street1").Send("POST", "/api/v1/units", unit);
  ASSERT_EQ(created.status, 201u) << created.body;
  const int64_t id = created.Json().at("id").as_int64();
  EXPECT_EQ(Count("unit"), units + 1);
  ExpectAudit("street1", "unit.create", "unit", id, "东方物业");

  const std::string pairings = "/api/v1/units/" + Id(id) + "/pairings";
  const std::string to_b = R"({"node_id":)" + Id(w_.community_b.id) + "}";
  ExpectAllRefused({
      {"secretary1", "POST", pairings, to_b, 403, ""},
      {"street1", "POST", pairings, R"({"node_id":)" + Id(w_.county.id) + "}", 422, "node_id"},
      {"street1", "POST", "/api/v1/units/" + Id(id + 1000) + "/pairings", to_b, 404, ""},
  });
  auto paired = As("street1").Send("POST", pairings, to_b);
  ASSERT_EQ(paired.status, 201u) << paired.body;
  ExpectAudit("street1", "unit.pair", "unit", id, Id(w_.community_b.id));
  ExpectRefused({"street1", "POST", pairings, to_b, 409, "node_id"});  // already paired
  auto listed = As("secretary1").Send("GET", "/api/v1/units");
  ASSERT_EQ(listed.status, 200u) << listed.body;
  // Community A's secretary sees units sitting in or paired with its subtree, not B's new one.
  EXPECT_EQ(listed.body.find("东方物业"), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find("县住建局"), std::string::npos) << listed.body;

  const std::string csv = "name,kind,node_code\n西关商店,enterprise," + w_.street.code + "\n";
  ExpectAllRefused({
      {"secretary1", "POST", "/api/v1/imports/units", csv, 403, ""},
      {"street1", "POST", "/api/v1/imports/units", csv + "坏单位,club," + w_.street.code + "\n",
       422, "line 3.kind"},
  });
  auto imported = As("street1").Send("POST", "/api/v1/imports/units", csv);
  ASSERT_EQ(imported.status, 200u) << imported.body;
  EXPECT_EQ(imported.Json().at("inserted").as_int64(), 1);
  EXPECT_EQ(Count("unit"), units + 2);
  ExpectAudit("street1", "import.units", "unit", 0, "1 rows");

  // The exports hold the records of the caller's scope, masked.
  auto units_csv = As("street1").Send("GET", "/api/v1/exports/units.csv");
  ASSERT_EQ(units_csv.status, 200u) << units_csv.body;
  EXPECT_NE(units_csv.body.find("西关商店"), std::string::npos) << units_csv.body;
  EXPECT_NE(units_csv.body.find("东方物业"), std::string::npos) << units_csv.body;
  auto residents_csv = As("secretary1").Send("GET", "/api/v1/exports/residents.csv");
  ASSERT_EQ(residents_csv.status, 200u) << residents_csv.body;
  EXPECT_NE(residents_csv.body.find("居民1"), std::string::npos) << residents_csv.body;
  EXPECT_NE(residents_csv.body.find(core::MaskIdNumber(IdNumber(1))), std::string::npos);
  EXPECT_EQ(residents_csv.body.find("居民3"), std::string::npos) << residents_csv.body;
  auto members_csv = As("grid1").Send("GET", "/api/v1/exports/party-members.csv");
  ASSERT_EQ(members_csv.status, 200u) << members_csv.body;
  EXPECT_NE(members_csv.body.find("党员四"), std::string::npos) << members_csv.body;
  EXPECT_EQ(As("unit1").Send("GET", "/api/v1/exports/residents.csv").status, 403u);
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/exports/units.csv").status, 403u);
}

TEST_P(RegistryWritesTest, AccountsAreCreatedByAccountAdminsWithinTheirRole) {
  const std::string body = R"({"username":"resident9","display_name":"居民九","password":")" +
                           std::string(kPassword) + R"(","role":"resident","scope_node_id":)" +
                           Id(w_.building_a1.id) + "}";
  ExpectAllRefused({
      // A street admin manages its street's accounts, never above its own role.
      {"street1", "POST", "/api/v1/accounts",
       R"({"username":"boss9","display_name":"县长","password":"long-enough-1",)"
       R"("role":"county_admin","scope_node_id":)" +
           Id(w_.street.id) + "}",
       422, "role"},
      {"secretary1", "POST", "/api/v1/accounts", body, 403, ""},
      {"admin", "POST", "/api/v1/accounts",
       R"({"username":"r9","display_name":"居民九","password":"long-enough-1",)"
       R"("role":"resident","scope_node_id":)" +
           Id(w_.building_a1.id) + "}",
       422, "username"},
      {"admin", "POST", "/api/v1/accounts",
       R"({"username":"resident9","display_name":"居民九","password":"long-enough-1",)"
       R"("role":"mayor","scope_node_id":)" +
           Id(w_.building_a1.id) + "}",
       422, "role"},
      {"admin", "POST", "/api/v1/accounts",
       R"({"username":"resident1","display_name":"居民九","password":"long-enough-1",)"
       R"("role":"resident","scope_node_id":)" +
           Id(w_.building_a1.id) + "}",
       409, "username"},
  });
  auto created = As("admin").Send("POST", "/api/v1/accounts", body);
  ASSERT_EQ(created.status, 201u) << created.body;
  const int64_t id = created.Json().at("id").as_int64();
  EXPECT_EQ(id, AccountId("resident9"));
  ExpectAudit("admin", "account.create", "account", id, "resident9");
  EXPECT_EQ(created.body.find(kPassword), std::string::npos) << created.body;
  // The new account logs in and holds the scope it was given.
  auto me = As("resident9").Send("GET", "/api/v1/me");
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(me.Json().at("role").as_string(), "resident");
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryWritesTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
