// Residents, party members, units, staff and accounts.
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

core::Result<std::vector<std::string>> StringList(const json::object& body,
                                                  std::string_view field) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return core::Error::Invalid(std::string(field), "应为字符串数组");
  for (const json::value& item : v->as_array()) {
    if (!item.is_string()) return core::Error::Invalid(std::string(field), "应为字符串数组");
    out.emplace_back(item.as_string());
    CG_TRY(CheckText(out.back(), field, TextKind::kSingleLine));
  }
  return out;
}

// --- residents -------------------------------------------------------------

core::Result<Response> ListResidents(ApiServices& s, Request& r, const Caller& c) {
  domain::ResidentFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  if (auto flag = r.Query("flag")) {
    CG_ASSIGN_OR_RETURN(filter.flag, domain::ParseResidentFlags({*flag}, "flag"));
  }
  filter.id_number = r.Query("id_number");
  filter.phone = r.Query("phone");
  CG_ASSIGN_OR_RETURN(auto page, s.residents.List(c, filter));
  return Response::Json(200, PageJson(page));
}

core::Result<Response> CreateResident(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewResident n;
  CG_ASSIGN_OR_RETURN(n.building_id, RequireInt(body, "building_id", 1));
  CG_ASSIGN_OR_RETURN(n.room, RequireString(body, "room", 40));
  CG_ASSIGN_OR_RETURN(n.name, RequireString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(n.id_number, RequireString(body, "id_number", 18));
  CG_ASSIGN_OR_RETURN(n.phone, OptionalString(body, "phone", 20));
  CG_ASSIGN_OR_RETURN(auto flags, StringList(body, "flags"));
  CG_ASSIGN_OR_RETURN(n.flags, domain::ParseResidentFlags(flags, "flags"));
  CG_ASSIGN_OR_RETURN(domain::Resident created, s.residents.Create(c, n));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> GetResident(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Resident resident, s.residents.Get(c, id));
  return Response::Json(200, ToJson(resident));
}

core::Result<Response> RelocateResident(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t building, RequireInt(body, "building_id", 1));
  CG_ASSIGN_OR_RETURN(std::string room, RequireString(body, "room", 40));
  CG_ASSIGN_OR_RETURN(domain::Resident moved, s.residents.Relocate(c, id, building, room));
  return Response::Json(200, ToJson(moved));
}

core::Result<Response> DeleteResident(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_TRY(s.residents.Delete(c, id));
  return Response::NoContent();
}

core::Result<Response> RevealResident(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::RevealedPii pii,
                      s.residents.Reveal(c, id, r.Query("reason").value_or("")));
  Response response =
      Response::Json(200, json::object{{"id", id},
                                       {"id_number", pii.id_number},
                                       {"phone", pii.phone ? json::value(*pii.phone) : nullptr}});
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

// --- party members ---------------------------------------------------------

core::Result<Response> ListMembers(ApiServices& s, Request& r, const Caller& c) {
  domain::PartyMemberFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(filter.unit_id, QueryId(r, "unit_id"));
  filter.skill = r.Query("skill");
  CG_ASSIGN_OR_RETURN(auto page, s.party.ListMembers(c, filter));
  return Response::Json(200, PageJson(page));
}

core::Result<Response> CreateMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewPartyMember m;
  CG_ASSIGN_OR_RETURN(m.name, RequireString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(m.id_number, RequireString(body, "id_number", 18));
  CG_ASSIGN_OR_RETURN(m.phone, OptionalString(body, "phone", 20));
  CG_ASSIGN_OR_RETURN(m.party_org_id, RequireInt(body, "party_org_id", 1));
  CG_ASSIGN_OR_RETURN(m.unit_id, OptionalInt(body, "unit_id", 1));
  CG_ASSIGN_OR_RETURN(m.residence_node_id, OptionalInt(body, "residence_node_id", 1));
  CG_ASSIGN_OR_RETURN(m.registered_on, OptionalString(body, "registered_on", 10));
  CG_ASSIGN_OR_RETURN(m.skills, StringList(body, "skills"));
  CG_ASSIGN_OR_RETURN(std::optional<bool> mobile, OptionalBool(body, "mobile"));
  m.mobile = mobile.value_or(false);
  CG_ASSIGN_OR_RETURN(domain::PartyMember created, s.party.CreateMember(c, m));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> GetMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::PartyMember member, s.party.GetMember(c, id));
  return Response::Json(200, ToJson(member));
}

core::Result<Response> RegisterMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t community, RequireInt(body, "community_id", 1));
  // Through the 双报到 workflow: a confirmed registration, recorded like the members' own.
  CG_TRY(s.duty.RegisterByStaff(c, id, community));
  CG_ASSIGN_OR_RETURN(domain::PartyMember member, s.party.GetMember(c, id));
  return Response::Json(200, ToJson(member));
}

// --- units -----------------------------------------------------------------

core::Result<Response> ListUnits(ApiServices& s, Request& r, const Caller& c) {
  domain::UnitFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.paired_with, QueryId(r, "paired_with"));
  CG_ASSIGN_OR_RETURN(auto page, s.units.List(c, filter));
  return Response::Json(200, PageJson(page));
}

core::Result<Response> CreateUnit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewUnit u;
  CG_ASSIGN_OR_RETURN(u.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind", 30));
  CG_ASSIGN_OR_RETURN(u.kind, domain::ParseUnitKind(kind, "kind"));
  CG_ASSIGN_OR_RETURN(u.name, RequireString(body, "name", 100));
  CG_ASSIGN_OR_RETURN(u.credit_code, OptionalString(body, "credit_code", 18));
  CG_ASSIGN_OR_RETURN(auto address, OptionalString(body, "address", 200));
  CG_ASSIGN_OR_RETURN(auto contact, OptionalString(body, "contact_name", 60));
  u.address = address.value_or("");
  u.contact_name = contact.value_or("");
  CG_ASSIGN_OR_RETURN(domain::Unit created, s.units.Create(c, u));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> GetUnit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Unit unit, s.units.Get(c, id));
  return Response::Json(200, ToJson(unit));
}

