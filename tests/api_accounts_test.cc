// Account administration, the public community list, resident
// self-registration and what /me says, over real HTTP on both backends.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class AccountsTest : public ApiTest {
 protected:
  AccountsTest() { sms_ = &sms_recorder_; }

  std::string Field(const http::ClientResponse& r) {
    return std::string(r.Json().at("error").at("field").as_string());
  }
  std::string Code(const http::ClientResponse& r) {
    return std::string(r.Json().at("error").at("code").as_string());
  }
  // Registers `phone` in community A on a fresh client (kept logged in).
  http::ClientResponse Register(http::TestClient& client, const std::string& phone) {
    auto sent =
        client.Send("POST", "/api/v1/registrations/sms-code", R"({"phone":")" + phone + R"("})");
    EXPECT_EQ(sent.status, 202u) << sent.body;
    return client.Send("POST", "/api/v1/registrations",
                       R"({"phone":")" + phone + R"(","code":")" + sms_recorder_.LastCode(phone) +
                           R"(","password":"a-good-secret","name":"张三","community_id":)" +
                           std::to_string(w_.community_a.id) + "}");
  }

  RecordingSms sms_recorder_;
};

TEST_P(AccountsTest, CommunitiesArePublicCacheableAndOnlyCommunities) {
  auto r = Anonymous()->Send("GET", "/api/v1/communities");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.Header("Cache-Control").find("max-age"), std::string::npos);
  const json::value body = r.Json();
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("id").as_int64(), w_.community_a.id);
  EXPECT_EQ(items[0].at("street").at("id").as_int64(), w_.street.id);
  EXPECT_EQ(items[0].at("street").at("name").as_string(), w_.street.name);
}

TEST_P(AccountsTest, ResidentRegistersFilesAtOnceAndIsConfirmedByTheGridWorker) {
  auto client = Anonymous();
  client->set_cookie_jar(true);
  // Bad input names its field.
  auto bad = client->Send("POST", "/api/v1/registrations/sms-code", R"({"phone":"12"})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(Field(bad), "phone");
  auto r = Register(*client, "13800000002");  // ra2's phone, in grid A2 of community A
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Header("Set-Cookie").rfind("cg_session=", 0), 0u);
  EXPECT_EQ(r.Json().at("role").as_string(), "resident");
  EXPECT_EQ(r.Json().at("scope").at("node_id").as_int64(), w_.community_a.id);
  const int64_t account = r.Json().at("account").at("id").as_int64();
  EXPECT_EQ(LastAudit().action, "registration.create");
  auto me = client->Send("GET", "/api/v1/me");
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(me.Json().at("home").at("id").as_int64(), w_.community_a.id);
  EXPECT_EQ(me.Json().at("registration_state").as_string(), "pending");
  EXPECT_TRUE(me.Json().at("resident_id").is_null());
  // It can file at once.
  auto ticket =
      client->Send("POST", "/api/v1/tickets",
                   fmt::format(R"({{"category_id":{},"is_public":false,"description":"路灯不亮",)"
                               R"("location":[{:.6f},{:.6f}]}})",
                               Must(app_->categories().GetByCode("E01.01"), "category").id,
                               GridCenter(1).lon, GridCenter(1).lat));
  EXPECT_EQ(ticket.status, 201u) << ticket.body;
  // The phone is taken now; it also signs in as the username.
  auto again =
      Anonymous()->Send("POST", "/api/v1/registrations/sms-code", R"({"phone":"13800000002"})");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(Field(again), "phone");
  EXPECT_EQ(Anonymous()
                ->Send("POST", "/api/v1/session",
                       R"({"username":"13800000002","password":"a-good-secret"})")
                .status,
            200u);
  // grid2 (community B) does not see it; grid1 (community A) does and confirms.
  auto b_list = As("grid2").Send("GET", "/api/v1/registrations?state=pending");
  ASSERT_EQ(b_list.status, 200u) << b_list.body;
  EXPECT_TRUE(b_list.Json().at("items").as_array().empty());
  const std::string confirm = "/api/v1/registrations/" + std::to_string(account) + "/confirm";
  EXPECT_EQ(As("grid2").Send("POST", confirm, R"({"resident_id":1})").status, 404u);
  auto list = As("grid1").Send("GET", "/api/v1/registrations");
  ASSERT_EQ(list.status, 200u) << list.body;
  ASSERT_EQ(list.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(list.Json().at("items").as_array()[0].at("phone_masked").as_string(), "138****0002");
  EXPECT_EQ(list.body.find("13800000002"), std::string::npos);
  auto wrong =
      As("grid1").Send("POST", confirm, R"({"resident_id":)" + std::to_string(w_.rb1.id) + "}");
  EXPECT_EQ(wrong.status, 422u) << wrong.body;
  EXPECT_EQ(Field(wrong), "resident_id");
  auto ok =
      As("grid1").Send("POST", confirm, R"({"resident_id":)" + std::to_string(w_.ra2.id) + "}");
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(ok.Json().at("state").as_string(), "confirmed");
  EXPECT_EQ(LastAudit().action, "registration.confirm");
  EXPECT_EQ(client->Send("GET", "/api/v1/me").Json().at("resident_id").as_int64(), w_.ra2.id);
  EXPECT_EQ(As("grid1").Send("POST", confirm, R"({"resident_id":1})").status, 409u);
}

TEST_P(AccountsTest, CodesAreRateLimitedWithRetryAfterAndWrongCodesNamed) {
  auto client = Anonymous();
  auto first = client->Send("POST", "/api/v1/registrations/sms-code", R"({"phone":"13911112222"})");
  ASSERT_EQ(first.status, 202u) << first.body;
  auto second =
      client->Send("POST", "/api/v1/registrations/sms-code", R"({"phone":"13911112222"})");
  EXPECT_EQ(second.status, 429u);
  EXPECT_EQ(Code(second), "rate_limited");
  EXPECT_FALSE(second.Header("Retry-After").empty());
  auto wrong = client->Send(
      "POST", "/api/v1/registrations",
      R"({"phone":"13911112222","code":"999999","password":"a-good-secret","name":"李四",)"
      R"("community_id":)" +
          std::to_string(w_.community_a.id) + "}");
  if (sms_recorder_.LastCode("13911112222") != "999999") {
    EXPECT_EQ(wrong.status, 422u);
    EXPECT_EQ(Field(wrong), "code");
  }
  auto grid =
      client->Send("POST", "/api/v1/registrations",
                   R"({"phone":"13911112222","code":")" + sms_recorder_.LastCode("13911112222") +
                       R"(","password":"a-good-secret","name":"李四","community_id":)" +
                       std::to_string(w_.grid_a1.id) + "}");
  EXPECT_EQ(grid.status, 422u);
  EXPECT_EQ(Field(grid), "community_id");
  EXPECT_EQ(sms_recorder_.sent(), 1);
}

