// The org tree, party organisations, staffing and point → grid lookup.
#include <boost/json.hpp>

#include "core/bd09.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// A geometry member given as a GeoJSON object; its text goes to the domain.
core::Result<std::optional<std::string>> OptionalGeometry(const json::object& body) {
  const json::value* g = body.if_contains("geometry");
  if (g == nullptr || g->is_null()) return std::optional<std::string>();
  if (!g->is_object()) return core::Error::Invalid("geometry", "geometry 应为 GeoJSON 对象");
  return std::optional<std::string>(json::serialize(*g));
}

core::Result<Response> ListNodes(ApiServices& s, Request& r, const Caller& c) {
  domain::OrgNodeFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.parent_id, QueryId(r, "parent_id"));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  if (auto kind = r.Query("kind")) {
    CG_ASSIGN_OR_RETURN(filter.kind, domain::ParseOrgKind(*kind, "kind"));
  }
  CG_ASSIGN_OR_RETURN(auto page, s.tree.List(c, filter));
  return Response::Json(200, PageJson(page));
}

core::Result<Response> CreateNode(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewOrgNode node;
  CG_ASSIGN_OR_RETURN(node.parent_id, OptionalInt(body, "parent_id", 1));
  if (!node.parent_id) return core::Error::Invalid("parent_id", "请指定上级节点");
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind", 20));
  CG_ASSIGN_OR_RETURN(node.kind, domain::ParseOrgKind(kind, "kind"));
  CG_ASSIGN_OR_RETURN(node.code, RequireString(body, "code", 40));
  CG_ASSIGN_OR_RETURN(node.name, RequireString(body, "name", 100));
  CG_ASSIGN_OR_RETURN(node.geometry, OptionalGeometry(body));
  CG_ASSIGN_OR_RETURN(domain::OrgNode created, s.tree.Create(&c, node));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> GetNode(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::OrgNode node, s.tree.Get(c, id));
  return Response::Json(200, ToJson(node));
}

core::Result<Response> UpdateNode(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::OrgNodeChange change;
  CG_ASSIGN_OR_RETURN(change.name, OptionalString(body, "name", 100));
  CG_ASSIGN_OR_RETURN(change.parent_id, OptionalInt(body, "parent_id", 1));
  CG_ASSIGN_OR_RETURN(change.geometry, OptionalGeometry(body));
  CG_ASSIGN_OR_RETURN(domain::OrgNode node, s.tree.Update(c, id, change));
  return Response::Json(200, ToJson(node));
}

core::Result<Response> DeleteNode(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_TRY(s.tree.Delete(c, id));
  return Response::NoContent();
}

