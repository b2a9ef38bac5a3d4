#include "api_harness.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/pii.h"
#include "http/api/openapi_doc.h"
#include "http/open311/open311.h"

namespace civicgrid::tests {
namespace {}  // namespace

core::Status RecordingSms::Send(const std::string& phone, const std::string& text) {
  std::lock_guard lock(mu_);
  // The code is the first run of six digits.
  for (size_t i = 0; i + 6 <= text.size(); ++i) {
    if (std::all_of(text.begin() + static_cast<long>(i), text.begin() + static_cast<long>(i) + 6,
                    [](char c) { return c >= '0' && c <= '9'; })) {
      codes_[phone] = text.substr(i, 6);
      break;
    }
  }
  ++sent_;
  return core::Ok();
}

std::string RecordingSms::LastCode(const std::string& phone) {
  std::lock_guard lock(mu_);
  return codes_[phone];
}

int RecordingSms::sent() {
  std::lock_guard lock(mu_);
  return sent_;
}

const std::vector<std::string>& Usernames() {
  static const std::vector<std::string> kNames = {"admin",   "street1", "secretary1",
                                                  "worker1", "grid1",   "grid2",
                                                  "unit1",   "member1", "resident1"};
  return kNames;
}

const std::vector<std::string>& OutsideUsernames() {
  static const std::vector<std::string> kNames = {"street2", "secretary2", "grid3",
                                                  "unit2",   "member2",    "resident2"};
  return kNames;
}

std::string ApiTest::IdNumber(int serial) {
  std::string first17 = fmt::format("131022{:04}0315{:03}", 1950 + serial % 50, serial % 1000);
  return first17 + core::IdNumberCheckChar(first17);
}

void ApiTest::SetUp() {
  test_db_ = store::testing::TestDatabase::Create(GetParam(), {}, &skipped_);
  if (skipped_) GTEST_SKIP() << "PostgreSQL skipped";
  ASSERT_NE(test_db_, nullptr);
  dir_ = (std::filesystem::temp_directory_path() / ("cg-api-" + core::RandomToken(6))).string();
  app::AppOptions options;
  options.db_url = test_db_->url();
  options.key_file = dir_ + "/pii.key";
  options.attachments_dir = dir_ + "/attachments";
  options.pool_size = 4;
  options.password.ops_limit = 1;
  options.password.mem_limit = 8192;
  options.clock = clock_;
  options.sms_sender = sms_;
  auto opened = app::App::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  app_ = std::move(opened).value();
  ASSERT_NO_THROW(BuildWorld());
  auto& a = *app_;
  http::ApiOptions api_options;
  api_options.openapi_json = std::string(http::OpenApiDocument());
  api_options.import_max_bytes = 4 << 20;
  services_ = std::make_unique<http::ApiServices>(app::MakeApiServices(a, metrics_, api_options));
  http::RegisterApi(router_, *services_);
  http::RegisterOpen311Routes(router_, *services_);
  http::ServerOptions server_options;
  server_options.listen = "127.0.0.1:0";
  server_options.threads = 2;
  // More requests in flight than I/O threads (issue 13): handlers run on
  // workers, more of them than the database pool, so races really overlap.
  server_options.workers = 6;
  server_ = std::make_unique<http::Server>(server_options, router_, &metrics_);
  auto started = server_->Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
}

void ApiTest::TearDown() {
  clients_.clear();
  if (server_) server_->Stop();
  server_.reset();
  app_.reset();
  test_db_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void ApiTest::BuildWorld() {
  auto& tree = app_->tree();
  using domain::OrgKind;
  auto node = [&](std::optional<int64_t> parent, OrgKind kind, std::string code, std::string name) {
    return Must(tree.Create(nullptr, domain::NewOrgNode{parent, kind, code, name, std::nullopt}),
                "org node");
  };
  w_.county = node(std::nullopt, OrgKind::kCounty, "131022", "固安县");
  w_.street = node(w_.county.id, OrgKind::kStreet, "131022001", "城区街道");
  w_.community_a = node(w_.street.id, OrgKind::kCommunity, "131022001001", "东方街北社区");
  w_.community_b = node(w_.street.id, OrgKind::kCommunity, "131022001002", "西关社区");
  w_.grid_a1 = node(w_.community_a.id, OrgKind::kGrid, "131022001001001", "东方街北一网格");
  w_.grid_a2 = node(w_.community_a.id, OrgKind::kGrid, "131022001001002", "东方街北二网格");
  w_.grid_b1 = node(w_.community_b.id, OrgKind::kGrid, "131022001002001", "西关一网格");
  w_.building_a1 = node(w_.grid_a1.id, OrgKind::kBuilding, "131022001001001-01", "1号楼");
  w_.building_a2 = node(w_.grid_a2.id, OrgKind::kBuilding, "131022001001002-01", "2号楼");
  w_.building_b1 = node(w_.grid_b1.id, OrgKind::kBuilding, "131022001002001-01", "3号楼");

  // Bootstrap the county admin, then act as them.
  auto& accounts = app_->accounts();
  auto account = [](std::string username, domain::Role role, int64_t scope) {
    domain::NewAccount a{username, username,     kPassword,    role,
                         scope,    std::nullopt, std::nullopt, std::nullopt};
    return a;
  };
  Must(accounts.CreateAccount(nullptr, account("admin", domain::Role::kCountyAdmin, w_.county.id)),
       "admin");
  domain::Caller admin = Must(app_->CallerFor("admin"), "admin caller");
  auto resident = [&](const domain::OrgNode& building, int serial, const std::string& phone) {
    w_.plain_pii[IdNumber(serial)] = "id";
    w_.plain_pii[phone] = "phone";
    return Must(app_->residents().Create(
                    admin, domain::NewResident{building.id, "1-10" + std::to_string(serial),
                                               "居民" + std::to_string(serial), IdNumber(serial),
                                               phone, 0}),
                "resident");
  };
  w_.ra1 = resident(w_.building_a1, 1, "13800000001");
  w_.ra2 = resident(w_.building_a2, 2, "13800000002");
  w_.rb1 = resident(w_.building_b1, 3, "13800000003");
  w_.branch_a1 =
      Must(app_->party().CreateOrg(
               admin, domain::NewPartyOrg{w_.grid_a1.id, std::nullopt,
                                          domain::PartyOrgKind::kGridBranch, "一网格党支部"}),
           "branch");
  w_.unit =
      Must(app_->units().Create(admin, domain::NewUnit{w_.county.id, domain::UnitKind::kGovernment,
                                                       "县住建局", std::nullopt, "", ""}),
           "unit");
  Must(app_->units().Pair(admin, w_.unit.id, w_.community_a.id, std::nullopt), "pair");
  w_.plain_pii[IdNumber(4)] = "id";
  w_.plain_pii["13900000004"] = "phone";
  w_.member = Must(app_->party().CreateMember(admin, domain::NewPartyMember{"党员四",
                                                                            IdNumber(4),
                                                                            "13900000004",
                                                                            w_.branch_a1.id,
                                                                            w_.unit.id,
                                                                            w_.community_a.id,
                                                                            std::nullopt,
                                                                            {"维修"},
                                                                            false}),
                   "member");
  // Grid boundaries, so that a location finds its grid: three 0.01° squares
  // side by side near 固安 (A1, A2, B1 from west to east); see GridSquare().
  {
    std::vector<domain::GridBoundary> boundaries;
    const domain::OrgNode* grids[] = {&w_.grid_a1, &w_.grid_a2, &w_.grid_b1};
    for (int i = 0; i < 3; ++i) {
      const double w = kGridWest + 0.01 * i, s = kGridSouth, e = w + 0.01, n = s + 0.01;
      char geometry[256];
      std::snprintf(geometry, sizeof geometry,
                    "{\"type\":\"Polygon\",\"coordinates\":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],"
                    "[%.4f,%.4f],[%.4f,%.4f]]]}",
                    w, s, e, s, e, n, w, n, w, s);
      boundaries.push_back(
          domain::GridBoundary{grids[i]->code, geometry, core::LonLat{w + 0.005, s + 0.005}, ""});
    }
    Must(app_->tree().SetBoundaries(admin, boundaries), "boundaries");
  }
  struct Spec {
    const char* name;
    domain::Role role;
    int64_t scope;
  };
  const Spec specs[] = {{"street1", domain::Role::kStreetAdmin, w_.street.id},
                        {"secretary1", domain::Role::kCommunitySecretary, w_.community_a.id},
                        {"worker1", domain::Role::kCommunityWorker, w_.community_a.id},
                        {"grid1", domain::Role::kGridWorker, w_.grid_a1.id},
                        {"grid2", domain::Role::kGridWorker, w_.grid_b1.id},
                        {"unit1", domain::Role::kUnitAdmin, w_.county.id},
                        {"member1", domain::Role::kPartyMember, w_.community_a.id},
                        {"resident1", domain::Role::kResident, w_.building_a1.id}};
  for (const Spec& s : specs) {
    domain::NewAccount a = account(s.name, s.role, s.scope);
    if (s.role == domain::Role::kUnitAdmin) a.unit_id = w_.unit.id;
    if (s.role == domain::Role::kPartyMember) a.party_member_id = w_.member.id;
    if (s.role == domain::Role::kResident) a.resident_id = w_.ra1.id;
    Must(accounts.CreateAccount(&admin, a), s.name);
  }
  if (second_street_) BuildSecondStreet(admin);
}

void ApiTest::BuildSecondStreet(const domain::Caller& admin) {
  using domain::OrgKind;
  auto& tree = app_->tree();
  auto node = [&](int64_t parent, OrgKind kind, std::string code, std::string name) {
    return Must(tree.Create(&admin, domain::NewOrgNode{parent, kind, code, name, std::nullopt}),
                "org node");
  };
  Outside& o = w_.outside;
  o.street = node(w_.county.id, OrgKind::kStreet, "131022002", "柳泉镇");
  o.community = node(o.street.id, OrgKind::kCommunity, "131022002001", "柳泉社区");
  o.grid = node(o.community.id, OrgKind::kGrid, "131022002001001", "柳泉一网格");
  o.building = node(o.grid.id, OrgKind::kBuilding, "131022002001001-01", "5号楼");
  {
    // Grid C1's square, 0.02° north of A1 (GridCenter(3)); the boundaries of
    // A1, A2 and B1 stay as they are.
    const double w = kGridWest, s = kGridSouth + 0.02, e = w + 0.01, n = s + 0.01;
    char geometry[256];
    std::snprintf(geometry, sizeof geometry,
                  "{\"type\":\"Polygon\",\"coordinates\":[[[%.4f,%.4f],[%.4f,%.4f],[%.4f,%.4f],"
                  "[%.4f,%.4f],[%.4f,%.4f]]]}",
                  w, s, e, s, e, n, w, n, w, s);
    Must(tree.SetBoundaries(admin, {domain::GridBoundary{o.grid.code, geometry,
                                                         core::LonLat{w + 0.005, s + 0.005}, ""}}),
         "boundary C1");
  }
  w_.plain_pii[IdNumber(5)] = "id";
  w_.plain_pii["13800000005"] = "phone";
  o.resident =
      Must(app_->residents().Create(admin, domain::NewResident{o.building.id, "5-101", "居民5",
                                                               IdNumber(5), "13800000005", 0}),
           "resident rc1");
  w_.branch_b1 =
      Must(app_->party().CreateOrg(
               admin, domain::NewPartyOrg{w_.grid_b1.id, std::nullopt,
                                          domain::PartyOrgKind::kGridBranch, "西关一网格党支部"}),
           "branch B1");
  o.branch = Must(app_->party().CreateOrg(
                      admin, domain::NewPartyOrg{o.grid.id, std::nullopt,
                                                 domain::PartyOrgKind::kGridBranch, "柳泉党支部"}),
                  "branch C1");
  o.unit =
      Must(app_->units().Create(admin, domain::NewUnit{o.street.id, domain::UnitKind::kEnterprise,
                                                       "柳泉物业", std::nullopt, "", ""}),
           "unit U2");
  Must(app_->units().Pair(admin, o.unit.id, o.community.id, std::nullopt), "pair U2");
  w_.plain_pii[IdNumber(6)] = "id";
  w_.plain_pii["13900000006"] = "phone";
  o.member = Must(app_->party().CreateMember(admin, domain::NewPartyMember{"党员六",
                                                                           IdNumber(6),
                                                                           "13900000006",
                                                                           o.branch.id,
                                                                           o.unit.id,
                                                                           o.community.id,
                                                                           std::nullopt,
                                                                           {"保洁"},
                                                                           false}),
                  "member M2");
  struct Spec {
    const char* name;
    domain::Role role;
    int64_t scope;
  };
  const Spec specs[] = {{"street2", domain::Role::kStreetAdmin, o.street.id},
                        {"secretary2", domain::Role::kCommunitySecretary, o.community.id},
                        {"grid3", domain::Role::kGridWorker, o.grid.id},
                        {"unit2", domain::Role::kUnitAdmin, w_.county.id},
                        {"member2", domain::Role::kPartyMember, o.community.id},
                        {"resident2", domain::Role::kResident, o.building.id}};
  for (const Spec& s : specs) {
    domain::NewAccount a{s.name,  s.name,       kPassword,    s.role,
                         s.scope, std::nullopt, std::nullopt, std::nullopt};
    if (s.role == domain::Role::kUnitAdmin) a.unit_id = o.unit.id;
    if (s.role == domain::Role::kPartyMember) a.party_member_id = o.member.id;
    if (s.role == domain::Role::kResident) a.resident_id = o.resident.id;
    Must(app_->accounts().CreateAccount(&admin, a), s.name);
  }
}

http::TestClient& ApiTest::As(const std::string& username) {
  auto it = clients_.find(username);
  if (it != clients_.end()) return *it->second;
  auto client = std::make_unique<http::TestClient>(server_->port());
  client->set_cookie_jar(true);
  auto login =
      client->Send("POST", "/api/v1/session",
                   R"({"username":")" + username + R"(","password":")" + kPassword + R"("})");
  EXPECT_EQ(login.status, 200u) << username << ": " << login.body;
  return *clients_.emplace(username, std::move(client)).first->second;
}

std::unique_ptr<http::TestClient> ApiTest::Anonymous() {
  return std::make_unique<http::TestClient>(server_->port());
}

AuditEntry ApiTest::LastAudit() {
  auto conn = Must(app_->db().Acquire(), "connection");
  store::Row r = Must(conn->QueryOne("SELECT account_id, action, subject_type, subject_id, detail "
                                     "FROM audit_log ORDER BY seq DESC LIMIT 1"),
                      "audit");
  return {r.Int(0), r.Text(1), r.Text(2), r.Int(3), r.Text(4)};
}

int64_t ApiTest::AccountId(const std::string& username) {
  auto conn = Must(app_->db().Acquire(), "connection");
  return Must(conn->QueryInt("SELECT id FROM account WHERE username = $1", {username}), username);
}

int64_t ApiTest::Count(const std::string& table) {
  auto conn = app_->db().Acquire();
  return (*conn)->QueryInt("SELECT COUNT(*) FROM " + table).value();
}

}  // namespace civicgrid::tests