TEST_P(AccountsTest, AdminListsAccountsPagedFilteredAndWithoutSecrets) {
  auto page = As("admin").Send("GET", "/api/v1/accounts?limit=2");
  ASSERT_EQ(page.status, 200u) << page.body;
  ASSERT_EQ(page.Json().at("items").as_array().size(), 2u);
  const int64_t next = page.Json().at("next_after").as_int64();
  auto rest = As("admin").Send("GET", "/api/v1/accounts?limit=100&after=" + std::to_string(next));
  ASSERT_EQ(rest.status, 200u);
  EXPECT_EQ(rest.Json().at("items").as_array().size(), Usernames().size() - 2);
  EXPECT_EQ(page.body.find("argon2"), std::string::npos);
  EXPECT_EQ(rest.body.find("password_hash"), std::string::npos);
  auto grids = As("admin").Send("GET", "/api/v1/accounts?role=grid_worker&q=GRID");
  ASSERT_EQ(grids.status, 200u) << grids.body;
  EXPECT_EQ(grids.Json().at("items").as_array().size(), 2u);
  auto within = As("admin").Send(
      "GET", "/api/v1/accounts?within=" + std::to_string(w_.community_b.id) + "&disabled=false");
  ASSERT_EQ(within.status, 200u);
  ASSERT_EQ(within.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(within.Json().at("items").as_array()[0].at("username").as_string(), "grid2");
  EXPECT_EQ(As("admin").Send("GET", "/api/v1/accounts?role=king").status, 422u);
  // A street admin sees its street only (everything but the county admin here).
  auto street = As("street1").Send("GET", "/api/v1/accounts?limit=100");
  ASSERT_EQ(street.status, 200u);
  EXPECT_EQ(street.Json().at("items").as_array().size(), Usernames().size() - 2);
  EXPECT_EQ(
      As("street1").Send("GET", "/api/v1/accounts/" + std::to_string(AccountId("admin"))).status,
      404u);
  EXPECT_EQ(As("secretary1").Send("GET", "/api/v1/accounts").status, 403u);
}

TEST_P(AccountsTest, DisableEndsSessionsAndIsAudited) {
  auto& worker = As("worker1");
  ASSERT_EQ(worker.Send("GET", "/api/v1/me").status, 200u);
  const std::string path = "/api/v1/accounts/" + std::to_string(AccountId("worker1"));
  auto stale = As("admin").Send("PATCH", path, R"({"disabled":true,"version":7})");
  EXPECT_EQ(stale.status, 409u);
  EXPECT_EQ(Field(stale), "version");
  auto off = As("admin").Send("PATCH", path, R"({"disabled":true,"version":1})");
  ASSERT_EQ(off.status, 200u) << off.body;
  EXPECT_TRUE(off.Json().at("disabled").as_bool());
  EXPECT_EQ(off.Json().at("version").as_int64(), 2);
  EXPECT_EQ(LastAudit().action, "account.update");
  EXPECT_EQ(worker.Send("GET", "/api/v1/me").status, 401u);
  EXPECT_EQ(
      Anonymous()
          ->Send("POST", "/api/v1/session", R"({"username":"worker1","password":"civicgrid-demo"})")
          .status,
      401u);
  auto up = As("street1").Send("PATCH", path, R"({"role":"county_admin"})");
  EXPECT_EQ(up.status, 422u);
  EXPECT_EQ(Field(up), "role");
  auto self = As("admin").Send("PATCH", "/api/v1/accounts/" + std::to_string(AccountId("admin")),
                               R"({"disabled":true})");
  EXPECT_EQ(self.status, 403u);
  auto on = As("street1").Send("PATCH", path, R"({"disabled":false})");
  EXPECT_EQ(on.status, 200u) << on.body;
}

TEST_P(AccountsTest, PasswordResetForcesAChangeBeforeAnythingElse) {
  const std::string path =
      "/api/v1/accounts/" + std::to_string(AccountId("secretary1")) + "/password-reset";
  auto reset = As("admin").Send("POST", path);
  ASSERT_EQ(reset.status, 200u) << reset.body;
  EXPECT_EQ(reset.Header("Cache-Control"), "no-store");
  const std::string temp(reset.Json().at("temporary_password").as_string());
  EXPECT_EQ(LastAudit().action, "account.password_reset");
  auto client = Anonymous();
  client->set_cookie_jar(true);
  ASSERT_EQ(client
                ->Send("POST", "/api/v1/session",
                       R"({"username":"secretary1","password":")" + temp + R"("})")
                .status,
            200u);
  auto blocked = client->Send("GET", "/api/v1/residents");
  EXPECT_EQ(blocked.status, 403u);
  EXPECT_EQ(Code(blocked), "password_change_required");
  auto me = client->Send("GET", "/api/v1/me");
  ASSERT_EQ(me.status, 200u);
  EXPECT_TRUE(me.Json().at("must_change_password").as_bool());
  auto changed =
      client->Send("PUT", "/api/v1/me/password",
                   R"({"old_password":")" + temp + R"(","new_password":"a-new-secret"})");
  ASSERT_EQ(changed.status, 204u) << changed.body;
  auto fresh = Anonymous();
  fresh->set_cookie_jar(true);
  ASSERT_EQ(fresh
                ->Send("POST", "/api/v1/session",
                       R"({"username":"secretary1","password":"a-new-secret"})")
                .status,
            200u);
  EXPECT_EQ(fresh->Send("GET", "/api/v1/residents").status, 200u);
  EXPECT_FALSE(fresh->Send("GET", "/api/v1/me").Json().at("must_change_password").as_bool());
}

TEST_P(AccountsTest, MeSaysWhichGridsAndHome) {
  auto grid = As("grid1").Send("GET", "/api/v1/me");
  ASSERT_EQ(grid.status, 200u) << grid.body;
  const json::value me = grid.Json();
  const auto& grids = me.at("grids").as_array();
  ASSERT_EQ(grids.size(), 1u);
  EXPECT_EQ(grids[0].as_int64(), w_.grid_a1.id);
  EXPECT_FALSE(grid.Json().at("must_change_password").as_bool());
  auto resident = As("resident1").Send("GET", "/api/v1/me");
  ASSERT_EQ(resident.status, 200u) << resident.body;
  EXPECT_EQ(resident.Json().at("resident_id").as_int64(), w_.ra1.id);
  EXPECT_EQ(resident.Json().at("home").at("id").as_int64(), w_.community_a.id);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
