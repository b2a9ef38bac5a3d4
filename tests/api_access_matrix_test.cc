// Every registry endpoint × every role: who gets what. Scope is a subtree of
// the org tree; outside it a resource does not exist (404); a role without the
// permission is refused (403).
#include <boost/json.hpp>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

struct Expect {
  std::string method;
  std::string path;
  std::string body;
  // Status per username, in Usernames() order.
  std::vector<unsigned> status;
};

class AccessMatrixTest : public ApiTest {
 protected:
  std::string Id(int64_t id) { return std::to_string(id); }
  std::vector<Expect> Matrix() {
    const std::string res = "/api/v1/residents/";
    //                      admin street sec  worker grid1 grid2 unit member resident
    return {
        {"GET", "/api/v1/me", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET",
         "/api/v1/org-nodes/" + Id(w_.grid_a2.id),
         "",
         {200, 200, 200, 200, 404, 404, 200, 200, 404}},
        {"GET",
         "/api/v1/org-nodes/" + Id(w_.grid_b1.id),
         "",
         {200, 200, 404, 404, 404, 200, 200, 404, 404}},
        {"GET", "/api/v1/org-nodes?kind=grid", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET", res + Id(w_.ra1.id), "", {200, 200, 200, 200, 200, 404, 403, 403, 200}},
        {"GET", res + Id(w_.rb1.id), "", {200, 200, 404, 404, 404, 200, 403, 403, 403}},
        {"GET", "/api/v1/residents", "", {200, 200, 200, 200, 200, 200, 403, 403, 403}},
        {"GET",
         "/api/v1/residents?within=" + Id(w_.grid_b1.id),
         "",
         {200, 200, 404, 404, 404, 200, 403, 403, 403}},
        {"GET", res + Id(w_.ra1.id) + "/pii", "", {200, 403, 200, 200, 200, 404, 403, 403, 403}},
        {"GET",
         "/api/v1/party-members/" + Id(w_.member.id),
         "",
         {200, 200, 200, 200, 200, 404, 200, 200, 403}},
        {"GET", "/api/v1/party-members", "", {200, 200, 200, 200, 200, 200, 200, 403, 403}},
        {"GET",
         "/api/v1/party-orgs/" + Id(w_.branch_a1.id),
         "",
         {200, 200, 200, 200, 200, 404, 200, 200, 404}},
        {"GET",
         "/api/v1/units/" + Id(w_.unit.id),
         "",
         {200, 200, 200, 200, 403, 403, 200, 403, 403}},
        {"GET", "/api/v1/units", "", {200, 200, 200, 200, 403, 403, 200, 403, 403}},
        {"GET", "/api/v1/staff", "", {200, 200, 200, 200, 200, 200, 403, 403, 403}},
        {"GET", "/api/v1/staffing", "", {200, 200, 200, 200, 200, 200, 403, 403, 403}},
        {"GET",
         "/api/v1/org-nodes/" + Id(w_.community_b.id) + "/staffing",
         "",
         {200, 200, 404, 404, 404, 404, 403, 403, 403}},
        {"GET", "/api/v1/exports/residents.csv", "", {200, 200, 200, 200, 200, 200, 403, 403, 403}},
        {"GET", "/api/v1/audit/verify", "", {200, 403, 403, 403, 403, 403, 403, 403, 403}},
        {"GET",
         "/api/v1/exports/party-members.csv",
         "",
         {200, 200, 200, 200, 200, 200, 200, 403, 403}},
        {"GET", "/api/v1/exports/units.csv", "", {200, 200, 200, 200, 403, 403, 200, 403, 403}},
        {"PATCH",
         "/api/v1/org-nodes/" + Id(w_.grid_b1.id),
         R"({"name":"西关第一网格"})",
         {200, 200, 404, 403, 403, 403, 403, 403, 403}},
        {"POST",
         "/api/v1/units/" + Id(w_.unit.id) + "/pairings",
         R"({"node_id":)" + Id(w_.community_b.id) + "}",
         {201, 409, 403, 403, 403, 403, 403, 403, 403}},
        {"GET", "/api/v1/party-orgs", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET", "/api/v1/service-centers", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
        {"GET", "/api/v1/audit", "", {200, 403, 403, 403, 403, 403, 403, 403, 403}},
        {"POST",
         "/api/v1/org-nodes",
         R"({"parent_id":)" + Id(w_.grid_b1.id) + R"(,"kind":"building","code":")" +
             w_.grid_b1.code + R"(-9{i}","name":"新楼"})",
         {201, 201, 422, 403, 403, 403, 403, 403, 403}},
        {"DELETE",
         "/api/v1/org-nodes/" + Id(w_.building_b1.id),
         "",
         {409, 409, 404, 403, 403, 403, 403, 403, 403}},
        {"PATCH",
         res + Id(w_.ra1.id),
         R"({"building_id":)" + Id(w_.building_a1.id) + R"(,"room":"1-101"})",
         {200, 403, 200, 200, 200, 404, 403, 403, 403}},
        {"POST",
         "/api/v1/party-orgs",
         R"({"node_id":)" + Id(w_.grid_a1.id) + R"(,"kind":"grid_group","name":"党小组{i}"})",
         {201, 201, 201, 403, 403, 403, 403, 403, 403}},
        {"POST",
         "/api/v1/party-members",
         R"({"name":"党员","id_number":")" + IdNumber(200) + R"(","party_org_id":)" +
             Id(w_.branch_a1.id) + "}",
         {201, 403, 409, 409, 409, 422, 403, 403, 403}},
        {"PUT",
         "/api/v1/party-members/" + Id(w_.member.id) + "/registration",
         R"({"community_id":)" + Id(w_.community_a.id) + "}",
         {200, 403, 200, 200, 422, 404, 403, 403, 403}},
        {"POST",
         "/api/v1/units",
         R"({"node_id":)" + Id(w_.county.id) + R"(,"kind":"enterprise","name":"企业{i}"})",
         {201, 422, 403, 403, 403, 403, 403, 403, 403}},
        {"POST",
         "/api/v1/staff",
         R"({"kind":"community_worker","node_id":)" + Id(w_.community_a.id) +
             R"(,"name":"社工{i}"})",
         {201, 403, 201, 201, 422, 422, 403, 403, 403}},
        {"POST",
         "/api/v1/service-centers",
         R"({"node_id":)" + Id(w_.community_a.id) +
             R"(,"name":"服务中心{i}","floor_area_m2":600,"location":[116.3,39.44]})",
         {201, 201, 201, 403, 403, 403, 403, 403, 403}},
        {"POST",
         "/api/v1/accounts",
         R"({"username":"new{i}","display_name":"新","password":"long-enough-1",)"
         R"("role":"resident","scope_node_id":)" +
             Id(w_.building_a1.id) + "}",
         {201, 403, 403, 403, 403, 403, 403, 403, 403}},
        {"POST",
         "/api/v1/imports/units",
         "name,kind,node_code\n单位{i},enterprise," + w_.county.code + "\n",
         {200, 422, 403, 403, 403, 403, 403, 403, 403}},
    };
  }
};