core::Result<Response> Staffing(ApiServices& s, Request& r, const Caller& c) {
  std::optional<int64_t> within;
  if (!r.Param("id").empty()) {
    CG_ASSIGN_OR_RETURN(within, ParseId(r.Param("id"), "id"));
  }
  CG_ASSIGN_OR_RETURN(auto rows, s.staff.Staffing(c, within));
  json::array items;
  for (const auto& row : rows) items.push_back(ToJson(row));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> GridLookup(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(double lon, QueryNumber(r, "lon"));
  CG_ASSIGN_OR_RETURN(double lat, QueryNumber(r, "lat"));
  core::LonLat point{lon, lat};
  CG_TRY(core::ValidateLonLat(point, ""));
  core::ApiDatum datum;
  if (auto text = r.Query("coord_sys")) {
    CG_ASSIGN_OR_RETURN(datum, core::ParseApiDatum(*text));
  }
  point = core::AsDatumPoint(point, datum);
  const core::CoordSys sys = datum.sys;
  std::optional<int64_t> grid = s.locator.Locate(point, sys);
  if (!grid) return core::Error::NotFound("该位置不在任何网格内");
  // The map is public knowledge: any signed-in user may learn which grid,
  // community and street a place belongs to, even outside their own scope.
  (void)c;
  CG_ASSIGN_OR_RETURN(auto conn, s.db.Acquire());
  CG_ASSIGN_OR_RETURN(auto lineage, s.tree.Lineage(*conn, *grid));
  json::object out;
  core::LonLat wgs = core::ToWgs84(point, sys);
  out["point"] = json::array{wgs.lon, wgs.lat};
  for (const auto& n : lineage) {
    out[domain::OrgKindName(n.kind)] =
        json::object{{"id", n.id}, {"code", n.code}, {"name", n.name}};
  }
  return Response::Json(200, out);
}

core::Result<Response> ListPartyOrgs(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(auto result, s.party.ListOrgs(c, within, page));
  return Response::Json(200, PageJson(result));
}

core::Result<Response> CreatePartyOrg(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewPartyOrg org;
  CG_ASSIGN_OR_RETURN(org.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(org.parent_id, OptionalInt(body, "parent_id", 1));
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind", 30));
  CG_ASSIGN_OR_RETURN(org.kind, domain::ParsePartyOrgKind(kind, "kind"));
  CG_ASSIGN_OR_RETURN(org.name, RequireString(body, "name", 100));
  CG_ASSIGN_OR_RETURN(domain::PartyOrg created, s.party.CreateOrg(c, org));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> GetPartyOrg(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::PartyOrg org, s.party.GetOrg(c, id));
  return Response::Json(200, ToJson(org));
}

core::Result<Response> ListCenters(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(auto result, s.service_centers.List(c, within, page));
  return Response::Json(200, PageJson(result));
}

core::Result<std::vector<std::string>> Facilities(const json::object& body) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains("facilities");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return core::Error::Invalid("facilities", "应为字符串数组");
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return core::Error::Invalid("facilities", "应为字符串数组");
    out.emplace_back(item.as_string());
    CG_TRY(CheckText(out.back(), "facilities", TextKind::kSingleLine));
  }
  return out;
}

core::Result<Response> CreateCenter(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewServiceCenter center;
  CG_ASSIGN_OR_RETURN(center.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(center.name, RequireString(body, "name", 100));
  CG_ASSIGN_OR_RETURN(center.floor_area_m2, RequireInt(body, "floor_area_m2", 1, 1'000'000));
  CG_ASSIGN_OR_RETURN(auto location, OptionalLonLat(body, "location"));
  if (!location) return core::Error::Invalid("location", "location 应为 [经度, 纬度]");
  center.location = *location;
  if (auto sys = body.if_contains("coord_sys"); sys != nullptr && sys->is_string()) {
    CG_ASSIGN_OR_RETURN(core::ApiDatum datum, core::ParseApiDatum(sys->as_string()));
    if (datum.bd09) CG_TRY(core::ValidateLonLat(center.location, "location."));
    center.location = core::ToWgs84(core::AsDatumPoint(center.location, datum), datum.sys);
  }
  CG_ASSIGN_OR_RETURN(center.facilities, Facilities(body));
  CG_ASSIGN_OR_RETURN(domain::ServiceCenter created, s.service_centers.Create(c, center));
  return Response::Json(201, ToJson(created));
}

}  // namespace

void RegisterOrgRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&),
                 RouteOptions options = {}) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }), options);
  };
  RouteOptions geometry_body{size_t{16} << 20};
  add("GET", "/api/v1/org-nodes", ListNodes);
  add("POST", "/api/v1/org-nodes", CreateNode, geometry_body);
  add("GET", "/api/v1/org-nodes/{id}", GetNode);
  add("PATCH", "/api/v1/org-nodes/{id}", UpdateNode, geometry_body);
  add("DELETE", "/api/v1/org-nodes/{id}", DeleteNode);
  add("GET", "/api/v1/org-nodes/{id}/staffing", Staffing);
  add("GET", "/api/v1/staffing", Staffing);
  add("GET", "/api/v1/grid-lookup", GridLookup);
  add("GET", "/api/v1/party-orgs", ListPartyOrgs);
  add("POST", "/api/v1/party-orgs", CreatePartyOrg);
  add("GET", "/api/v1/party-orgs/{id}", GetPartyOrg);
  add("GET", "/api/v1/service-centers", ListCenters);
  add("POST", "/api/v1/service-centers", CreateCenter);
}

}  // namespace civicgrid::http
