// POST/DELETE /api/v1/session, /api/v1/me, password change, API tokens, lockout.
#include <boost/json.hpp>

#include <thread>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

class SessionTest : public ApiTest {
 protected:
  // The newest audit entry as "action subject_type detail by username".
  std::string LastAudit() {
    auto conn = Must(app_->db().Acquire(), "connection");
    store::Row r = Must(conn->QueryOne("SELECT l.action, l.subject_type, l.detail, a.username "
                                       "FROM audit_log l JOIN account a ON a.id = l.account_id "
                                       "ORDER BY l.seq DESC LIMIT 1"),
                        "audit");
    return r.Text(0) + " " + r.Text(1) + " " + r.Text(2) + " by " + r.Text(3);
  }
};

TEST_P(SessionTest, LoginSetsHttpOnlyStrictCookieAndReturnsRoleAndScope) {
  auto client = Anonymous();
  auto r = client->Send("POST", "/api/v1/session",
                        R"({"username":"grid1","password":"civicgrid-demo"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  std::string cookie = r.Header("Set-Cookie");
  EXPECT_EQ(cookie.rfind("cg_session=", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  auto json = r.Json();
  EXPECT_EQ(json.at("account").at("username").as_string(), "grid1");
  EXPECT_EQ(json.at("role").as_string(), "grid_worker");
  EXPECT_EQ(json.at("scope").at("node_id").as_int64(), w_.grid_a1.id);
  EXPECT_FALSE(r.Header("X-Request-Id").empty());
}

TEST_P(SessionTest, MeNeedsASessionAndLogoutEndsIt) {
  auto& grid1 = As("grid1");
  EXPECT_EQ(grid1.Send("GET", "/api/v1/me").status, 200u);
  std::string token = grid1.cookies().at("cg_session");
  EXPECT_EQ(grid1.Send("DELETE", "/api/v1/session").status, 204u);
  auto replay = Anonymous();
  auto r = replay->Send("GET", "/api/v1/me", "", {{"Cookie", "cg_session=" + token}});
  EXPECT_EQ(r.status, 401u);
}

// The session cache holds the caller's scope path: a move of the node (or an
// ancestor) rewrites paths, and the next request must use the new one.
TEST_P(SessionTest, AMovedScopeNodeTakesEffectOnTheNextRequest) {
  auto& grid1 = As("grid1");
  auto before = grid1.Send("GET", "/api/v1/residents?limit=50");
  ASSERT_EQ(before.status, 200u) << before.body;
  const size_t residents = before.Json().at("items").as_array().size();
  ASSERT_GT(residents, 0u);
  auto moved = As("admin").Send("PATCH", "/api/v1/org-nodes/" + std::to_string(w_.grid_a1.id),
                                R"({"parent_id":)" + std::to_string(w_.community_b.id) + "}");
  ASSERT_EQ(moved.status, 200u) << moved.body;
  auto after = grid1.Send("GET", "/api/v1/residents?limit=50");
  ASSERT_EQ(after.status, 200u) << after.body;
  EXPECT_EQ(after.Json().at("items").as_array().size(), residents)
      << "the grid worker's scope path was not refreshed after the move";
  auto grid = grid1.Send("GET", "/api/v1/org-nodes/" + std::to_string(w_.grid_a1.id));
  ASSERT_EQ(grid.status, 200u) << grid.body;
}

TEST_P(SessionTest, WrongPasswordIs401AndRepeatedFailuresLock) {
  auto client = Anonymous();
  for (int i = 0; i < 5; ++i) {
    auto r =
        client->Send("POST", "/api/v1/session", R"({"username":"worker1","password":"nope-nope"})");
    EXPECT_EQ(r.status, 401u);
  }
  auto locked = client->Send("POST", "/api/v1/session",
                             R"({"username":"worker1","password":"civicgrid-demo"})");
  EXPECT_EQ(locked.status, 423u) << locked.body;
  EXPECT_EQ(locked.Json().at("error").at("code").as_string(), "locked");
}

TEST_P(SessionTest, MissingFieldsAreNamed) {
  auto client = Anonymous();
  auto r = client->Send("POST", "/api/v1/session", R"({"username":"grid1"})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "password");
}

TEST_P(SessionTest, PasswordChangeThenOldPasswordFails) {
  auto& member = As("member1");
  const int64_t audit = Count("audit_log");
  auto bad = member.Send("PUT", "/api/v1/me/password",
                         R"({"old_password":"wrong-one","new_password":"a-new-secret"})");
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(bad.Json().at("error").at("field").as_string(), "old_password");
  EXPECT_EQ(Count("audit_log"), audit);  // a refused change writes nothing
  auto ok = member.Send("PUT", "/api/v1/me/password",
                        R"({"old_password":"civicgrid-demo","new_password":"a-new-secret"})");
  EXPECT_EQ(ok.status, 204u) << ok.body;
  EXPECT_EQ(Count("audit_log"), audit + 1);
  EXPECT_EQ(LastAudit(), "account.password account  by member1");
  auto client = Anonymous();
  EXPECT_EQ(
      client
          ->Send("POST", "/api/v1/session", R"({"username":"member1","password":"civicgrid-demo"})")
          .status,
      401u);
  EXPECT_EQ(
      client->Send("POST", "/api/v1/session", R"({"username":"member1","password":"a-new-secret"})")
          .status,
      200u);
}

TEST_P(SessionTest, BearerTokenActsAsItsAccount) {
  const int64_t tokens = Count("api_token");
  auto unnamed = As("secretary1").Send("POST", "/api/v1/tokens", "{}");
  EXPECT_EQ(unnamed.status, 422u) << unnamed.body;
  EXPECT_EQ(unnamed.Json().at("error").at("field").as_string(), "name");
  EXPECT_EQ(Count("api_token"), tokens);
  EXPECT_EQ(Anonymous()->Send("POST", "/api/v1/tokens", R"({"name":"大屏"})").status, 401u);
  EXPECT_EQ(Count("api_token"), tokens);
  auto created = As("secretary1").Send("POST", "/api/v1/tokens", R"({"name":"大屏"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(Count("api_token"), tokens + 1);
  EXPECT_EQ(LastAudit(), "token.create api_token 大屏 by secretary1");
  std::string token(created.Json().at("token").as_string());
  {
    // Only a hash of the token is stored.
    auto conn = Must(app_->db().Acquire(), "connection");
    EXPECT_EQ(
        Must(conn->QueryInt("SELECT COUNT(*) FROM api_token WHERE token_hash = $1 OR name = $1",
                            {token}),
             "token"),
        0);
  }
  auto client = Anonymous();
  auto me = client->Send("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.Json().at("account").at("username").as_string(), "secretary1");
  auto other = client->Send("GET", "/api/v1/residents/" + std::to_string(w_.rb1.id), "",
                            {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(other.status, 404u);
  EXPECT_EQ(client->Send("GET", "/api/v1/me", "", {{"Authorization", "Bearer nope"}}).status, 401u);
}

TEST_P(SessionTest, HealthzAndMetricsAnswer) {
  auto client = Anonymous();
  auto health = client->Send("GET", "/healthz");
  ASSERT_EQ(health.status, 200u);
  EXPECT_EQ(health.Json().at("status").as_string(), "ok");
  As("admin").Send("GET", "/api/v1/me");
  // The server counts a request once its response is written, which may be a
  // moment after the client has read it: poll briefly.
  http::ClientResponse metrics;
  for (int attempt = 0; attempt < 50; ++attempt) {
    metrics = client->Send("GET", "/metrics");
    if (metrics.body.find("route=\"/api/v1/me\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("route=\"/api/v1/me\""), std::string::npos) << metrics.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
