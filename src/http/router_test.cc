#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace civicgrid::http {
namespace {

std::vector<std::string> Split(std::string_view path) {
  Request request;
  auto segments = ParseTarget(path, request);
  EXPECT_TRUE(segments.ok()) << path;
  return segments.ok() ? *segments : std::vector<std::string>{};
}

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/", Named("root"));
    router_.Add("GET", "/api/v1/org-nodes", Named("list"));
    router_.Add("POST", "/api/v1/org-nodes", Named("create"));
    router_.Add("GET", "/api/v1/org-nodes/{id}", Named("get"));
    router_.Add("DELETE", "/api/v1/org-nodes/{id}", Named("delete"));
    router_.Add("GET", "/api/v1/org-nodes/tree", Named("tree"));
    router_.Add("GET", "/api/v1/org-nodes/{id}/children/{child}", Named("child"));
  }

  // The name of the handler serving (method, path), or "404"/"405".
  std::string Serve(std::string_view method, std::string_view path) {
    RouteMatch match = router_.Match(method, Split(path));
    if (match.kind == RouteMatch::Kind::kNotFound) {
      return "404";
    }
    if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
      return "405";
    }
    Request request;
    return (*match.handler)(request).body;
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  struct Case {
    const char* method;
    const char* path;
    const char* expected;
  };
  const Case cases[] = {
      {"GET", "/", "root"},
      {"GET", "/api/v1/org-nodes", "list"},
      {"POST", "/api/v1/org-nodes", "create"},
      {"GET", "/api/v1/org-nodes/7", "get"},
      {"DELETE", "/api/v1/org-nodes/7", "delete"},
      {"GET", "/api/v1/org-nodes/tree", "tree"},  // a literal beats a parameter
      {"GET", "/api/v1/org-nodes/7/children/8", "child"},
      {"GET", "/api/v1/org-nodes/", "404"},  // a parameter never matches an empty segment
      {"GET", "/api/v1/org-nodes/7/children", "404"},
      {"GET", "/api/v2/org-nodes", "404"},
      {"GET", "/API/v1/org-nodes", "404"},  // paths are case-sensitive
      {"PUT", "/api/v1/org-nodes/7", "405"},
      {"get", "/api/v1/org-nodes", "405"},  // so are methods
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Serve(c.method, c.path), c.expected) << c.method << " " << c.path;
  }
}

TEST_F(RouterTest, ExtractsDecodedParameters) {
  RouteMatch match = router_.Match("GET", Split("/api/v1/org-nodes/a%2Fb/children/%E7%BD%91"));
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(match.pattern, "/api/v1/org-nodes/{id}/children/{child}");
  EXPECT_EQ(match.params, (NameValues{{"id", "a/b"}, {"child", "网"}}));
}

TEST_F(RouterTest, WrongMethodListsAllowedMethods) {
  RouteMatch match = router_.Match("PATCH", Split("/api/v1/org-nodes/7"));
  ASSERT_EQ(match.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, DELETE");
  EXPECT_EQ(match.pattern, "/api/v1/org-nodes/{id}");
  Response response = Router::Refusal(match);
  EXPECT_EQ(response.status, 405U);
  EXPECT_EQ(response.headers, (NameValues{{"Allow", "GET, DELETE"}}));
  EXPECT_NE(response.body.find(R"("error")"), std::string::npos);
}

TEST_F(RouterTest, UnknownPathIsNotFoundJson) {
  RouteMatch match = router_.Match("GET", Split("/nowhere"));
  Response response = Router::Refusal(match);
  EXPECT_EQ(response.status, 404U);
  EXPECT_NE(response.body.find(R"("code":"not_found")"), std::string::npos);
  EXPECT_TRUE(match.pattern.empty());
}

TEST_F(RouterTest, ListsRoutesInRegistrationOrder) {
  std::vector<RouteInfo> routes = router_.Routes();
  ASSERT_EQ(routes.size(), 7U);
  EXPECT_EQ(routes[3].method, "GET");
  EXPECT_EQ(routes[3].pattern, "/api/v1/org-nodes/{id}");
}

TEST_F(RouterTest, KeepsRouteOptions) {
  router_.Add("POST", "/api/v1/uploads", Named("upload"), RouteOptions{.max_body_bytes = 10});
  RouteMatch match = router_.Match("POST", Split("/api/v1/uploads"));
  EXPECT_EQ(match.options.max_body_bytes, 10U);
}

TEST(RouterAddTest, RefusesMalformedPatternsAndDuplicates) {
  Router router;
  router.Add("GET", "/a/{id}", Named("a"));
  EXPECT_THROW(router.Add("GET", "/a/{key}", Named("b")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "a", Named("c")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/{}", Named("d")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/a/x{id}", Named("e")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/b", Handler()), std::invalid_argument);
  router.Add("POST", "/a/{id}", Named("f"));  // another method is fine
}

}  // namespace
}  // namespace civicgrid::http
