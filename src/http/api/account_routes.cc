// Accounts for their administrators (/api/v1/accounts/...), the public
// community picker (/api/v1/communities) and resident self-registration
// (/api/v1/registrations/...), plus what GET /me adds about the caller.
#include <boost/json.hpp>

#include "core/time.h"
#include "domain/access/notices.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

json::value AccountJson(const domain::AccountRecord& a) {
  return json::object{
      {"id", a.id},
      {"username", a.username},
      {"display_name", a.display_name},
      {"role", domain::RoleName(a.role)},
      {"scope",
       json::object{{"node_id", a.scope_node_id}, {"name", a.scope_name}, {"kind", a.scope_kind}}},
      {"disabled", a.disabled},
      {"must_change_password", a.must_change_password},
      {"phone_masked", OptJson(a.phone_masked)},
      {"unit_id", OptJson(a.unit_id)},
      {"party_member_id", OptJson(a.party_member_id)},
      {"resident_id", OptJson(a.resident_id)},
      {"home_node_id", OptJson(a.home_node_id)},
      {"registration_state", OptJson(a.registration_state)},
      {"version", a.version},
      {"created_at", core::FormatUtc(a.created_at_ms)}};
}

json::value RegistrationJson(const domain::Registration& r) {
  return json::object{
      {"account_id", r.account_id},
      {"username", r.username},
      {"name", r.display_name},
      {"phone_masked", OptJson(r.phone_masked)},
      {"community", json::object{{"id", r.community_id}, {"name", r.community_name}}},
      {"state", r.state},
      {"resident_id", OptJson(r.resident_id)},
      {"note", r.note},
      {"created_at", core::FormatUtc(r.created_at_ms)}};
}

// --- accounts --------------------------------------------------------------

core::Result<Response> ListAccounts(ApiServices& s, Request& r, const Caller& c) {
  domain::AccountFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  if (auto role = r.Query("role")) {
    CG_ASSIGN_OR_RETURN(filter.role, domain::ParseRole(*role, "role"));
  }
  if (r.Query("disabled")) {
    CG_ASSIGN_OR_RETURN(bool disabled, QueryFlag(r, "disabled"));
    filter.disabled = disabled;
  }
  if (auto q = r.Query("q")) {
    if (q->size() > 64) return core::Error::Invalid("q", "搜索词过长");
    filter.q = std::string(*q);
  }
  CG_ASSIGN_OR_RETURN(auto page, s.accounts.ListAccounts(c, filter));
  return Response::Json(200, PageJson(page, AccountJson));
}

core::Result<Response> GetAccount(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::AccountRecord account, s.accounts.GetAccount(c, id));
  return Response::Json(200, AccountJson(account));
}

core::Result<Response> PatchAccount(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::AccountChange change;
  CG_ASSIGN_OR_RETURN(change.disabled, OptionalBool(body, "disabled"));
  CG_ASSIGN_OR_RETURN(auto role, OptionalString(body, "role", 30));
  if (role) {
    CG_ASSIGN_OR_RETURN(change.role, domain::ParseRole(*role, "role"));
  }
  CG_ASSIGN_OR_RETURN(change.scope_node_id, OptionalInt(body, "scope_node_id", 1));
  CG_ASSIGN_OR_RETURN(change.version, OptionalInt(body, "version", 1));
  CG_ASSIGN_OR_RETURN(domain::AccountRecord account, s.accounts.UpdateAccount(c, id, change));
  return Response::Json(200, AccountJson(account));
}

core::Result<Response> ResetPassword(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(std::string password, s.accounts.ResetPassword(c, id));
  Response response = Response::Json(
      200,
      json::object{{"id", id}, {"temporary_password", password}, {"must_change_password", true}});
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

// --- registration ------------------------------------------------------------

core::Result<Response> Communities(ApiServices& s, Request&) {
  CG_ASSIGN_OR_RETURN(auto communities, s.registrations.Communities());
  json::array items;
  for (const auto& c : communities) {
    items.push_back(json::object{
        {"id", c.id},
        {"name", c.name},
        {"street", json::object{{"id", OptJson(c.street_id)}, {"name", c.street_name}}}});
  }
  Response response = Response::Json(200, json::object{{"items", std::move(items)}});
  response.AddHeader("Cache-Control", "public, max-age=300");
  return response;
}

core::Result<Response> RequestCode(ApiServices& s, Request& r) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string phone, RequireString(body, "phone", 20));
  domain::RetryAfter retry;
  auto sent = s.registrations.RequestCode(phone, retry);
  if (!sent.ok()) {
    Response response = Response::FromError(sent.error());
    if (retry.seconds > 0) response.AddHeader("Retry-After", std::to_string(retry.seconds));
    return response;
  }
  return Response::Json(202, json::object{{"sent", true}, {"expires_in", 600}});
}