// "{i}" in a body becomes the role's index, so writes by different roles do
// not collide on unique codes and ID numbers.
std::string ForRole(std::string body, size_t i) {
  for (size_t pos = body.find("{i}"); pos != std::string::npos; pos = body.find("{i}")) {
    body.replace(pos, 3, std::to_string(i));
  }
  return body;
}

TEST_P(AccessMatrixTest, EveryRoleGetsExactlyItsPart) {
  for (const Expect& e : Matrix()) {
    for (size_t i = 0; i < Usernames().size(); ++i) {
      const std::string& user = Usernames()[i];
      auto response = As(user).Send(e.method, ForRole(e.path, i), ForRole(e.body, i));
      EXPECT_EQ(response.status, e.status[i])
          << user << " " << e.method << " " << e.path << " -> " << response.body;
    }
  }
}

TEST_P(AccessMatrixTest, ListsContainOnlyTheCallersSubtree) {
  struct Visible {
    std::string user;
    size_t residents;
    size_t grids;
  };
  const Visible cases[] = {{"admin", 3, 3},   {"street1", 3, 3}, {"secretary1", 2, 2},
                           {"worker1", 2, 2}, {"grid1", 1, 1},   {"grid2", 1, 1}};
  for (const Visible& v : cases) {
    auto residents = As(v.user).Send("GET", "/api/v1/residents").Json();
    EXPECT_EQ(residents.at("items").as_array().size(), v.residents) << v.user;
    auto grids = As(v.user).Send("GET", "/api/v1/org-nodes?kind=grid").Json();
    EXPECT_EQ(grids.at("items").as_array().size(), v.grids) << v.user;
  }
  // grid1 sees only grid A1's resident, never grid2's.
  auto mine = As("grid1").Send("GET", "/api/v1/residents").Json();
  EXPECT_EQ(mine.at("items").as_array()[0].at("id").as_int64(), w_.ra1.id);
}

TEST_P(AccessMatrixTest, WritesLandOnlyInsideScope) {
  //                   admin street sec  worker grid1 grid2 unit member resident
  const unsigned into_b1[] = {201, 403, 422, 422, 422, 201, 403, 403, 403};
  for (size_t i = 0; i < Usernames().size(); ++i) {
    std::string body = R"({"building_id":)" + Id(w_.building_b1.id) + R"(,"room":"9-90)" +
                       std::to_string(i) + R"(","name":"新居民","id_number":")" +
                       IdNumber(100 + static_cast<int>(i)) + R"("})";
    auto response = As(Usernames()[i]).Send("POST", "/api/v1/residents", body);
    EXPECT_EQ(response.status, into_b1[i]) << Usernames()[i] << ": " << response.body;
    if (response.status == 422) {
      EXPECT_EQ(response.Json().at("error").at("field").as_string(), "building_id");
    }
  }
  EXPECT_EQ(Count("resident"), 5);
}

TEST_P(AccessMatrixTest, AnonymousGetsUnauthorized) {
  auto client = Anonymous();
  for (const Expect& e : Matrix()) {
    auto response = client->Send(e.method, e.path, e.body);
    EXPECT_EQ(response.status, 401u) << e.method << " " << e.path;
    EXPECT_EQ(response.Json().at("error").at("code").as_string(), "unauthenticated");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AccessMatrixTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
