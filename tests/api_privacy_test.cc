// Personal data: never unmasked in ordinary responses, revealed only through
// the audited endpoint to roles that may see it, never in plaintext on disk.
#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "api_harness.h"
#include "core/pii.h"

namespace civicgrid::tests {
namespace {

class PrivacyTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    const domain::Caller admin = Must(app_->CallerFor("admin"), "admin");
    // A grid worker with a phone, and a ticket with the submitter's phone.
    domain::NewStaff s;
    s.kind = domain::StaffKind::kGridWorker;
    s.employment = domain::Employment::kFullTime;
    s.node_id = w_.community_a.id;
    s.name = "网格员甲";
    s.phone = "13600000007";
    s.grid_ids = {w_.grid_a1.id};
    staff_id_ = Must(app_->staff().Create(admin, s), "staff").id;
    w_.plain_pii["13600000007"] = "staff phone";
    auto category = Must(app_->categories().GetByCode("E01.01"), "category");
    auto ticket =
        As("resident1")
            .Send("POST", "/api/v1/tickets",
                  R"({"category_id":)" + std::to_string(category.id) +
                      R"(,"description":"路灯不亮","is_public":true,"phone":"13700000008",)"
                      R"("contact_name":"张先生","location":[)" +
                      std::to_string(GridCenter(0).lon) + "," + std::to_string(GridCenter(0).lat) +
                      "]}");
    ASSERT_EQ(ticket.status, 201u) << ticket.body;
    ticket_id_ = ticket.Json().at("id").as_int64();
    ticket_number_ = std::string(ticket.Json().at("number").as_string());
    w_.plain_pii["13700000008"] = "ticket submitter phone";
  }

  struct Browse {
    std::string path;
    std::string reader;                  // must get 200 with real data ("" = anonymous)
    std::vector<std::string> must_hold;  // e.g. the masked forms: proof the record is there
  };
  // Every GET endpoint a person could use to browse people and tickets, with
  // who must see real data there.
  std::vector<Browse> BrowsePaths() {
    auto id = [](int64_t v) { return std::to_string(v); };
    const std::string ra1_phone = core::MaskPhone("13800000001");
    const std::string ra1_id = core::MaskIdNumber(IdNumber(1));
    const std::string member_phone = core::MaskPhone("13900000004");
    const std::string member_id = core::MaskIdNumber(IdNumber(4));
    const std::string staff_phone = core::MaskPhone("13600000007");
    const std::string ticket_phone = core::MaskPhone("13700000008");
    const std::string ticket = "/api/v1/tickets/" + id(ticket_id_);
    return {
        {"/api/v1/residents", "secretary1", {ra1_phone, ra1_id, "居民2"}},
        {"/api/v1/residents/" + id(w_.ra1.id), "grid1", {ra1_phone, ra1_id}},
        {"/api/v1/residents/" + id(w_.rb1.id), "grid2", {core::MaskPhone("13800000003")}},
        {"/api/v1/residents?phone=13800000001", "admin", {ra1_phone, ra1_id}},
        {"/api/v1/residents?id_number=" + IdNumber(1), "worker1", {ra1_phone, ra1_id}},
        {"/api/v1/party-members", "secretary1", {member_phone, member_id}},
        {"/api/v1/party-members/" + id(w_.member.id), "member1", {member_phone, member_id}},
        // A unit admin reads its own unit's members.
        {"/api/v1/party-members", "unit1", {member_phone, member_id}},
        {"/api/v1/party-members/" + id(w_.member.id), "unit1", {member_phone, member_id}},
        {"/api/v1/staff", "secretary1", {staff_phone, "网格员甲"}},
        {"/api/v1/staff/" + id(staff_id_), "grid1", {staff_phone, "网格员甲"}},
        {"/api/v1/units", "unit1", {"县住建局"}},
        {"/api/v1/units/" + id(w_.unit.id), "secretary1", {"县住建局"}},
        {"/api/v1/exports/residents.csv", "admin", {ra1_phone, ra1_id}},
        {"/api/v1/exports/party-members.csv", "unit1", {member_phone, member_id}},
        {"/api/v1/exports/units.csv", "street1", {"县住建局"}},
        {"/api/v1/tickets", "secretary1", {ticket_phone, ticket_number_}},
        {"/api/v1/tickets", "resident1", {ticket_phone, ticket_number_}},
        {"/api/v1/staff?limit=100", "grid1", {staff_phone, "网格员甲"}},
        {ticket, "resident1", {ticket_phone, "张先生"}},
        {ticket, "grid1", {ticket_phone, "张先生"}},
        {ticket + "/events", "secretary1", {"submit"}},
        {"/api/v1/me", "resident1", {"resident1"}},
        // Ticket submissions go to the ticket's own event log, not the audit log.
        {"/api/v1/audit?limit=500", "admin", {"resident.create", "staff.create"}},
        {"/open311/v2/requests.json", "", {ticket_number_}},
        {"/open311/v2/requests/" + ticket_number_ + ".json", "", {ticket_number_}},
    };
  }
  void ExpectNoPlainPii(const std::string& user, const std::string& path, const std::string& body) {
    for (const auto& [value, kind] : w_.plain_pii) {
      EXPECT_EQ(body.find(value), std::string::npos)
          << user << " GET " << path << " leaked a " << kind << ": " << body;
    }
  }

