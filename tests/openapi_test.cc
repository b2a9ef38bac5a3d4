// The OpenAPI document and the router agree: every registered route is
// documented, and every documented operation is registered.
#include <boost/json.hpp>

#include <algorithm>
#include <set>

#include "api_harness.h"
#include "http/api/openapi_doc.h"

namespace civicgrid::tests {
namespace {

class OpenApiTest : public ApiTest {};

std::set<std::string> Documented() {
  std::set<std::string> out;
  auto doc = boost::json::parse(http::OpenApiDocument());
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string m(method);
      if (m == "parameters" || m == "summary" || m == "description") continue;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      out.insert(m + " " + std::string(path));
    }
  }
  return out;
}

TEST_P(OpenApiTest, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  std::set<std::string> registered;
  for (const auto& route : router_.Routes()) registered.insert(route.method + " " + route.pattern);
  std::set<std::string> documented = Documented();
  for (const auto& r : registered) EXPECT_TRUE(documented.count(r)) << "not documented: " << r;
  for (const auto& d : documented) EXPECT_TRUE(registered.count(d)) << "not registered: " << d;
}

TEST_P(OpenApiTest, ServedDocumentIsTheOneInDocs) {
  auto r = Anonymous()->Send("GET", "/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200u);
  auto served = r.Json();
  EXPECT_EQ(std::string(served.at("openapi").as_string()).substr(0, 2), "3.");
  EXPECT_EQ(served, boost::json::parse(http::OpenApiDocument()));
}

INSTANTIATE_TEST_SUITE_P(Backends, OpenApiTest, ::testing::Values(store::Backend::kSqlite),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