core::Result<Response> Register(ApiServices& s, Request& r) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewRegistration n;
  CG_ASSIGN_OR_RETURN(n.phone, RequireString(body, "phone", 20));
  CG_ASSIGN_OR_RETURN(n.code, RequireString(body, "code", 6));
  CG_ASSIGN_OR_RETURN(n.password, RequireString(body, "password", 128));
  CG_ASSIGN_OR_RETURN(n.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(n.name, RequireString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(domain::LoginResult login, s.registrations.Register(n));
  CG_ASSIGN_OR_RETURN(Response response, SessionResponse(s, login));
  response.status = 201;
  return response;
}

core::Result<Response> ListRegistrations(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  std::string state(r.Query("state").value_or("pending"));
  CG_ASSIGN_OR_RETURN(auto list, s.registrations.List(c, state, page));
  return Response::Json(200, PageJson(list, RegistrationJson));
}

core::Result<Response> ConfirmRegistration(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("account_id"), "account_id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t resident, RequireInt(body, "resident_id", 1));
  CG_ASSIGN_OR_RETURN(domain::Registration reg, s.registrations.Confirm(c, id, resident));
  return Response::Json(200, RegistrationJson(reg));
}

core::Result<Response> DeclineRegistration(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("account_id"), "account_id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 200, TextKind::kMultiLine));
  CG_ASSIGN_OR_RETURN(domain::Registration reg, s.registrations.Decline(c, id, reason));
  return Response::Json(200, RegistrationJson(reg));
}

// GET /api/v1/notices?before=&limit=: the caller's own notices, newest first
// (a warning raised in their branch, a meeting cancelled, a registration declined).
core::Result<Response> ListNotices(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto before, QueryId(r, "before"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto conn, s.db.Acquire());
  CG_ASSIGN_OR_RETURN(auto notices, domain::NoticesFor(*conn, c.account_id, before, page.limit));
  json::array items;
  for (const auto& n : notices) {
    items.push_back(json::object{{"id", n.id},
                                 {"kind", n.kind},
                                 {"subject_kind", n.subject_kind},
                                 {"subject_id", n.subject_id},
                                 {"text", n.text},
                                 {"created_at", core::FormatUtc(n.created_at)}});
  }
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

}  // namespace

core::Status AddProfileJson(ApiServices& s, const Caller& caller, json::object& out) {
  CG_ASSIGN_OR_RETURN(domain::AccountProfile p, s.accounts.Profile(caller));
  json::array grids;
  for (int64_t g : p.grids) grids.push_back(g);
  out["must_change_password"] = p.must_change_password;
  out["staff_id"] = OptJson(p.staff_id);
  out["grids"] = std::move(grids);
  out["home"] = p.home_id ? json::value(json::object{{"id", *p.home_id}, {"name", p.home_name}})
                          : json::value(nullptr);
  out["registration_state"] = OptJson(p.registration_state);
  return core::Ok();
}

void RegisterAccountRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  auto plain = [&](const char* method, const char* pattern,
                   core::Result<Response> (*fn)(ApiServices&, Request&)) {
    router.Add(method, pattern, Plain([&s, fn](Request& r) { return fn(s, r); }));
  };
  add("GET", "/api/v1/accounts", ListAccounts);
  add("GET", "/api/v1/accounts/{id}", GetAccount);
  add("PATCH", "/api/v1/accounts/{id}", PatchAccount);
  add("POST", "/api/v1/accounts/{id}/password-reset", ResetPassword);
  plain("GET", "/api/v1/communities", Communities);
  plain("POST", "/api/v1/registrations/sms-code", RequestCode);
  plain("POST", "/api/v1/registrations", Register);
  add("GET", "/api/v1/registrations", ListRegistrations);
  add("POST", "/api/v1/registrations/{account_id}/confirm", ConfirmRegistration);
  add("POST", "/api/v1/registrations/{account_id}/decline", DeclineRegistration);
  add("GET", "/api/v1/notices", ListNotices);
}

}  // namespace civicgrid::http