  int64_t staff_id_ = 0;
  int64_t ticket_id_ = 0;
  std::string ticket_number_;
};

TEST_P(PrivacyTest, EveryBrowsePathGivesRealDataAndOnlyMaskedPii) {
  for (const Browse& b : BrowsePaths()) {
    // First: the reader really gets the records (not an error, not an empty list).
    auto response =
        b.reader.empty() ? Anonymous()->Send("GET", b.path) : As(b.reader).Send("GET", b.path);
    ASSERT_EQ(response.status, 200u) << b.reader << " GET " << b.path << ": " << response.body;
    for (const std::string& expected : b.must_hold) {
      EXPECT_NE(response.body.find(expected), std::string::npos)
          << b.reader << " GET " << b.path << " lacks " << expected << ": " << response.body;
    }
    ExpectNoPlainPii(b.reader, b.path, response.body);
    // Then: nobody, whatever they get there, sees a plain ID number or phone.
    for (const std::string& user : Usernames()) {
      ExpectNoPlainPii(user, b.path, As(user).Send("GET", b.path).body);
    }
  }
}

TEST_P(PrivacyTest, MaskedFormsKeepTheirShape) {
  auto masked = As("admin").Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id));
  ASSERT_EQ(masked.status, 200u) << masked.body;
  EXPECT_EQ(masked.Json().at("phone").as_string(), "138****0001");
  const std::string id_number(masked.Json().at("id_number").as_string());
  EXPECT_EQ(id_number.size(), 18u);
  EXPECT_NE(id_number.find("**********"), std::string::npos);
  EXPECT_EQ(id_number, core::MaskIdNumber(IdNumber(1)));
  auto staff = As("admin").Send("GET", "/api/v1/staff/" + std::to_string(staff_id_));
  ASSERT_EQ(staff.status, 200u) << staff.body;
  EXPECT_EQ(staff.Json().at("phone").as_string(), "136****0007");
  auto ticket = As("secretary1").Send("GET", "/api/v1/tickets/" + std::to_string(ticket_id_));
  ASSERT_EQ(ticket.status, 200u) << ticket.body;
  EXPECT_EQ(ticket.Json().at("submitter_phone").as_string(), "137****0008");
  // Someone who is neither staff nor the submitter gets neither the phone nor the whole name.
  auto stranger = As("member1").Send("GET", "/api/v1/tickets/" + std::to_string(ticket_id_));
  ASSERT_EQ(stranger.status, 200u) << stranger.body;
  EXPECT_TRUE(stranger.Json().at("submitter_phone").is_null()) << stranger.body;
  EXPECT_NE(stranger.Json().at("submitter_name").as_string(), "张先生") << stranger.body;
}

