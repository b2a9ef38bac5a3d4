// CSRF protection of cookie sessions: login and /me hand out the token (body
// and cg_csrf cookie), every state change by cookie needs X-CSRF-Token, bearer
// tokens and the login itself are exempt.
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

class CsrfTest : public ApiTest {
 protected:
  // A logged-in cookie client that does not echo cg_csrf by itself.
  std::unique_ptr<http::TestClient> CookieClient(const std::string& username,
                                                 std::string* csrf = nullptr) {
    auto client = Anonymous();
    client->set_cookie_jar(true);
    client->set_csrf_echo(false);
    auto login =
        client->Send("POST", "/api/v1/session",
                     R"({"username":")" + username + R"(","password":")" + kPassword + R"("})");
    EXPECT_EQ(login.status, 200u) << login.body;
    if (csrf != nullptr) *csrf = login.Json().at("csrf_token").as_string().c_str();
    return client;
  }

  // A building under grid A1 with a fresh code.
  std::string NewNode(const std::string& name) {
    return json::serialize(
        json::object{{"parent_id", w_.grid_a1.id},
                     {"kind", "building"},
                     {"code", w_.grid_a1.code + "-" + std::to_string(50 + serial_++)},
                     {"name", name}});
  }
  int serial_ = 0;

  static std::string ErrorCode(const http::ClientResponse& r) {
    return r.Json().at("error").at("code").as_string().c_str();
  }
};

