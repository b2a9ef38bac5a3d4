// Personal data: never unmasked in ordinary responses, revealed only through
// the audited endpoint to roles that may see it, never in plaintext on disk.
#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

class PrivacyTest : public ApiTest {
 protected:
  // Every GET endpoint a person could use to browse the registry.
  std::vector<std::string> BrowsePaths() {
    auto id = [](int64_t v) { return std::to_string(v); };
    return {"/api/v1/residents",
            "/api/v1/residents/" + id(w_.ra1.id),
            "/api/v1/residents/" + id(w_.rb1.id),
            "/api/v1/residents?phone=13800000001",
            "/api/v1/party-members",
            "/api/v1/party-members/" + id(w_.member.id),
            "/api/v1/staff",
            "/api/v1/exports/residents.csv",
            "/api/v1/exports/party-members.csv",
            "/api/v1/me",
            "/api/v1/audit"};
  }
  void ExpectNoPlainPii(const std::string& user, const std::string& path, const std::string& body) {
    for (const auto& [value, kind] : w_.plain_pii) {
      EXPECT_EQ(body.find(value), std::string::npos)
          << user << " GET " << path << " leaked a " << kind << ": " << body;
    }
  }
};

TEST_P(PrivacyTest, NoRoleSeesUnmaskedPiiOutsideTheRevealEndpoint) {
  for (const std::string& user : Usernames()) {
    for (const std::string& path : BrowsePaths()) {
      auto response = As(user).Send("GET", path);
      ExpectNoPlainPii(user, path, response.body);
    }
  }
  auto masked = As("admin").Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id)).Json();
  EXPECT_EQ(masked.at("phone").as_string(), "138****0001");
  EXPECT_EQ(masked.at("id_number").as_string().size(), 18u);
  EXPECT_NE(masked.at("id_number").as_string().find("**********"), std::string::npos);
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
  // A refused reveal writes nothing and reveals nothing.
  auto refused =
      As("street1").Send("GET", "/api/v1/residents/" + std::to_string(w_.ra1.id) + "/pii");
  EXPECT_EQ(refused.status, 403u);
  ExpectNoPlainPii("street1", "pii", refused.body);
  EXPECT_EQ(Count("audit_log"), before + 1);
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