TEST_P(PrivacyTest, TicketContactRevealIsAuditedAndRefusedWithoutPermission) {
  const std::string path = "/api/v1/tickets/" + std::to_string(ticket_id_) + "/contact";
  const int64_t before = Count("audit_log");
  for (const std::string user : {"street1", "unit1", "member1", "resident1"}) {
    auto refused = As(user).Send("GET", path);
    EXPECT_EQ(refused.status, 403u) << user << ": " << refused.body;
    ExpectNoPlainPii(user, path, refused.body);
  }
  EXPECT_EQ(Count("audit_log"), before);
  auto revealed = As("grid1").Send("GET", path);
  ASSERT_EQ(revealed.status, 200u) << revealed.body;
  EXPECT_EQ(revealed.Json().at("phone").as_string(), "13700000008");
  EXPECT_EQ(revealed.Json().at("name").as_string(), "张先生");
  EXPECT_EQ(revealed.Header("Cache-Control"), "no-store");
  EXPECT_EQ(Count("audit_log"), before + 1);
  auto audit = As("admin").Send("GET", "/api/v1/audit?limit=500").Json();
  const auto& last = audit.at("items").as_array().back();
  EXPECT_EQ(last.at("action").as_string(), "pii.reveal");
  EXPECT_EQ(last.at("subject_type").as_string(), "ticket");
  EXPECT_EQ(last.at("subject_id").as_int64(), ticket_id_);
}

TEST_P(PrivacyTest, RevealIsAuditedAndVerifiable) {
  int64_t before = Count("audit_log");
  auto revealed =
      As("secretary1").Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id) + "/pii");
  ASSERT_EQ(revealed.status, 200u) << revealed.body;
  EXPECT_EQ(revealed.Json().at("id_number").as_string(), IdNumber(1));
  EXPECT_EQ(revealed.Header("Cache-Control"), "no-store");
  EXPECT_EQ(Count("audit_log"), before + 1);
  auto audit = As("admin").Send("GET", "/api/v1/audit?limit=500").Json();
  const auto& last = audit.at("items").as_array().back();
  EXPECT_EQ(last.at("action").as_string(), "pii.reveal");
  EXPECT_EQ(last.at("subject_id").as_int64(), w_.ra1.id);
  EXPECT_EQ(last.at("request_id").as_string(), revealed.Header("X-Request-Id"));
  auto verify = As("admin").Send("GET", "/api/v1/audit/verify").Json();
  EXPECT_TRUE(verify.at("ok").as_bool());
  // The reason the console asks for is kept in the audit entry; an overlong one is refused.
  auto with_reason = As("secretary1")
                         .Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id) +
                                          "/pii?reason=%E6%A0%B8%E5%AF%B9");
  ASSERT_EQ(with_reason.status, 200u) << with_reason.body;
  auto audited = As("admin").Send("GET", "/api/v1/audit?limit=500").Json();
  EXPECT_EQ(audited.at("items").as_array().back().at("detail").as_string(),
            "id_number,phone; reason: 核对");
  // The limit is 200 characters, not bytes: 200 Chinese characters pass, 201 letters do not.
  std::string two_hundred_chinese;
  for (int i = 0; i < 200; ++i) two_hundred_chinese += "%E6%A0%B8";
  auto at_limit = As("secretary1")
                      .Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id) +
                                       "/pii?reason=" + two_hundred_chinese);
  EXPECT_EQ(at_limit.status, 200u) << at_limit.body;
  auto too_long = As("secretary1")
                      .Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id) +
                                       "/pii?reason=" + std::string(201, 'x'));
  EXPECT_EQ(too_long.status, 422u);
  EXPECT_NE(too_long.body.find("\"reason\""), std::string::npos) << too_long.body;
  // A refused reveal writes nothing and reveals nothing.
  auto refused =
      As("street1").Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id) + "/pii");
  EXPECT_EQ(refused.status, 403u);
  ExpectNoPlainPii("street1", "pii", refused.body);
  EXPECT_EQ(Count("audit_log"), before + 3);  // the three granted reveals
}

// Reads the SQLite file itself, so it runs on SQLite only.
class PrivacySqliteFileTest : public PrivacyTest {};

TEST_P(PrivacySqliteFileTest, SqliteFileHoldsNoPlaintextIdNumberOrPhone) {
  std::string raw;
  for (const std::string& path : {test_db_->sqlite_path(), test_db_->sqlite_path() + "-wal"}) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    raw += buffer.str();
  }
  ASSERT_NE(raw.find("东方街北社区"), std::string::npos) << "the scan must see real rows";
  for (const auto& [value, kind] : w_.plain_pii) {
    EXPECT_EQ(raw.find(value), std::string::npos) << kind << " in plaintext on disk";
  }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, PrivacySqliteFileTest, ::testing::Values(store::Backend::kSqlite),
                         store::testing::BackendParamName());
INSTANTIATE_TEST_SUITE_P(Backends, PrivacyTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