TEST_P(CsrfTest, LoginHandsOutTheTokenInBodyAndReadableStrictCookie) {
  auto client = Anonymous();
  auto r = client->Send("POST", "/api/v1/session",
                        R"({"username":"secretary1","password":"civicgrid-demo"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  std::string token = r.Json().at("csrf_token").as_string().c_str();
  EXPECT_EQ(token.size(), 64u);
  std::string csrf_cookie;
  for (const auto& [name, value] : r.headers) {
    if (http::EqualsIgnoreCase(name, "Set-Cookie") && value.rfind("cg_csrf=", 0) == 0) {
      csrf_cookie = value;
    }
  }
  EXPECT_EQ(csrf_cookie.rfind("cg_csrf=" + token + ";", 0), 0u) << csrf_cookie;
  EXPECT_NE(csrf_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(csrf_cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(csrf_cookie.find("HttpOnly"), std::string::npos);  // the pages must read it
}

TEST_P(CsrfTest, MeRepeatsTheTokenAndRestoresALostCookie) {
  std::string token;
  auto client = CookieClient("secretary1", &token);
  auto me = client->Send("GET", "/api/v1/me");
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.Json().at("csrf_token").as_string(), token);
  EXPECT_EQ(me.Header("Set-Cookie"), "");  // the browser still has it
  auto session = client->cookies().at("cg_session");
  auto bare = Anonymous();
  auto restored = bare->Send("GET", "/api/v1/me", "", {{"Cookie", "cg_session=" + session}});
  EXPECT_EQ(restored.Header("Set-Cookie").rfind("cg_csrf=" + token + ";", 0), 0u);
  // Another session has another token.
  std::string other;
  CookieClient("secretary1", &other);
  EXPECT_NE(other, token);
}

TEST_P(CsrfTest, CookieWriteWithoutTheHeaderIsRefused) {
  auto client = CookieClient("secretary1");
  const int64_t nodes = Count("org_node");
  auto r = client->Send("POST", "/api/v1/org-nodes", NewNode("无令牌网格"));
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(ErrorCode(r), "csrf_failed");
  EXPECT_EQ(Count("org_node"), nodes);
  // Reads need nothing.
  EXPECT_EQ(client->Send("GET", "/api/v1/me").status, 200u);
}

TEST_P(CsrfTest, CookieWriteWithAWrongHeaderIsRefused) {
  std::string token;
  auto client = CookieClient("secretary1", &token);
  std::string other;
  CookieClient("street1", &other);
  for (const std::string& wrong : {std::string("nope"), other, token.substr(1) + "0"}) {
    auto r =
        client->Send("POST", "/api/v1/org-nodes", NewNode("错令牌网格"), {{"X-CSRF-Token", wrong}});
    EXPECT_EQ(r.status, 403u) << wrong;
    EXPECT_EQ(ErrorCode(r), "csrf_failed");
  }
  auto put = client->Send("PUT", "/api/v1/me/password",
                          R"({"old_password":"civicgrid-demo","new_password":"another-secret"})",
                          {{"X-CSRF-Token", "nope"}});
  EXPECT_EQ(put.status, 403u);
  EXPECT_EQ(client->Send("DELETE", "/api/v1/session").status, 403u);
  EXPECT_EQ(client->Send("GET", "/api/v1/me").status, 200u);  // still signed in
}

TEST_P(CsrfTest, CookieWriteWithTheHeaderIsAccepted) {
  std::string token;
  auto client = CookieClient("secretary1", &token);
  auto r =
      client->Send("POST", "/api/v1/org-nodes", NewNode("有令牌网格"), {{"X-CSRF-Token", token}});
  EXPECT_EQ(r.status, 201u) << r.body;
  // The async route (ticket submission) checks the same way.
  std::string ticket = json::serialize(
      json::object{{"category_id", Must(app_->categories().GetByCode("E01.01"), "E01.01").id},
                   {"description", "CSRF 测试"},
                   {"location", json::array{GridCenter(0).lon, GridCenter(0).lat}}});
  auto refused = client->Send("POST", "/api/v1/tickets", ticket);
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_EQ(ErrorCode(refused), "csrf_failed");
  auto out = client->Send("DELETE", "/api/v1/session", "", {{"X-CSRF-Token", token}});
  EXPECT_EQ(out.status, 204u);
  EXPECT_EQ(client->Send("GET", "/api/v1/me").status, 401u);
}

TEST_P(CsrfTest, BearerTokensAndLoginAreExempt) {
  auto& admin = As("admin");
  auto created = admin.Send("POST", "/api/v1/tokens", R"({"name":"csrf-test"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  std::string bearer = created.Json().at("token").as_string().c_str();
  auto client = Anonymous();
  auto r = client->Send("POST", "/api/v1/org-nodes", NewNode("令牌网格"),
                        {{"Authorization", "Bearer " + bearer}});
  EXPECT_EQ(r.status, 201u) << r.body;
  // A bearer token wins over a cookie, so no header is needed either.
  auto both = CookieClient("admin");
  auto r2 = both->Send("POST", "/api/v1/org-nodes", NewNode("令牌网格二"),
                       {{"Authorization", "Bearer " + bearer}});
  EXPECT_EQ(r2.status, 201u) << r2.body;
  // The bearer caller's /me has no CSRF token.
  auto me = client->Send("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + bearer}});
  EXPECT_FALSE(me.Json().as_object().contains("csrf_token"));
  // Login (even with an old session cookie around) needs no header; nor does
  // logout without a session.
  EXPECT_EQ(
      both->Send("POST", "/api/v1/session", R"({"username":"admin","password":"civicgrid-demo"})")
          .status,
      200u);
  EXPECT_EQ(Anonymous()->Send("DELETE", "/api/v1/session").status, 204u);
}

TEST_P(CsrfTest, TheTestClientEchoesTheCookieLikeThePages) {
  auto& secretary = As("secretary1");
  auto r = secretary.Send("POST", "/api/v1/org-nodes", NewNode("回显网格"));
  EXPECT_EQ(r.status, 201u) << r.body;
}

TEST_P(CsrfTest, WebConfigIsPublic) {
  auto r = Anonymous()->Send("GET", "/api/v1/web-config");
  ASSERT_EQ(r.status, 200u);
  auto j = r.Json();
  EXPECT_EQ(j.at("tile_url").as_string(), "");
  EXPECT_EQ(j.at("tile_coord_sys").as_string(), "wgs84");
  EXPECT_FALSE(j.at("version").as_string().empty());
  EXPECT_EQ(j.at("csrf_header").as_string(), "X-CSRF-Token");
  EXPECT_EQ(j.at("csrf_cookie").as_string(), "cg_csrf");
}

INSTANTIATE_TEST_SUITE_P(Backends, CsrfTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