core::Result<Response> PairUnit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t node, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(auto since, OptionalString(body, "since", 10));
  CG_ASSIGN_OR_RETURN(domain::Unit unit, s.units.Pair(c, id, node, since));
  return Response::Json(201, ToJson(unit));
}

core::Result<Response> UnpairUnit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(int64_t node, ParseId(r.Param("node_id"), "node_id"));
  CG_TRY(s.units.Unpair(c, id, node));
  return Response::NoContent();
}

// --- staff -----------------------------------------------------------------

core::Result<Response> ListStaff(ApiServices& s, Request& r, const Caller& c) {
  domain::StaffFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  if (auto kind = r.Query("kind")) {
    CG_ASSIGN_OR_RETURN(filter.kind, domain::ParseStaffKind(*kind, "kind"));
  }
  CG_ASSIGN_OR_RETURN(auto page, s.staff.List(c, filter));
  return Response::Json(200, PageJson(page));
}

core::Result<Response> CreateStaff(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewStaff n;
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind", 30));
  CG_ASSIGN_OR_RETURN(n.kind, domain::ParseStaffKind(kind, "kind"));
  CG_ASSIGN_OR_RETURN(auto employment, OptionalString(body, "employment", 20));
  if (employment) {
    CG_ASSIGN_OR_RETURN(n.employment, domain::ParseEmployment(*employment, "employment"));
  }
  CG_ASSIGN_OR_RETURN(n.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(n.name, RequireString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(n.phone, OptionalString(body, "phone", 20));
  CG_ASSIGN_OR_RETURN(n.resident_id, OptionalInt(body, "resident_id", 1));
  CG_ASSIGN_OR_RETURN(n.grid_ids, IdList(body, "grid_ids"));
  CG_ASSIGN_OR_RETURN(domain::Staff created, s.staff.Create(c, n));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> GetStaff(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Staff staff, s.staff.Get(c, id));
  return Response::Json(200, ToJson(staff));
}

core::Result<Response> AssignGrid(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t grid, RequireInt(body, "grid_id", 1));
  CG_ASSIGN_OR_RETURN(domain::Staff staff, s.staff.Assign(c, id, grid));
  return Response::Json(201, ToJson(staff));
}

core::Result<Response> UnassignGrid(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(int64_t grid, ParseId(r.Param("grid_id"), "grid_id"));
  CG_TRY(s.staff.Unassign(c, id, grid));
  return Response::NoContent();
}

// --- accounts --------------------------------------------------------------

core::Result<Response> CreateAccount(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewAccount a;
  CG_ASSIGN_OR_RETURN(a.username, RequireString(body, "username", 64));
  CG_ASSIGN_OR_RETURN(a.display_name, RequireString(body, "display_name", 60));
  CG_ASSIGN_OR_RETURN(a.password, RequireString(body, "password", 128));
  CG_ASSIGN_OR_RETURN(std::string role, RequireString(body, "role", 30));
  CG_ASSIGN_OR_RETURN(a.role, domain::ParseRole(role, "role"));
  CG_ASSIGN_OR_RETURN(a.scope_node_id, RequireInt(body, "scope_node_id", 1));
  CG_ASSIGN_OR_RETURN(a.unit_id, OptionalInt(body, "unit_id", 1));
  CG_ASSIGN_OR_RETURN(a.party_member_id, OptionalInt(body, "party_member_id", 1));
  CG_ASSIGN_OR_RETURN(a.resident_id, OptionalInt(body, "resident_id", 1));
  CG_ASSIGN_OR_RETURN(int64_t id, s.accounts.CreateAccount(&c, a));
  return Response::Json(201, json::object{{"id", id}, {"username", a.username}});
}

}  // namespace

void RegisterPeopleRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/residents", ListResidents);
  add("POST", "/api/v1/residents", CreateResident);
  add("GET", "/api/v1/residents/{id}", GetResident);
  add("PATCH", "/api/v1/residents/{id}", RelocateResident);
  add("DELETE", "/api/v1/residents/{id}", DeleteResident);
  add("GET", "/api/v1/residents/{id}/pii", RevealResident);
  add("GET", "/api/v1/party-members", ListMembers);
  add("POST", "/api/v1/party-members", CreateMember);
  add("GET", "/api/v1/party-members/{id}", GetMember);
  add("PUT", "/api/v1/party-members/{id}/registration", RegisterMember);
  add("GET", "/api/v1/units", ListUnits);
  add("POST", "/api/v1/units", CreateUnit);
  add("GET", "/api/v1/units/{id}", GetUnit);
  add("POST", "/api/v1/units/{id}/pairings", PairUnit);
  add("DELETE", "/api/v1/units/{id}/pairings/{node_id}", UnpairUnit);
  add("GET", "/api/v1/staff", ListStaff);
  add("POST", "/api/v1/staff", CreateStaff);
  add("GET", "/api/v1/staff/{id}", GetStaff);
  add("POST", "/api/v1/staff/{id}/grids", AssignGrid);
  add("DELETE", "/api/v1/staff/{id}/grids/{grid_id}", UnassignGrid);
  add("POST", "/api/v1/accounts", CreateAccount);
}

}  // namespace civicgrid::http
